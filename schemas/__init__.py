"""Data contracts of the lake: one versioned pyarrow schema per dataset.

Every Parquet file the pipeline writes is built against these schemas (see
:func:`to_table`), and nothing else defines a column. A schema's version is stored in
each file's metadata; adding a column bumps the version, and the warehouse views read
old and new files together (``union_by_name``), so old partitions stay readable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Contract:
    """A dataset's name, schema, version and partitioning."""

    name: str
    version: int
    schema: pa.Schema
    partition_by: str | None  # column of type date used for year=/month= folders
    description: str

    def with_metadata(self) -> pa.Schema:
        return self.schema.with_metadata(
            {b"newsevents.dataset": self.name.encode(), b"newsevents.schema_version": str(self.version).encode()}
        )


ARTICLES = Contract(
    name="articles",
    version=4,  # 2: encoding; 3: minhash; 4: minhash_bands, minhash_band_rows
    partition_by="reference_date",
    description="One row per ingested article version (a changed article adds a new version).",
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("content_hash", pa.string(), nullable=False),
            pa.field("source_key", pa.string(), nullable=False),
            pa.field("layout", pa.string(), nullable=False),
            pa.field("title", pa.string()),
            pa.field("standfirst", pa.string()),
            pa.field("publisher", pa.string()),
            pa.field("desk", pa.string()),
            pa.field("authors", pa.list_(pa.string())),
            pa.field("published_at", TS),
            pa.field("updated_at", TS),
            pa.field("timezone", pa.string()),
            pa.field("reference_date", pa.date32()),
            pa.field("language", pa.string()),
            pa.field("url", pa.string()),
            pa.field("source", pa.string()),
            pa.field("body", pa.string(), nullable=False),
            pa.field("word_count", pa.int32(), nullable=False),
            pa.field("duplicate_of", pa.string()),
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("ingested_at", TS, nullable=False),
            pa.field("encoding", pa.string()),  # text encoding of the input (tasks/ingest/encodings.py); null: JSON Lines
            pa.field("minhash", pa.string()),  # near-duplicate fingerprint (tasks/normalise/near_duplicates.py)
            pa.field("minhash_bands", pa.list_(pa.int64())),  # its LSH band hashes (warehouse/signatures.py); empty: no fingerprint
            pa.field("minhash_band_rows", pa.int16()),  # MinHash values per band of minhash_bands
        ]
    ),
)

