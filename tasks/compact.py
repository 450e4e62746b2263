"""Maintenance: merge the small files of each partition into one, without changing any query result.

Each merge is journalled (new file, files it replaces) before it starts; the merged file
appears atomically and only then are the old ones deleted, so a merge cut short is either
not visible at all or finished by :meth:`tasks.lake.Lake.recover`.
"""
from __future__ import annotations

from collections import defaultdict

from prefect import task

from schemas import ARTICLES, EVENT_MENTIONS, QUARANTINE
from tasks.ingest import digest
from tasks.lake import Lake

COMPACTED = (ARTICLES, EVENT_MENTIONS, QUARANTINE)


def compact(lake: Lake) -> dict[str, int]:
    """Merge every partition of the partitioned datasets that has more than one file; return counts."""
    merged = removed = 0
    for contract in COMPACTED:
        by_partition: dict[str, list[str]] = defaultdict(list)
        for path in lake.files(contract.name):
            by_partition[path.rsplit("/", 1)[0]].append(path)
        for folder, files in sorted(by_partition.items()):
            if len(files) < 2:
                continue
            compaction_id = "c" + digest("\n".join(files))[:19]
            target = f"{folder}/part-{compaction_id}.parquet"
            table = lake.read_files(files)
            lake.begin_compaction(compaction_id, target, files)
            lake.write_parquet(target, table)
            for path in files:
                lake.delete(path)
            lake.end(compaction_id)
            merged += 1
            removed += len(files)
    return {"partitions_merged": merged, "files_replaced": removed}


compact_task = task(compact, name="compact")
