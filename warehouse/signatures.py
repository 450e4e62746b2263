"""Look MinHash band keys up among the articles the lake already holds.

Each article row stores its MinHash in the ``minhash`` column (hex, 8 digits per value;
see :mod:`tasks.normalise.near_duplicates`). A band key is a slice of that string, so
DuckDB probes each band's slice of every stored row against the shard's keys of that band
while streaming over the Parquet files: only the ``article_id, duplicate_of, minhash``
columns are read and only the matches are kept, so memory depends on the shard, not on the lake.
"""
from __future__ import annotations

import pyarrow as pa

from schemas import ARTICLES
from warehouse.build import _raw_view_sql, capped_connection
from warehouse.lake import Lake

MAX_PER_KEY = 20  # stored articles returned per band key (the first by article id): bounds a shard's matches
MEMORY_LIMIT = "512MB"  # DuckDB spills to disk beyond this


def lake_candidates(lake: Lake, keys: list[tuple[int, str]], bands: int, rows: int, num_perm: int) -> pa.Table | None:
    """Stored articles whose MinHash (of ``num_perm`` values) shares a band with ``keys``.

    Returns a table of ``article_id, duplicate_of, minhash, band, key`` (an article stored
    in several versions may come once per version), at most :data:`MAX_PER_KEY` rows per
    key, or None when the lake has nothing to compare. Rows written before the column
    existed, or with another number of permutations, are not compared.
    """
    if not keys or not lake.files("articles"):
        return None
    wanted = pa.table({"band": pa.array([k[0] for k in keys], pa.int64()), "key": pa.array([k[1] for k in keys], pa.string())})
    width = 8 * rows
    with capped_connection(lake, MEMORY_LIMIT) as con:
        con.execute("set preserve_insertion_order = false")
        con.execute("set threads = 1")  # one stream over the files: two need more than MEMORY_LIMIT on 1 KB strings
        con.execute(_raw_view_sql(lake, ARTICLES))  # raw_articles only: the other views list their files too
        columns = {name for (name,) in con.execute("select column_name from (describe raw_articles)").fetchall()}
        if "minhash" not in columns:
            return None
        con.register("wanted", wanted)
        # first each band's slice of every stored row is probed against that band's keys while
        # scanning (a hash set per band, nothing else kept): few rows match. Only those are then
        # cut into bands and ranked, carrying a row number rather than their 1 KB MinHash, which
        # is joined back to the hits last (cutting every stored row held them all in memory:
        # +600 MB at 100k; cutting the matches with their MinHash, +400 MB at 500k)
        probes = " or ".join(f"substr(minhash, {1 + b * width}, {width}) in (select key from wanted where band = {b})"
                             for b in range(bands))
        matched = con.sql(f"""
            select article_id, duplicate_of, minhash from raw_articles
            where minhash is not null and length(minhash) = {8 * num_perm} and ({probes})
        """).to_arrow_table()
        con.register("matched", matched.append_column("rid", pa.array(range(matched.num_rows), pa.int64())))
        result = con.sql(
            f"""
            with banded as (
                select rid, article_id, b.band, substr(minhash, 1 + cast(b.band as integer) * {width}, {width}) as key
                from matched, range({bands}) b(band)
            ),
            hits as (
                select banded.* from banded semi join wanted on banded.band = wanted.band and banded.key = wanted.key
                qualify row_number() over (partition by banded.band, banded.key order by banded.article_id) <= {MAX_PER_KEY}
            )
            select hits.article_id, m.duplicate_of, m.minhash, hits.band, hits.key
            from hits join matched m on hits.rid = m.rid
            """
        ).to_arrow_table()
    return result
