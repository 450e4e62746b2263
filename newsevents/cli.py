"""The ``newsevents`` command: run the pipeline, query the warehouse."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import decimal
import json
import sys
from typing import Any, Sequence

from newsevents.config import Settings, apply_prefect_defaults

FORMATS = ("table", "csv", "json")


def _parser() -> argparse.ArgumentParser:
    default_dir = Settings.from_env().data_dir
    p = argparse.ArgumentParser(prog="newsevents", description="News articles in, a warehouse of political events out.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the whole pipeline on files, folders or globs")
    run.add_argument("paths", nargs="+", metavar="PATH", help="article files (.txt, .jsonl), folders or glob patterns")
    run.add_argument("--data-dir", default=default_dir, help=f"lake and warehouse location (default: {default_dir})")
    run.add_argument("--shard-max-bytes", type=int, default=None, help="input bytes per shard")
    run.add_argument("--json", action="store_true", help="print the run summary as JSON")
    for name, text in (("compact", "merge each partition's small files into one"), ("rebuild", "rebuild the warehouse and events from the lake")):
        job = sub.add_parser(name, help=text)
        job.add_argument("--data-dir", default=default_dir, help=f"lake and warehouse location (default: {default_dir})")
    sql = sub.add_parser("sql", help="run SQL against the warehouse (read-only)")
    sql.add_argument("query", help="a SQL query, e.g. \"select * from visit_counts\"")
    sql.add_argument("--data-dir", default=default_dir, help=f"lake and warehouse location (default: {default_dir})")
    sql.add_argument("--format", choices=FORMATS, default="table", help="output format (json: one object per row)")
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


def run_command(args: argparse.Namespace) -> int:
    apply_prefect_defaults()
    from flows.pipeline import pipeline
    from warehouse.lake import LakeBusy

    if _unusable_data_dir(args.data_dir):
        return 2
    try:
        summary = pipeline(paths=args.paths, data_dir=args.data_dir, shard_max_bytes=args.shard_max_bytes)
    except LakeBusy as exc:
        print(f"newsevents: {exc}", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(summary, default=_jsonable))
    if summary["inputs"] == 0:
        print("newsevents: no input files found at the given paths (see the quarantine view)", file=sys.stderr)
        return 2
    return 0


def maintenance_command(args: argparse.Namespace) -> int:
    apply_prefect_defaults()
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
    commands = {"run": run_command, "sql": sql_command, "compact": maintenance_command, "rebuild": maintenance_command}
    if args.command == "dashboard":
        from newsevents.dashboard import dashboard_command

        return dashboard_command(args)
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
