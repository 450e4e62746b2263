"""The ``newsevents`` command: run the pipeline, query the warehouse, run the schedules and a local Prefect server."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import decimal
import json
import os
import sys
from typing import Any, Sequence

from newsevents.config import Settings, apply_prefect_defaults

FORMATS = ("table", "csv", "json")


def _parser() -> argparse.ArgumentParser:
    default_dir = Settings.from_env().data_dir
    p = argparse.ArgumentParser(prog="newsevents", description="News articles in, a warehouse of political events out.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the whole pipeline on files, folders, globs or http(s) URLs")
    run.add_argument("paths", nargs="+", metavar="PATH", help="article files (text, JSON Lines, HTML, feeds, WARC; compressed too), folders, glob patterns or http(s) URLs")
    run.add_argument("--data-dir", default=default_dir, help=f"lake and warehouse location (default: {default_dir})")
    run.add_argument("--shard-max-bytes", type=int, default=None, help="input bytes per shard")
    run.add_argument("--json", action="store_true", help="print the run summary as JSON")
    run.add_argument("--workers", type=int, default=None, help="shards extracted at once, one process each (default: one per core)")
    run.add_argument("--dask", metavar="ADDRESS", default=None, help="extract shards on the Dask cluster of this scheduler (tcp://host:8786)")
    for name, text in (("compact", "merge each partition's small files into one"), ("rebuild", "rebuild the warehouse and events from the lake")):
        job = sub.add_parser(name, help=text)
        job.add_argument("--data-dir", default=default_dir, help=f"lake and warehouse location (default: {default_dir})")
    sql = sub.add_parser("sql", help="run SQL against the warehouse (read-only)")
    sql.add_argument("query", help="a SQL query, e.g. \"select * from visit_counts\"")
    sql.add_argument("--data-dir", default=default_dir, help=f"lake and warehouse location (default: {default_dir})")
    sql.add_argument("--format", choices=FORMATS, default="table", help="output format (json: one object per row)")
    serve = sub.add_parser("serve", help="run the scheduled deployments of prefect.yaml from this process")
    serve.add_argument("--file", default=None, help="deployments file (default: prefect.yaml of the checkout)")
    server = sub.add_parser("server", help="a local Prefect server in the background, which run, compact and rebuild reuse")
    server.add_argument("action", choices=("start", "stop", "status"))
    dash = sub.add_parser("dashboard", help="serve the dashboard of the warehouse on 127.0.0.1 (read-only)")
    dash.add_argument("--data-dir", default=default_dir, help=f"lake and warehouse location (default: {default_dir})")
    dash.add_argument("--port", type=int, default=8501, help="port to serve on (default: 8501)")
    return p


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _unusable_data_dir(data_dir: str) -> bool:
    """Say so and return True when ``data_dir`` cannot hold a lake; checked before Prefect starts."""
    from warehouse.lake import Lake

    try:
        Lake.open(data_dir)
    except (OSError, ValueError) as exc:
        print(f"newsevents: cannot use --data-dir {data_dir}: {exc}", file=sys.stderr)
        return True
    return False


def _use_server() -> None:
    """Point Prefect at a running server (or say it falls back to the embedded one) before importing it."""
    from newsevents.server import choose_api

    print(f"newsevents: {choose_api(Settings.from_env())}", file=sys.stderr)
    apply_prefect_defaults()


def run_command(args: argparse.Namespace) -> int:
    _use_server()
    from flows.pipeline import pipeline
    from tasks.report import summary_text
    from warehouse.lake import LakeBusy

    if _unusable_data_dir(args.data_dir):
        return 2
    try:
        summary = pipeline(
            paths=args.paths, data_dir=args.data_dir, shard_max_bytes=args.shard_max_bytes, workers=args.workers,
            dask_address=args.dask,
        )
    except LakeBusy as exc:
        print(f"newsevents: {exc}", file=sys.stderr)
        return 3
    print(json.dumps(summary, default=_jsonable) if args.json else summary_text(summary))
    if summary["inputs"] == 0:
        print("newsevents: no input files found at the given paths (see the quarantine view)", file=sys.stderr)
        return 2
    return 0


def maintenance_command(args: argparse.Namespace) -> int:
    _use_server()
    from flows import maintenance
    from warehouse.lake import LakeBusy

    if _unusable_data_dir(args.data_dir):
        return 2
    try:
        result = getattr(maintenance, args.command)(data_dir=args.data_dir)
    except LakeBusy as exc:
        print(f"newsevents: {exc}", file=sys.stderr)
        return 3
    print(json.dumps(result, default=_jsonable))
    return 0


def serve_command(args: argparse.Namespace) -> int:
    """Run the deployments' schedules here; they need a Prefect server, so start the local one if none is set."""
    from newsevents import server

    settings = Settings.from_env()
    if not os.environ.get("PREFECT_API_URL"):
        print("newsevents: starting the local Prefect server (schedules need one) ...", file=sys.stderr, flush=True)
        try:
            server.start(settings)
        except RuntimeError as exc:
            print(f"newsevents: {exc}", file=sys.stderr)
            return 1
    print(f"newsevents: {server.choose_api(settings)}", file=sys.stderr)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")  # served runs log their progress to the server
    apply_prefect_defaults()
    from flows.serve import serve_deployments

    try:
        serve_deployments(args.file)
    except (OSError, ValueError) as exc:
        print(f"newsevents: cannot serve the deployments: {exc}", file=sys.stderr)
        return 2
    return 0


