"""Maintenance: merge the small files of each partition into one and drop superseded
article versions (with their mentions), without changing what the views show.

Each rewrite is journalled (the merged file, the files it replaces) before it starts; the
merged file appears atomically and only then are the old ones deleted, so a rewrite cut
short is either invisible or finished by :meth:`warehouse.lake.Lake.recover`.
"""
from __future__ import annotations

from collections import defaultdict

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from schemas import ARTICLES, EVENT_MENTIONS, QUARANTINE
from tasks.ingest import digest
from warehouse.lake import Lake

VERSIONED = (ARTICLES, EVENT_MENTIONS)  # rows keyed by (article_id, content_hash)


def current_versions(lake: Lake) -> set[str]:
    """``article_id|content_hash`` of the latest version of every article, by the rule of
    ``warehouse/views/articles.sql`` (latest ``ingested_at``, then the smaller hash)."""
    versions = lake.read(ARTICLES.name, columns=["article_id", "content_hash", "ingested_at"])
    if versions is None:
        return set()
    latest = duckdb.sql(
        "select article_id || '|' || content_hash from versions "
        "qualify row_number() over (partition by article_id order by ingested_at desc, content_hash) = 1"
    ).fetchall()
    return {key for (key,) in latest}


def _keep_current(table: pa.Table, current: set[str]) -> pa.Table:
    keys = pc.binary_join_element_wise(table["article_id"], table["content_hash"], "|")
    return table.filter(pc.is_in(keys, value_set=pa.array(sorted(current), pa.string())))


def compact(lake: Lake) -> dict[str, int]:
    """Rewrite every partition that has several files or superseded rows; return counts."""
    current = current_versions(lake)
    rewritten = replaced = dropped = 0
    for contract in (*VERSIONED, QUARANTINE):
        by_partition: dict[str, list[str]] = defaultdict(list)
        for path in lake.files(contract.name):
            by_partition[path.rsplit("/", 1)[0]].append(path)
        for folder, files in sorted(by_partition.items()):
            if len(files) < 2 and contract not in VERSIONED:
                continue  # one file and nothing that can be superseded
            table = lake.read_files(files)
            kept = _keep_current(table, current) if contract in VERSIONED else table
            if len(files) < 2 and kept.num_rows == table.num_rows:
                continue
            rewrite_id = "c" + digest("\n".join(files))[:19]
            target = f"{folder}/part-{rewrite_id}.parquet" if kept.num_rows else None
            lake.begin_compaction(rewrite_id, target, files)
            if target:
                lake.write_parquet(target, kept)
            for path in files:
                lake.delete(path)
            lake.end(rewrite_id)
            rewritten += 1
            replaced += len(files)
            dropped += table.num_rows - kept.num_rows
    return {"partitions_rewritten": rewritten, "files_replaced": replaced, "superseded_rows_dropped": dropped}

