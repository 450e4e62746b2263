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
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa
from prefect import task

from schemas import ARTICLES, EVENT_MENTIONS, EVENTS, QUARANTINE, Contract
from warehouse.lake import Lake, fsspec_filesystem

VIEWS_DIR = Path(__file__).parent / "views"
VIEWS = ("articles", "event_mentions", "visits", "events", "visit_counts", "quarantine")
RAW = (ARTICLES, EVENT_MENTIONS, QUARANTINE, EVENTS)
BUCKETED = {EVENTS.name: 1}  # events: one file per bucket of event groups (lake/events/bucket=NN/events.parquet)

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.date32(): "DATE",
    pa.int16(): "SMALLINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float32(): "FLOAT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.list_(pa.string()): "VARCHAR[]",
    pa.list_(pa.int64()): "BIGINT[]",
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


def duckdb_paths(lake: Lake, files: list[str]) -> list[str]:
    """The lake's files as DuckDB names them (object-store files with their ``s3://``)."""
    return [f if lake.is_local else f"s3://{f}" for f in files]


def sql_list(paths: list[str]) -> str:
    """Paths as a SQL list literal, for ``read_parquet``."""
    return "[" + ", ".join(_sql_literal(p) for p in paths) + "]"


def _raw_view_sql(lake: Lake, contract: Contract) -> str:
    """``raw_<dataset>`` over the dataset's files, or an empty typed relation while it has none."""
    partitioned = contract.partition_by is not None
    root = lake.path(contract.name)
    depth = 2 if partitioned else BUCKETED.get(contract.name, 0)  # folders between the dataset and its files
    if any(f.count("/") == root.count("/") + depth + 1 for f in lake.files(contract.name)):
        pattern = "/".join([root, *["*"] * depth, "*.parquet"])
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


CLUSTER_MEMORY_LIMIT = "256MB"  # DuckDB's own memory on the clustering connection; it spills to disk beyond


@contextmanager
def capped_connection(lake: Lake, memory_limit: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection that reads ``lake`` with at most ``memory_limit`` of its
    own memory, spilling to the temporary folder beyond (its default, 80 % of the machine, is
    what a run reading the whole lake must not take)."""
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute(f"set temp_directory = {_sql_literal(tempfile.gettempdir())}")
        _attach_object_store(con, lake.data_dir)
        yield con


@contextmanager
def lake_views(lake: Lake) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with every view of the lake (what clustering reads).

    DuckDB may use :data:`CLUSTER_MEMORY_LIMIT` (its default let comparing mentions with
    events take +600 MB at 1M articles)."""
    with capped_connection(lake, CLUSTER_MEMORY_LIMIT) as con:
        create_views(con, lake)
        yield con


# The clustering's group of a mention or event, and the years its period covers (the
# hive ``year`` of its date, 0 when undated); tasks/cluster.py computes the same in Python.
_GROUP = "event_type, event_mode, actor_country, recipient_country, " \
         "case when status = 'occurred' then 'occurred' else 'planned' end as status_class"
_FIRST_YEAR = "coalesce(year(case when date_precision = 'article' then event_date - 7 else event_date end), 0)"
_LAST_YEAR = "coalesce(year(case when date_precision = 'week' then event_date + 6 else event_date end), 0)"


def mention_changes(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """What the events do not reflect yet: per group and span of years, the current mentions
    in no event (``mentions`` = how many) and the events holding a mention that is gone
    (``mentions`` = 0). An empty table when the events are up to date."""
    return con.sql(f"""
        with
        current as (select mention_id, event_type, event_mode, actor_country, recipient_country, status,
                           event_date, date_precision from event_mentions),
        members as (select unnest(mention_ids) as mention_id, event_type, event_mode, actor_country,
                           recipient_country, status, event_date, period_start, period_end from raw_events),
        added as (select * from current anti join members using (mention_id)),
        removed as (select * from members anti join current using (mention_id))
        select {_GROUP}, {_FIRST_YEAR} as first_year, {_LAST_YEAR} as last_year, count(*) as mentions
        from added group by all
        union all
        select distinct {_GROUP}, coalesce(year(coalesce(period_start, event_date)), 0),
               coalesce(year(coalesce(period_end, event_date)), 0), 0
        from removed
    """).to_arrow_table()


def mention_census(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Every current mention, counted per group and span of years (a full re-cluster starts here)."""
    return con.sql(f"""
        select {_GROUP}, {_FIRST_YEAR} as first_year, {_LAST_YEAR} as last_year, count(*) as mentions
        from event_mentions group by all
    """).to_arrow_table()


def group_mentions(con: duckdb.DuckDBPyConnection, units: pa.Table) -> list[dict]:
    """Current mention rows of the given (group, year) units: ``units`` has the group columns
    of :func:`mention_changes` and ``year`` (the hive year of the event date, 0: undated).

    The rows of the ``event_mentions`` view, with the units' filter applied before its
    DISTINCT ON (a mention written twice is the same row twice, so this keeps the same rows)
    so that DuckDB reads only the years asked for."""
    years = ", ".join(str(y) for y in sorted(set(units["year"].to_pylist()))) or "null"
    con.register("units", units)
    try:
        return con.sql(f"""
            with
            candidates as (
                select * from raw_event_mentions m
                semi join units u
                    on m.event_type is not distinct from u.event_type
                    and m.event_mode is not distinct from u.event_mode
                    and m.actor_country is not distinct from u.actor_country
                    and m.recipient_country is not distinct from u.recipient_country
                    and (case when m.status = 'occurred' then 'occurred' else 'planned' end) = u.status_class
                    and m.year = u.year
                where m.year in ({years})
            ),
            current_versions as (select article_id, content_hash from articles)
            select distinct on (mention_id) candidates.* exclude (year, month)
            from candidates
            semi join current_versions
                on candidates.article_id = current_versions.article_id
                and candidates.content_hash = current_versions.content_hash
        """).to_arrow_table().to_pylist()
    finally:
        con.unregister("units")


warehouse_task = task(build_warehouse, name="warehouse")