def server_command(args: argparse.Namespace) -> int:
    """``newsevents server start|stop|status``; status exits 0 when the server is up, 1 otherwise."""
    from newsevents import server

    settings = Settings.from_env()
    if args.action == "start":
        print("newsevents: starting the Prefect server (first start creates its database: up to a minute) ...", file=sys.stderr, flush=True)
        try:
            state = server.start(settings)
        except RuntimeError as exc:
            print(f"newsevents: {exc}", file=sys.stderr)
            return 1
        print(f"Prefect server up at {state.url} (pid {state.pid}); home {state.home}")
        print(f"runs of this machine use it; elsewhere: export PREFECT_API_URL={state.api_url}")
        return 0
    if args.action == "stop":
        state = server.stop(settings)
        print("no local Prefect server was running" if state is None else f"stopped the Prefect server at {state.url} (pid {state.pid})")
        return 0
    state = server.status(settings)
    if state.healthy:
        print(f"up at {state.url} (pid {state.pid}); home {state.home}; log {state.home / 'server.log'}")
        return 0
    print(f"not running (a process {state.pid} is there but its API does not answer)" if state.pid else "not running")
    return 1


def sql_command(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.build import connect

    try:
        con = connect(args.data_dir)
    except FileNotFoundError as exc:
        print(f"newsevents: {exc}", file=sys.stderr)
        return 2
    try:
        cursor = con.execute(args.query)
    except duckdb.Error as exc:
        print(f"newsevents: query failed: {exc}", file=sys.stderr)
        return 1
    if cursor.description is None:
        return 0
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    out = sys.stdout
    if args.format == "json":
        for row in rows:
            out.write(json.dumps(dict(zip(columns, row)), default=_jsonable, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    else:
        _print_table(columns, rows, out)
    return 0


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=_jsonable, ensure_ascii=False)
    return _jsonable(value) if isinstance(value, (dt.date, dt.datetime, decimal.Decimal)) else value


def _print_table(columns: list[str], rows: list[tuple], out, max_width: int = 60) -> None:
    def cell(v: Any) -> str:
        text = "" if v is None else (v.isoformat(sep=" ") if isinstance(v, dt.datetime) else str(v))
        text = text.replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    out.write(" | ".join(c.ljust(w) for c, w in zip(columns, widths)) + "\n")
    out.write("-+-".join("-" * w for w in widths) + "\n")
    for r in cells:
        out.write(" | ".join(c.ljust(w) for c, w in zip(r, widths)) + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "run": run_command, "sql": sql_command, "compact": maintenance_command, "rebuild": maintenance_command,
        "serve": serve_command, "server": server_command,
    }
    if args.command == "dashboard":
        from newsevents.dashboard import dashboard_command

        return dashboard_command(args)
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
