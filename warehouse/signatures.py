"""Look MinHash band keys up among the articles the lake already holds.

Each article row stores its MinHash in the ``minhash`` column (hex, 8 digits per value;
see :mod:`tasks.normalise.near_duplicates`). A band key is a slice of that string, so
DuckDB probes each band's slice of every stored row against the shard's keys of that band
while streaming over the Parquet files: only the ``article_id, duplicate_of, minhash``
columns are read and only the matches are kept, so memory depends on the shard, not on the lake.
"""
from __future__ import annotations

from typing import Any

import tempfile

import duckdb
import pyarrow as pa

from schemas import ARTICLES
from warehouse.build import _raw_view_sql, _sql_literal
from warehouse.lake import Lake, fsspec_filesystem

MAX_PER_KEY = 20  # stored articles returned per band key (the first by article id): bounds a shard's matches
MEMORY_LIMIT = "512MB"  # DuckDB spills to disk beyond this


def lake_candidates(lake: Lake, keys: list[tuple[int, str]], bands: int, rows: int, num_perm: int) -> list[dict[str, Any]]:
    """Stored articles whose MinHash (of ``num_perm`` values) shares a band with ``keys``.

    Returns rows ``article_id, duplicate_of, minhash, band, key`` (an article stored in
    several versions may come once per version); at most :data:`MAX_PER_KEY` per key.
    Rows written before the column existed, or with another number of permutations, are
    not compared.
    """
    if not keys or not lake.files("articles"):
        return []
    wanted = pa.table({"band": pa.array([k[0] for k in keys], pa.int64()), "key": pa.array([k[1] for k in keys], pa.string())})
    width = 8 * rows
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        con.execute("set preserve_insertion_order = false")
        con.execute("set threads = 1")  # one stream over the files: two need more than MEMORY_LIMIT on 1 KB strings
        con.execute(f"set temp_directory = {_sql_literal(tempfile.gettempdir())}")
        if not lake.is_local:
            con.register_filesystem(fsspec_filesystem(lake.data_dir))
        con.execute(_raw_view_sql(lake, ARTICLES))  # raw_articles only: the other views list their files too
        columns = {name for (name,) in con.execute("select column_name from (describe raw_articles)").fetchall()}
        if "minhash" not in columns:
            return []
        con.register("wanted", wanted)
        # each band's slice is first probed against that band's keys while scanning (a hash set
        # per band, nothing else kept), so only the few matching rows are cut into bands and
        # ranked: cutting every stored row (unnest) held them all in memory (+600 MB at 100k)
        probes = " or ".join(f"substr(minhash, {1 + b * width}, {width}) in (select key from wanted where band = {b})"
                             for b in range(bands))
        result = con.sql(
            f"""
            with stored as (
                select article_id, duplicate_of, minhash
                from raw_articles
                where minhash is not null and length(minhash) = {8 * num_perm} and ({probes})
            ),
            banded as (
                select article_id, duplicate_of, minhash, unnest(range({bands})) as band from stored
            ),
            keyed as (
                select *, substr(minhash, 1 + cast(band as integer) * {width}, {width}) as key from banded
            )
            select keyed.article_id, keyed.duplicate_of, keyed.minhash, keyed.band, keyed.key
            from keyed semi join wanted on keyed.band = wanted.band and keyed.key = wanted.key
            qualify row_number() over (partition by keyed.band, keyed.key order by keyed.article_id) <= {MAX_PER_KEY}
            """
        ).to_arrow_table()
    return result.to_pylist()
