"""Events, not mentions: cluster event mentions across articles into real-world events.

Mentions belong to one event when they agree on event type and mode, actor and
recipient country and status class (``occurred`` vs ``planned``/``cancelled``), and their
dates are compatible: their periods (a day, an ISO week, a month; an undated mention is
the week before its article) overlap or lie within ``gap_days`` of each other. A mention
dated only to a year joins the event of that year when there is one. The event takes
the best-resolved date among its mentions (day > week > month > article > year).
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from prefect import task

from schemas import EVENTS, to_table
from tasks.ingest import digest
from warehouse.lake import Lake

PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "article": 3, "year": 4}
ARTICLE_WINDOW_DAYS = 7


def status_class(status: str) -> str:
    return "occurred" if status == "occurred" else "planned"


def period(date: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """The span of days a dated mention stands for."""
    if precision == "week":
        return date, date + dt.timedelta(days=6)
    if precision == "month":
        return date, date.replace(day=calendar.monthrange(date.year, date.month)[1])
    if precision == "year":
        return date.replace(month=1, day=1), date.replace(month=12, day=31)
    if precision == "article":
        return date - dt.timedelta(days=ARTICLE_WINDOW_DAYS), date
    return date, date


@dataclass
class _Cluster:
    start: dt.date | None
    end: dt.date | None
    members: list[dict[str, Any]] = field(default_factory=list)


def cluster_mentions(mentions: Iterable[dict[str, Any]], gap_days: int = 3) -> list[dict[str, Any]]:
    """Group mention rows (``event_mentions`` columns) into event rows (the ``events`` contract)."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for m in mentions:
        key = (m["event_type"], m["event_mode"], m["actor_country"], m["recipient_country"], status_class(m["status"]))
        groups[key].append(m)
    gap = dt.timedelta(days=gap_days)
    events = []
    for key, members in groups.items():
        dated = sorted(
            (m for m in members if m["event_date"] is not None and m["date_precision"] != "year"),
            key=lambda m: (period(m["event_date"], m["date_precision"])[0], m["mention_id"]),
        )
        clusters: list[_Cluster] = []
        for m in dated:
            start, end = period(m["event_date"], m["date_precision"])
            if clusters and start <= clusters[-1].end + gap:
                clusters[-1].end = max(clusters[-1].end, end)
                clusters[-1].members.append(m)
            else:
                clusters.append(_Cluster(start, end, [m]))
        by_year: dict[int, _Cluster] = {}
        undated = _Cluster(None, None)
        for m in members:
            if m["event_date"] is None:
                undated.members.append(m)
            elif m["date_precision"] == "year":
                year = m["event_date"].year
                same_year = [c for c in clusters if c.start.year == year or c.end.year == year]
                if same_year:
                    max(same_year, key=lambda c: len(c.members)).members.append(m)
                else:
                    by_year.setdefault(year, _Cluster(m["event_date"], m["event_date"])).members.append(m)
        for c in [*clusters, *by_year.values(), undated]:
            if c.members:
                events.append(_event_row(key, c.members))
    return events


def _event_row(key: tuple, members: list[dict[str, Any]]) -> dict[str, Any]:
    event_type, event_mode, actor, recipient, _ = key
    best_rank = min(PRECISION_RANK.get(m["date_precision"], 9) for m in members)
    best = [m for m in members if PRECISION_RANK.get(m["date_precision"], 9) == best_rank]
    dates = Counter(m["event_date"] for m in best)
    best_date = min(dates, key=lambda d: (-dates[d], d or dt.date.max))
    best_mention = max((m for m in best if m["event_date"] == best_date), key=lambda m: m["confidence"])
    reported = [m["reference_date"] for m in members if m["reference_date"] is not None]
    first = min(members, key=lambda m: (m["reference_date"] or dt.date.max, m["mention_id"]))
    latest = max(members, key=lambda m: (m["reference_date"] or dt.date.min, m["mention_id"]))
    return {
        "event_id": digest("|".join(str(k) for k in key) + "|" + first["mention_id"])[:20],
        "event_type": event_type,
        "event_mode": event_mode,
        "cameo_code": best_mention["cameo_code"],
        "actor_country": actor,
        "recipient_country": recipient,
        "event_date": best_date,
        "date_precision": best_mention["date_precision"],
        "status": latest["status"],
        "mentions": len(members),
        "articles": len({m["article_id"] for m in members}),
        "sources": len({m["source"] for m in members if m["source"]}),
        "first_reported": min(reported) if reported else None,
        "last_reported": max(reported) if reported else None,
        "actor_names": sorted({m["actor_name"] for m in members if m["actor_name"]}),
        "evidence": best_mention["sentence"],
        "confidence": max(m["confidence"] for m in members),
        "mention_ids": sorted(m["mention_id"] for m in members),
    }


def rebuild_events(lake: Lake, mentions: list[dict[str, Any]], gap_days: int) -> int:
    """Replace the lake's events file with the clustering of ``mentions``; return the event count."""
    rows = sorted(cluster_mentions(mentions, gap_days), key=lambda e: e["event_id"])
    lake.write_parquet(lake.path(EVENTS.name, "events.parquet"), to_table(EVENTS, rows))
    return len(rows)


cluster_task = task(rebuild_events, name="cluster")

