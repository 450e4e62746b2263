"""Look MinHash band keys up among the articles the lake already holds.

Each article row stores its MinHash in the ``minhash`` column (hex, 8 digits per value;
see :mod:`tasks.normalise.near_duplicates`) and, since version 4 of the articles schema,
the 64-bit hash of each of its LSH bands in ``minhash_bands`` (:func:`band_hash`; the
number of values per band in ``minhash_band_rows``). DuckDB
joins the shard's band hashes with that small column while streaming over the Parquet
files, then reads the MinHash of the matching rows from the files that hold them: memory
and time depend on the shard and the matches, not on the 1 KB MinHash of every stored
article. Rows written before those columns existed, or cut into other bands (another
``near_duplicate_threshold``), are probed by slicing their ``minhash`` instead (slower:
every such row's MinHash is read).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyarrow as pa

from warehouse.build import capped_connection, duckdb_paths, sql_list
from warehouse.lake import Lake

MAX_PER_KEY = 20  # stored articles returned per band key (the first by article id): bounds a shard's matches
MEMORY_LIMIT = "512MB"  # DuckDB spills to disk beyond this
BAND_JOIN_MEMORY_LIMIT = "128MB"  # the same while it joins the band hashes: the default cap grew that step's spike with the lake


def band_hash(band: int, key: str) -> int:
    """A band key (its number and its slice of the hex MinHash) as the signed 64-bit integer
    stored in ``minhash_bands``."""
    digest = hashlib.blake2b(f"{band}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class Candidates:
    """What the lake holds for a shard's band keys: which stored article shares which key, and
    the MinHash of each such article once (an article matching in several bands is one
    fingerprint, not one 1 KB string per band)."""

    hits: pa.Table  # filename, article_id, band, key: at most MAX_PER_KEY rows per key
    prints: pa.Table  # filename, article_id, duplicate_of, minhash: one row per stored article version


def lake_candidates(lake: Lake, keys: list[tuple[int, str]], bands: int, rows: int, num_perm: int) -> Candidates | None:
    """Stored articles whose MinHash (of ``num_perm`` values) shares a band with ``keys``, or
    None when nothing matches. Rows without a MinHash, or with another number of permutations,
    are not compared.
    """
    files = lake.files("articles")
    if not keys or not files:
        return None
    wanted = pa.table({
        "band": pa.array([b for b, _ in keys], pa.int64()),
        "key": pa.array([k for _, k in keys], pa.string()),
        "hash": pa.array([band_hash(b, k) for b, k in keys], pa.int64()),
    })
    with capped_connection(lake, MEMORY_LIMIT) as con:
        con.execute("set preserve_insertion_order = false")
        con.execute("set threads = 1")  # one stream over the files: two need more than MEMORY_LIMIT on older rows' 1 KB strings
        con.execute(f"create view stored as select * from read_parquet({sql_list(duckdb_paths(lake, files))}, union_by_name = true, filename = true)")
        columns = {name for (name,) in con.execute("select column_name from (describe stored)").fetchall()}
        if "minhash" not in columns:
            return None
        con.register("wanted", wanted)
        found = []
        unhashed = "true"  # the rows whose bands are not stored as these bands' hashes
        if {"minhash_bands", "minhash_band_rows"} <= columns:
            hashed = f"minhash_band_rows = {rows} and len(minhash_bands) = {bands}"
            con.execute(f"set memory_limit = '{BAND_JOIN_MEMORY_LIMIT}'")
            found.append(con.sql(f"""
                select s.filename, s.article_id, w.band, w.key from (
                    select filename, article_id, unnest(minhash_bands) as hash, generate_subscripts(minhash_bands, 1) - 1 as band
                    from stored where {hashed}
                ) s join wanted w on s.band = w.band and s.hash = w.hash
            """).to_arrow_table())
            con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
            # written before the columns, or for another threshold (an empty list: no fingerprint)
            unhashed = f"(minhash_bands is null or (len(minhash_bands) > 0 and not ({hashed})))"
        if con.sql(f"select count(*) from stored where {unhashed}").fetchall()[0][0]:
            found.append(_sliced_matches(con, bands, rows, num_perm, unhashed))
        if not found:
            return None
        con.register("found", pa.concat_tables(found))
        hits = con.sql(f"""
            select * from found
            qualify row_number() over (partition by band, key order by article_id) <= {MAX_PER_KEY}
        """).to_arrow_table()
        if not hits.num_rows:
            return None
        con.register("hits", hits)
        holding = sorted(set(hits["filename"].to_pylist()))  # the MinHash is read from these files only
        prints = con.sql(f"""
            select f.filename, f.article_id, f.duplicate_of, f.minhash
            from read_parquet({sql_list(holding)}, union_by_name = true, filename = true) f
            semi join hits on f.filename = hits.filename and f.article_id = hits.article_id
            where length(f.minhash) = {8 * num_perm}
        """).to_arrow_table()
        return Candidates(hits, prints)


def _sliced_matches(con, bands: int, rows: int, num_perm: int, where: str) -> pa.Table:
    """``filename, article_id, band, key`` of the rows ``where`` selects that share a band
    with ``wanted``, found by slicing their hex MinHash.

    Each band's slice of every such row is probed against that band's keys while scanning (a
    hash set per band, nothing else kept); only the few matches are then cut into bands,
    carrying a row number rather than their 1 KB MinHash (cutting every stored row held them
    all in memory: +600 MB at 100k)."""
    width = 8 * rows
    probes = " or ".join(f"substr(minhash, {1 + b * width}, {width}) in (select key from wanted where band = {b})"
                         for b in range(bands))
    matched = con.sql(f"""
        select filename, article_id, minhash from stored
        where {where} and minhash is not null and length(minhash) = {8 * num_perm} and ({probes})
    """).to_arrow_table()
    con.register("matched", matched.append_column("rid", pa.array(range(matched.num_rows), pa.int64())))
    return con.sql(f"""
        with banded as (
            select rid, b.band, substr(minhash, 1 + cast(b.band as integer) * {width}, {width}) as key
            from matched, range({bands}) b(band)
        )
        select m.filename, m.article_id, banded.band, banded.key
        from banded join wanted on banded.band = wanted.band and banded.key = wanted.key  -- keys are distinct
        join matched m on banded.rid = m.rid
    """).to_arrow_table()
