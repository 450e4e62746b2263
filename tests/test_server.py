"""`newsevents server start|stop|status`: a background `prefect server start` on 127.0.0.1 that
run, compact and rebuild reuse (saying so on stderr), else PREFECT_API_URL, else the
embedded server. Runs publish their summary as artifacts on the server they use."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import anyio

from conftest import FIXTURES, free_port

BIN = Path(sys.executable).parent / "newsevents"


def newsevents(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300, env=env)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def artifacts_of(api_url: str, flow_run_id: str) -> dict:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def read():
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))

    with temporary_settings({PREFECT_API_URL: api_url}):
        return {a.key: a for a in anyio.run(read)}


def test_server_lifecycle_and_the_commands_that_reuse_it(tmp_path, prefect_api):
    port = free_port()
    home = tmp_path / "server-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(NEWSEVENTS_SERVER_HOME=str(home), NEWSEVENTS_SERVER_PORT=str(port), PREFECT_HOME=str(home))
    url = f"http://127.0.0.1:{port}"
    inputs, data_dir = tmp_path / "inputs", str(tmp_path / "data")
    shutil.copytree(FIXTURES, inputs)

    status = newsevents("server", "status", env=env)
    assert (status.returncode, status.stdout.strip()) == (1, "not running")
    start = newsevents("server", "start", env=env)
    assert start.returncode == 0, start.stderr
    pid = json.loads((home / "server.json").read_text())["pid"]
    try:
        assert f"Prefect server up at {url} (pid {pid})" in start.stdout
        assert (home / "server.log").stat().st_size > 0
        status = newsevents("server", "status", env=env)
        assert status.returncode == 0 and status.stdout.startswith(f"up at {url} (pid {pid})")
        again = newsevents("server", "start", env=env)  # already up: the same server
        assert again.returncode == 0 and f"(pid {pid})" in again.stdout

        run = newsevents("run", str(inputs), "--data-dir", data_dir, "--json", env=env)
        assert run.returncode == 0, run.stderr
        assert f"newsevents: using the local Prefect server at {url} (newsevents server)" in run.stderr
        summary = json.loads(run.stdout)
        found = artifacts_of(f"{url}/api", summary["run_id"])  # the run was recorded by that server
        assert set(found) == {"newsevents-run-report", "newsevents-run-table"}
        assert f"| articles new | {summary['articles']:,} |" in found["newsevents-run-report"].data
        table = {row["figure"]: row["value"] for row in json.loads(found["newsevents-run-table"].data)}
        assert (table["articles new"], table["articles duplicate"], table["quarantined"]) == (
            summary["articles"], summary["duplicates"], summary["quarantined"])
        assert table["occurred visits"] == summary["visits"] > 0

        given = newsevents("rebuild", "--data-dir", data_dir, env={**env, "PREFECT_API_URL": prefect_api})
        assert given.returncode == 0, given.stderr
        assert f"newsevents: using the Prefect server at {prefect_api} (PREFECT_API_URL)" in given.stderr
    finally:
        stop = newsevents("server", "stop", env=env)
    assert stop.returncode == 0 and stop.stdout.strip() == f"stopped the Prefect server at {url} (pid {pid})"
    assert not alive(pid)
    assert newsevents("server", "status", env=env).returncode == 1

    embedded = newsevents("compact", "--data-dir", data_dir, env=env)
    assert embedded.returncode == 0, embedded.stderr
    assert "newsevents: no Prefect server running: using Prefect's embedded server" in embedded.stderr
