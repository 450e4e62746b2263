"""Shared fixtures: an isolated Prefect home and server, and one real pipeline run.

Prefect runs for real here: a Prefect API server is started on 127.0.0.1 once per test
session (about 20 s on a fresh home) and every flow call, in this process or in a
`newsevents` subprocess, is a real flow run recorded by it. test_cli.py also runs the
command with no server configured at all, as a newcomer does.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# Before anything imports prefect: a fresh, private Prefect home per test session.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="newsevents-prefect-")
os.environ.pop("PREFECT_API_URL", None)

import pytest  # noqa: E402

from newsevents.config import apply_prefect_defaults  # noqa: E402

apply_prefect_defaults()

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(os.environ["PREFECT_HOME"], ignore_errors=True)


def query(data_dir: Path | str, sql: str) -> list[tuple]:
    """Run SQL on the warehouse of ``data_dir`` through a read-only connection."""
    from warehouse.build import connect

    with connect(str(data_dir)) as con:
        return con.execute(sql).fetchall()


def write_bad_inputs(folder: Path) -> None:
    """Inputs that must end in quarantine, each for its own reason."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b"  \n\n ")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "latin1.txt").write_bytes("Caf\xe9 title\n\nPr\xe9sident visited.".encode("latin-1"))
    (folder / "title_only.txt").write_text("Only a title and nothing else\n", encoding="utf-8")


@pytest.fixture(scope="session", autouse=True)
def prefect_api():
    """A real Prefect API server for the session; subprocesses reach it through PREFECT_API_URL."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = SubprocessASGIServer()
    server.start(timeout=180)
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        server.stop()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def local_server(tmp_path_factory):
    """`prefect server start` on 127.0.0.1 (with its scheduler), run by `newsevents server start`
    with a home and port of its own; for the tests of schedules, deployments and the server."""
    from newsevents import server
    from newsevents.config import Settings

    settings = Settings(server_home=str(tmp_path_factory.mktemp("server-home")), server_port=free_port())
    state = server.start(settings)
    try:
        yield {"settings": settings, "url": state.url, "api_url": state.api_url, "home": state.home}
    finally:
        server.stop(settings)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory) -> dict:
    """One pipeline run over the fixtures plus bad inputs; returns its summary and data dir."""
    from flows.pipeline import pipeline

    root = tmp_path_factory.mktemp("run")
    inputs = root / "inputs"
    shutil.copytree(FIXTURES, inputs)
    write_bad_inputs(inputs / "bad")
    data_dir = root / "data"
    summary = pipeline(paths=[str(inputs), str(root / "does-not-exist.txt")], data_dir=str(data_dir))
    return {"summary": summary, "data_dir": data_dir, "inputs": inputs}

