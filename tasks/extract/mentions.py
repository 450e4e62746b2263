"""The extract stage: articles -> event mention rows (the ``event_mentions`` contract)."""
from __future__ import annotations

from typing import Any

from newsevents.config import Settings
from tasks.extract.visits import extract_visits, extractor_version
from tasks.ingest import digest

VISIT = {"event_type": "CONSULT", "event_mode": "visit", "cameo_code": "042"}


def extract_mentions(articles: list[dict[str, Any]], run_id: str, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Event mentions of every article that is not a known duplicate."""
    settings = settings or Settings.from_env()
    version = extractor_version(settings.visit_model)
    rows: list[dict[str, Any]] = []
    for article in articles:
        if article["duplicate_of"]:
            continue
        found = extract_visits(
            article["body"], article["reference_date"], title=article["title"],
            min_confidence=settings.min_confidence, model_path=settings.visit_model,
        )
        for v in found:
            key = f"{article['article_id']}|{article['content_hash']}|{v.visitor}|{v.host}|{v.status}|{v.when}|{v.precision}"
            rows.append(
                {
                    "mention_id": digest(key)[:20],
                    "article_id": article["article_id"],
                    "content_hash": article["content_hash"],
                    "doc_id": article["doc_id"],
                    **VISIT,
                    "actor_country": v.visitor,
                    "actor_name": v.visitor_name,
                    "recipient_country": v.host,
                    "recipient_name": v.host_name,
                    "location_country": v.host,
                    "event_date": v.when,
                    "date_precision": v.precision,
                    "date_expression": v.date_expression,
                    "status": v.status,
                    "explicit": v.explicit,
                    "sentence": v.sentence,
                    "confidence": v.confidence,
                    "extractor_version": version,
                    "source": article["source"],
                    "reference_date": article["reference_date"],
                    "run_id": run_id,
                }
            )
    return rows
