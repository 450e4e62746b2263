"""Build ``warehouse.duckdb``: a file of views only, rebuilt from the lake at will.

Each dataset of the lake gets a ``raw_<dataset>`` view over its Parquet files (absolute
paths, hive partitions typed INTEGER, ``union_by_name`` so files of older schema versions
stay readable); the views in ``views/*.sql`` build on those. The file is built aside and
renamed into place, so readers never see a half-built warehouse.
"""
from __future__ import annotations

import glob
import hashlib
import os
from pathlib import Path

import duckdb
import pyarrow as pa
from prefect import task

from schemas import ARTICLES, EVENT_MENTIONS, EVENTS, QUARANTINE, Contract
from warehouse.lake import Lake, fsspec_filesystem

VIEWS_DIR = Path(__file__).parent / "views"
VIEWS = ("articles", "event_mentions", "visits", "events", "visit_counts", "quarantine")
RAW = (ARTICLES, EVENT_MENTIONS, QUARANTINE, EVENTS)

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.date32(): "DATE",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float32(): "FLOAT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.list_(pa.string()): "VARCHAR[]",
}


def warehouse_path(data_dir: str) -> str:
    """Where the warehouse file of a data dir lives (object-store lakes get a local cache file)."""
    if "://" in data_dir:
        key = hashlib.sha256(data_dir.rstrip("/").encode()).hexdigest()[:16]
        return os.path.join(os.path.expanduser("~/.cache/newsevents"), key, "warehouse.duckdb")
    return os.path.join(os.path.abspath(data_dir), "warehouse.duckdb")


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    return _DUCK_TYPES[t]


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _raw_view_sql(lake: Lake, contract: Contract) -> str:
    """``raw_<dataset>`` over the dataset's files, or an empty typed relation while it has none."""
    partitioned = contract.partition_by is not None
    if lake.files(contract.name):
        root = lake.path(contract.name)
        pattern = f"{root}/*/*/*.parquet" if partitioned else f"{root}/*.parquet"
        if not lake.is_local:
            pattern = f"s3://{pattern}"
        options = "union_by_name = true"
        if partitioned:
            options += ", hive_partitioning = true, hive_types = {'year': INTEGER, 'month': INTEGER}"
        # DDL takes no bound parameters: the path (it comes from --data-dir) is quoted as a SQL literal
        source = f"select * from read_parquet({_sql_literal(pattern)}, {options})"
    else:
        columns = [f"cast(null as {_duck_type(f.type)}) as {f.name}" for f in contract.schema]
        if partitioned:
            columns += ["cast(null as INTEGER) as year", "cast(null as INTEGER) as month"]
        source = f"select {', '.join(columns)} where false"
    return f"create or replace view raw_{contract.name.lstrip('_')} as {source}"


def _attach_object_store(con: duckdb.DuckDBPyConnection, data_dir: str) -> None:
    """Let ``con`` read an object-store lake through fsspec (s3fs), so DuckDB needs no httpfs."""
    if "://" in data_dir:
        con.register_filesystem(fsspec_filesystem(data_dir))


def create_views(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """Create the raw views and every view of ``views/`` on ``con``."""
    for contract in RAW:
        con.execute(_raw_view_sql(lake, contract))
    for name in VIEWS:
        con.execute((VIEWS_DIR / f"{name}.sql").read_text())


def build_warehouse(lake: Lake) -> str:
    """(Re)build the warehouse file of ``lake``; return its path."""
    target = warehouse_path(lake.data_dir)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    _remove_dead_builds(target)
    tmp = f"{target}.building-{os.getpid()}"  # object-store lakes have no lock: builders may overlap
    con = duckdb.connect(tmp)
    try:
        _attach_object_store(con, lake.data_dir)
        create_views(con, lake)
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(tmp, target)
    return target


def _remove_dead_builds(target: str) -> None:
    """Delete what builds killed midway left behind (their process is gone)."""
    for leftover in glob.glob(f"{glob.escape(target)}.building-*"):
        pid = leftover.rsplit("-", 1)[-1].removesuffix(".wal")
        try:
            os.kill(int(pid), 0)
        except (ValueError, ProcessLookupError):
            os.remove(leftover)
        except PermissionError:
            pass  # alive, another user's


def connect(data_dir: str) -> duckdb.DuckDBPyConnection:
    """Open the warehouse of ``data_dir`` read-only, as every reader should."""
    path = warehouse_path(data_dir)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"no warehouse at {path}: run `newsevents run PATH... --data-dir {data_dir}` first"
        )
    con = duckdb.connect(path, read_only=True)
    try:
        _attach_object_store(con, data_dir)
    except BaseException:
        con.close()
        raise
    return con


def current_mentions(lake: Lake) -> list[dict]:
    """Mention rows of the current article versions, read through the same views in memory."""
    with duckdb.connect() as con:
        _attach_object_store(con, lake.data_dir)
        create_views(con, lake)
        return con.sql("select * exclude (year, month) from event_mentions").to_arrow_table().to_pylist()


warehouse_task = task(build_warehouse, name="warehouse")
