"""Normalise raw records into articles: layout, metadata, typography, language, hashes.

Each record ends as exactly one of: a new article version, a known duplicate (same text
as an article already seen, or nearly the same text: see :mod:`near_duplicates`; kept as
an article row with ``duplicate_of`` set, no events extracted), unchanged (already in the
lake: skipped), or a quarantine row.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from prefect import task

from newsevents.config import Settings

from tasks.ingest import RawRecord, Rejected, digest
from warehouse.ledger import LedgerIndex
from tasks.normalise import language, layouts
from tasks.normalise.near_duplicates import NearDuplicateFinder



@dataclass
class NormalisedShard:
    articles: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0


def parse_published(value: Any) -> dt.datetime | None:
    """A JSONL ``published`` value (ISO date or datetime) as an aware datetime; naive means UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def article_identity(record: RawRecord) -> str:
    """What makes two versions the same article: its URL, else where it was read from."""
    url = record.fields.get("url")
    return f"url:{url.strip()}" if isinstance(url, str) and url.strip() else f"src:{record.source_key}"


def normalise_records(
    records: list[RawRecord], rejected: list[Rejected], ledger: LedgerIndex, run_id: str, now: dt.datetime,
    near_duplicates: NearDuplicateFinder | None = None,
) -> NormalisedShard:
    """Turn a shard's raw records into article rows, quarantine rows and ledger rows.

    ``ledger`` is updated in place, so later shards of the same run see this one.
    ``near_duplicates`` searches the lake too; without it, only this shard is searched
    with the default settings.
    """
    out = NormalisedShard()
    for bad in rejected:
        if bad.raw_hash and ledger.seen_input(bad.source, bad.raw_hash):
            out.unchanged += 1
            continue
        out.rejected.append(bad)
        if bad.raw_hash:
            out.ledger.append(_ledger_row(bad.source, bad.raw_hash, "quarantined", None, None, run_id, now))
    for record in records:
        if ledger.seen_input(record.source_key, record.raw_hash):
            out.unchanged += 1
            continue
        fields = record.fields
        title = fields.get("title") if isinstance(fields.get("title"), str) and fields["title"].strip() else None
        parsed = layouts.parse(record.text, title and title.strip(), first_line_is_title=not fields)
        if parsed is None:
            out.rejected.append(Rejected(record.source_key, "normalise", "no_body", "no article body after the title and metadata", record.raw_hash))
            out.ledger.append(_ledger_row(record.source_key, record.raw_hash, "quarantined", None, None, run_id, now))
            continue
        published = parse_published(fields.get("published")) or parsed.published_at
        stamp = published or parsed.updated_at
        content_hash = digest(parsed.body)
        article_id = digest(article_identity(record))[:16]
        if ledger.has_version(article_id, content_hash):
            out.unchanged += 1
            out.ledger.append(_ledger_row(record.source_key, record.raw_hash, "article", article_id, content_hash, run_id, now))
            continue
        first = ledger.first_with(content_hash)
        duplicate_of = first if first and first != article_id else None
        out.articles.append(
            {
                "article_id": article_id,
                "doc_id": record.doc_id,
                "content_hash": content_hash,
                "source_key": record.source_key,
                "layout": parsed.layout,
                "title": parsed.title,
                "standfirst": parsed.standfirst,
                "publisher": parsed.publisher or (fields.get("source") if isinstance(fields.get("source"), str) else None),
                "desk": parsed.desk,
                "authors": parsed.authors or [a for a in fields.get("authors") or [] if isinstance(a, str)],
                "published_at": published,
                "updated_at": parsed.updated_at or parse_published(fields.get("updated")),
                "timezone": parsed.timezone,
                "reference_date": stamp.date() if stamp else None,
                "language": language.detect(parsed.body) or fields.get("language"),
                "url": fields.get("url") if isinstance(fields.get("url"), str) else None,
                "source": fields.get("source") if isinstance(fields.get("source"), str) else parsed.publisher,
                "body": parsed.body,
                "word_count": len(parsed.body.split()),
                "duplicate_of": duplicate_of,
                "run_id": run_id,
                "ingested_at": now,
                "encoding": record.encoding,
            }
        )
        outcome = "duplicate" if duplicate_of else "article"
        row = _ledger_row(record.source_key, record.raw_hash, outcome, article_id, content_hash, run_id, now)
        out.ledger.append(row)
        ledger.add_rows([row])
    _link_near_duplicates(out, ledger, near_duplicates)
    for bad in out.rejected:
        if bad.raw_hash:
            ledger.add_input(bad.source, bad.raw_hash)
    return out


def _link_near_duplicates(out: NormalisedShard, ledger: LedgerIndex, finder: NearDuplicateFinder | None) -> None:
    """Mark the shard's near-duplicates (articles and ledger rows) as known duplicates."""
    if finder is None:
        settings = Settings.from_env()
        finder = NearDuplicateFinder(settings.near_duplicate_threshold, settings.minhash_permutations)
    linked = finder.link(out.articles)
    if not linked:
        return
    rows = {(r["article_id"], r["content_hash"]): r for r in out.ledger if r["outcome"] == "article"}
    for article in linked:
        key = (article["article_id"], article["content_hash"])
        if key in rows:
            rows[key]["outcome"] = "duplicate"
        if ledger.first_with(article["content_hash"]) == article["article_id"]:
            ledger.set_first(article["content_hash"], article["duplicate_of"])


def _ledger_row(source_key, raw_hash, outcome, article_id, content_hash, run_id, now) -> dict[str, Any]:
    return {
        "source_key": source_key,
        "raw_hash": raw_hash,
        "outcome": outcome,
        "article_id": article_id,
        "content_hash": content_hash,
        "run_id": run_id,
        "recorded_at": now,
    }


normalise_task = task(normalise_records, name="normalise")
