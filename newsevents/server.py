"""A local Prefect server in the background, for the CLI to reuse: start, stop, status.

``newsevents server start`` runs ``prefect server start`` on 127.0.0.1 with its own Prefect
home (``server_home``, by default ``~/.cache/newsevents/prefect-server``), its log in
``server.log`` there and its pid and URL in ``server.json``. ``run``, ``compact`` and
``rebuild`` then talk to it instead of starting Prefect's embedded server each time (see
:func:`choose_api`). Nothing here imports Prefect: a status check costs one HTTP request.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from newsevents.config import PREFECT_DEFAULTS, Settings

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ServerState:
    """What is known of the local server: its URL, pid, and whether its API answers."""

    url: str
    pid: int | None
    healthy: bool
    home: Path

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"


def server_home(settings: Settings) -> Path:
    """The server's Prefect home (database, log, pid file)."""
    if settings.server_home:
        return Path(settings.server_home).expanduser().resolve()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(cache) / "newsevents" / "prefect-server"


def healthy(url: str, timeout: float = 1.0) -> bool:
    """Whether a Prefect API answers its health check at ``url`` (``http://host:port``)."""
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status(settings: Settings) -> ServerState:
    """The local server's state, from its pid file and its health endpoint."""
    home = server_home(settings)
    url = f"http://{HOST}:{settings.server_port}"
    pid = None
    try:
        recorded = json.loads((home / "server.json").read_text())
        url, pid = recorded["url"], int(recorded["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if pid is not None and not _alive(pid):
        pid = None
    return ServerState(url=url, pid=pid, healthy=pid is not None and healthy(url), home=home)


def start(settings: Settings, timeout: float = 180.0) -> ServerState:
    """Start the server in the background unless it is up; wait until its API answers.

    Raises ``RuntimeError`` (with the end of the server's log) when it does not come up.
    """
    state = status(settings)
    if state.healthy:
        return state
    if state.pid is not None:  # started by another command, still coming up: wait for it
        if _wait_healthy(state.url, timeout, lambda: _alive(state.pid)):
            return status(settings)
        raise RuntimeError(
            f"a Prefect server process (pid {state.pid}) is there but its API does not answer at {state.url}: "
            f"`newsevents server stop`, then start again; its log ends:\n{_tail(state.home / 'server.log')}"
        )
    home = state.home
    home.mkdir(parents=True, exist_ok=True)
    url = f"http://{HOST}:{settings.server_port}"
    if healthy(url):
        raise RuntimeError(f"another Prefect server already answers at {url}: stop it, or set NEWSEVENTS_SERVER_PORT")
    env = {**os.environ, **PREFECT_DEFAULTS, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_LOGGING_LEVEL", None)
    log = open(home / "server.log", "ab")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(settings.server_port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            cwd=home,
        )
    finally:
        log.close()
    (home / "server.json").write_text(json.dumps({"pid": proc.pid, "url": url}))
    if _wait_healthy(url, timeout, lambda: proc.poll() is None):
        return ServerState(url=url, pid=proc.pid, healthy=True, home=home)
    _terminate(proc.pid)
    (home / "server.json").unlink(missing_ok=True)
    raise RuntimeError(f"the Prefect server did not come up at {url}; its log ends:\n{_tail(home / 'server.log')}")


def _wait_healthy(url: str, timeout: float, running) -> bool:
    """Wait until the API at ``url`` answers (True), the process ends or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(url):
            return True
        if not running():
            return False
        time.sleep(0.5)
    return False


def stop(settings: Settings, timeout: float = 20.0) -> ServerState | None:
    """Stop the server started by :func:`start`; return its state before, or None if none ran."""
    state = status(settings)
    (state.home / "server.json").unlink(missing_ok=True)
    if state.pid is None:
        return None
    _terminate(state.pid, timeout)
    return state


def _terminate(pid: int, timeout: float = 20.0) -> None:
    """SIGTERM the server's process group (uvicorn and its services), SIGKILL after ``timeout``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                waited, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                waited = 0 if _alive(pid) else pid
            if waited == pid or not _alive(pid):
                return
            time.sleep(0.2)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def choose_api(settings: Settings) -> str:
    """Point Prefect at a server before it is imported; return what was chosen, for stderr.

    ``PREFECT_API_URL`` wins when set; else the local server when it answers; else
    Prefect's embedded server, started by this process for the length of the command.
    """
    given = os.environ.get("PREFECT_API_URL")
    if given:
        return f"using the Prefect server at {given} (PREFECT_API_URL)"
    state = status(settings)
    if state.healthy:
        os.environ["PREFECT_API_URL"] = state.api_url
        return f"using the local Prefect server at {state.url} (newsevents server)"
    return "no Prefect server running: using Prefect's embedded server (`newsevents server start` makes runs start faster)"
