"""``newsevents dashboard``: the Streamlit app over the warehouse, started on 127.0.0.1."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def streamlit_argv(data_dir: str, port: int) -> list[str]:
    """The ``streamlit run`` command line of the dashboard: local only, headless, nothing sent out."""
    if "://" not in data_dir:
        data_dir = os.path.abspath(data_dir)
    return [
        sys.executable, "-m", "newsevents.dashboard", "run", str(APP),  # streamlit run, modules imported first
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--client.showErrorDetails", "none",
        "--client.toolbarMode", "minimal",
        "--global.developmentMode", "false",
        "--", "--data-dir", data_dir,
    ]


def dashboard_command(args: argparse.Namespace) -> int:
    """Serve the dashboard of ``args.data_dir`` on ``args.port``: this process becomes the Streamlit server."""
    print(f"newsevents: dashboard of {args.data_dir} at http://127.0.0.1:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    sys.stderr.flush()
    argv = streamlit_argv(args.data_dir, args.port)
    os.execv(argv[0], argv)  # signals (Ctrl-C, a test's terminate) reach the server itself
    return 0  # not reached