EVENT_MENTIONS = Contract(
    name="event_mentions",
    version=1,
    partition_by="event_date",
    description="One row per event mentioned in one article version.",
    schema=pa.schema(
        [
            pa.field("mention_id", pa.string(), nullable=False),
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("content_hash", pa.string(), nullable=False),
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("event_type", pa.string(), nullable=False),
            pa.field("event_mode", pa.string()),
            pa.field("cameo_code", pa.string()),
            pa.field("actor_country", pa.string()),
            pa.field("actor_name", pa.string()),
            pa.field("recipient_country", pa.string()),
            pa.field("recipient_name", pa.string()),
            pa.field("location_country", pa.string()),
            pa.field("event_date", pa.date32()),
            pa.field("date_precision", pa.string(), nullable=False),
            pa.field("date_expression", pa.string()),
            pa.field("status", pa.string(), nullable=False),
            pa.field("explicit", pa.bool_(), nullable=False),
            pa.field("sentence", pa.string(), nullable=False),
            pa.field("confidence", pa.float64(), nullable=False),
            pa.field("extractor_version", pa.string(), nullable=False),
            pa.field("source", pa.string()),
            pa.field("reference_date", pa.date32()),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
)

QUARANTINE = Contract(
    name="quarantine",
    version=1,
    partition_by="quarantined_on",
    description="One row per input that could not become an article, with the reason.",
    schema=pa.schema(
        [
            pa.field("source", pa.string(), nullable=False),
            pa.field("stage", pa.string(), nullable=False),
            pa.field("reason", pa.string(), nullable=False),
            pa.field("detail", pa.string()),
            pa.field("raw_hash", pa.string()),
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("quarantined_at", TS, nullable=False),
            pa.field("quarantined_on", pa.date32(), nullable=False),
        ]
    ),
)

LEDGER = Contract(
    name="_ledger",
    version=1,
    partition_by=None,
    description="What has been ingested: one row per input unit and its outcome.",
    schema=pa.schema(
        [
            pa.field("source_key", pa.string(), nullable=False),
            pa.field("raw_hash", pa.string(), nullable=False),
            pa.field("outcome", pa.string(), nullable=False),  # article | duplicate | quarantined
            pa.field("article_id", pa.string()),
            pa.field("content_hash", pa.string()),
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("recorded_at", TS, nullable=False),
        ]
    ),
)

EVENTS = Contract(
    name="events",
    version=2,  # 2: period_start, period_end; one file per bucket of event groups
    partition_by=None,
    description="Event mentions clustered across articles: one row per real-world event.",
    schema=pa.schema(
        [
            pa.field("event_id", pa.string(), nullable=False),
            pa.field("event_type", pa.string(), nullable=False),
            pa.field("event_mode", pa.string()),
            pa.field("cameo_code", pa.string()),
            pa.field("actor_country", pa.string()),
            pa.field("recipient_country", pa.string()),
            pa.field("event_date", pa.date32()),
            pa.field("date_precision", pa.string(), nullable=False),
            pa.field("status", pa.string(), nullable=False),
            pa.field("mentions", pa.int32(), nullable=False),
            pa.field("articles", pa.int32(), nullable=False),
            pa.field("sources", pa.int32(), nullable=False),
            pa.field("first_reported", pa.date32()),
            pa.field("last_reported", pa.date32()),
            pa.field("actor_names", pa.list_(pa.string())),
            pa.field("evidence", pa.string()),
            pa.field("confidence", pa.float64(), nullable=False),
            pa.field("mention_ids", pa.list_(pa.string()), nullable=False),
            pa.field("period_start", pa.date32()),  # the days its dated mentions cover (null: dated by year only, or undated)
            pa.field("period_end", pa.date32()),
        ]
    ),
)

CONTRACTS: dict[str, Contract] = {c.name: c for c in (ARTICLES, EVENT_MENTIONS, QUARANTINE, LEDGER, EVENTS)}


class SchemaError(ValueError):
    """Rows do not fit a dataset's contract."""


def to_table(contract: Contract, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Build a table of ``rows`` that satisfies ``contract`` or raise :class:`SchemaError`.

    Unknown keys are an error (a column must be declared here first); missing nullable
    columns become nulls; a missing value in a non-nullable column is an error.
    """
    rows = list(rows)
    names = set(contract.schema.names)
    for i, row in enumerate(rows):
        extra = set(row) - names
        if extra:
            raise SchemaError(f"{contract.name}: row {i} has undeclared columns {sorted(extra)}; declare them in schemas/")
    try:
        table = pa.Table.from_pylist(rows, schema=contract.schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise SchemaError(f"{contract.name}: rows do not match schema v{contract.version}: {exc}") from exc
    validate(contract, table)
    return table.replace_schema_metadata(contract.with_metadata().metadata)


def validate(contract: Contract, table: pa.Table) -> None:
    """Raise :class:`SchemaError` unless ``table`` has the contract's columns, types and non-null columns."""
    expected = contract.schema
    if table.schema.remove_metadata() != expected.remove_metadata():
        got = {f.name: str(f.type) for f in table.schema}
        want = {f.name: str(f.type) for f in expected}
        diff = sorted(set(got.items()) ^ set(want.items()))
        raise SchemaError(f"{contract.name}: schema differs from v{contract.version}: {diff}")
    for field in expected:
        if not field.nullable and table.column(field.name).null_count:
            raise SchemaError(f"{contract.name}: column {field.name!r} must not contain nulls")
