"""What was fetched from each URL: its validators (ETag, Last-Modified) and its body, kept in
the lake under ``lake/_fetch/`` so that the next run asks only for what changed (a
conditional request) and, on "304 Not Modified", reads the body it already has.

Each ingest shard that fetched something writes one file; the newest row of a URL wins.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.lake import Lake

DATASET = "_fetch"
SCHEMA = pa.schema(
    [
        pa.field("url", pa.string(), nullable=False),
        pa.field("etag", pa.string()),
        pa.field("last_modified", pa.string()),
        pa.field("content_type", pa.string()),
        pa.field("body", pa.binary()),
        pa.field("fetched_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)


@dataclass
class FetchState:
    lake: Lake | None
    known: dict[str, tuple[str | None, str | None, str]] = field(default_factory=dict)  # url -> etag, last_modified, file
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, lake: Lake | None) -> "FetchState":
        """The validators of every URL fetched before (bodies are read only when needed)."""
        state = cls(lake)
        if lake is None:
            return state
        newest: dict[str, dt.datetime] = {}
        for path in lake.files(DATASET):
            table = pq.read_table(path, filesystem=lake.fs, columns=["url", "etag", "last_modified", "fetched_at"])
            for row in table.to_pylist():
                if row["url"] not in newest or row["fetched_at"] >= newest[row["url"]]:
                    newest[row["url"]] = row["fetched_at"]
                    state.known[row["url"]] = (row["etag"], row["last_modified"], path)
        return state

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified of the URL's last fetch (None, None when never fetched)."""
        etag, modified, _ = self.known.get(url, (None, None, ""))
        return etag, modified

    def body(self, url: str) -> tuple[bytes, str | None] | None:
        """The body and content type last fetched from ``url``."""
        if url in self.pending:
            return self.pending[url]["body"], self.pending[url]["content_type"]
        if self.lake is None or url not in self.known:
            return None
        table = pq.read_table(self.known[url][2], filesystem=self.lake.fs, filters=[("url", "=", url)])
        rows = sorted(table.to_pylist(), key=lambda r: r["fetched_at"])
        return (rows[-1]["body"], rows[-1]["content_type"]) if rows else None

    def remember(self, url: str, etag: str | None, last_modified: str | None, content_type: str | None, body: bytes) -> None:
        """Keep a response that has validators (written by :meth:`save`)."""
        if etag or last_modified:
            self.pending[url] = {"url": url, "etag": etag, "last_modified": last_modified, "content_type": content_type,
                                 "body": body, "fetched_at": dt.datetime.now(dt.UTC)}

    def save(self) -> str | None:
        """Write the responses remembered since the last save as one file; return its path."""
        if self.lake is None or not self.pending:
            return None
        from tasks.ingest.records import digest

        rows = sorted(self.pending.values(), key=lambda r: r["url"])
        path = self.lake.path(DATASET, f"part-{digest(''.join(r['url'] + (r['etag'] or '') + (r['last_modified'] or '') for r in rows))}.parquet")
        self.lake.write_parquet(path, pa.Table.from_pylist(rows, schema=SCHEMA))
        for row in rows:
            self.known[row["url"]] = (row["etag"], row["last_modified"], path)
        self.pending.clear()
        return path
