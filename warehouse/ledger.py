"""The ledger: what has been ingested, so re-runs add nothing and only new input is processed.

Each committed shard writes ``lake/_ledger/part-<shard>.parquet`` with one row per input
unit (a file, or a JSONL line) and its outcome: ``article`` (a new article version),
``duplicate`` (same text as an article already in the lake) or ``quarantined``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from warehouse.lake import Lake


@dataclass
class LedgerIndex:
    """In-memory lookups over the ledger, updated as a run goes."""

    seen_inputs: set[tuple[str, str]] = field(default_factory=set)  # (source_key, raw_hash)
    versions: set[tuple[str, str]] = field(default_factory=set)  # (article_id, content_hash)
    by_content: dict[str, str] = field(default_factory=dict)  # content_hash -> first article_id

    @classmethod
    def load(cls, lake: Lake) -> "LedgerIndex":
        index = cls()
        table = lake.read("_ledger", columns=["source_key", "raw_hash", "outcome", "article_id", "content_hash"])
        if table is not None:
            index.add_rows(table.to_pylist())
        return index

    def add_rows(self, rows: list[dict]) -> None:
        for row in rows:
            self.seen_inputs.add((row["source_key"], row["raw_hash"]))
            if row["outcome"] in ("article", "duplicate") and row["article_id"]:
                self.versions.add((row["article_id"], row["content_hash"]))
            if row["outcome"] == "article" and row["content_hash"]:
                self.by_content.setdefault(row["content_hash"], row["article_id"])
