"""Publish a shard: validated tables -> hive-partitioned Parquet files in the lake.

Declared write semantics (per dataset, in the spirit of dlt's write dispositions):

| dataset          | disposition | key                          | partitioned by            |
|------------------|-------------|------------------------------|---------------------------|
| articles         | append      | article_id (latest version)  | reference (publication) date |
| event_mentions   | append      | mention_id                   | event date                |
| quarantine       | append      | source + raw_hash            | day quarantined           |
| _ledger          | append      | source_key + raw_hash        | -                         |
| events           | merge       | event_id (per event group)   | bucket of the event group |

File names derive from the shard's content, every file is written atomically, and the
ledger file is written last as the shard's commit point (see :mod:`warehouse.lake`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from prefect import task

from schemas import ARTICLES, EVENT_MENTIONS, LEDGER, QUARANTINE, to_table
from tasks.ingest import Rejected, digest
from warehouse.lake import Lake
from tasks.normalise import NormalisedShard


@dataclass(frozen=True)
class Published:
    shard_id: str | None
    articles: int
    duplicates: int
    mentions: int
    quarantined: int
    unchanged: int
    files: int


def shard_id_of(ledger_rows: list[dict[str, Any]]) -> str:
    """A shard's id: the hash of the inputs it consumed, so the same input gives the same files."""
    return digest("\n".join(sorted(f"{r['source_key']}\t{r['raw_hash']}" for r in ledger_rows)))[:20]


def quarantine_rows(rejected: list[Rejected], run_id: str, now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "source": r.source,
            "stage": r.stage,
            "reason": r.reason,
            "detail": r.detail,
            "raw_hash": r.raw_hash,
            "run_id": run_id,
            "quarantined_at": now,
            "quarantined_on": now.date(),
        }
        for r in rejected
    ]


def publish_shard(lake: Lake, shard: NormalisedShard, mentions: list[dict[str, Any]], run_id: str, now: dt.datetime) -> Published:
    """Write one shard's articles, mentions and quarantine rows, then commit its ledger rows."""
    if not shard.ledger:
        return Published(None, 0, 0, 0, 0, shard.unchanged, 0)
    shard_id = shard_id_of(shard.ledger)
    plan: dict[str, Any] = {}
    for contract, rows in (
        (ARTICLES, shard.articles),
        (EVENT_MENTIONS, mentions),
        (QUARANTINE, quarantine_rows(shard.rejected, run_id, now)),
    ):
        plan.update(lake.plan_partitioned(contract, to_table(contract, rows), shard_id))
    ledger = to_table(LEDGER, shard.ledger)
    lake.begin(shard_id, sorted(plan))
    for path in sorted(plan):
        lake.write_parquet(path, plan[path])
    lake.commit(shard_id, ledger)
    duplicates = sum(1 for a in shard.articles if a["duplicate_of"])
    return Published(
        shard_id=shard_id,
        articles=len(shard.articles) - duplicates,
        duplicates=duplicates,
        mentions=len(mentions),
        quarantined=len(shard.rejected),
        unchanged=shard.unchanged,
        files=len(plan) + 1,
    )


publish_task = task(publish_shard, name="publish")
