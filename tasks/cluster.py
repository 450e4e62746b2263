"""Events, not mentions: cluster event mentions across articles into real-world events.

Mentions belong to one event when they agree on event type and mode, actor and
recipient country and status class (``occurred`` vs ``planned``/``cancelled``), and their
dates are compatible: their periods (a day, an ISO week, a month; an undated mention is
the week before its article) overlap or lie within ``gap_days`` of each other. A mention
dated only to a year joins the event of that year with the most dated mentions when
there is one. The event takes the best-resolved date among its mentions (day > week >
month > article > year).

Incrementally: a run re-clusters only the (group, year) units that changed mentions can
reach, and rewrites only the bucket files holding those groups (see :func:`update_events`);
the result is the same as re-clustering every mention (:func:`rebuild_events`).
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq
from prefect import task

from schemas import EVENTS, to_table
from tasks.ingest import digest
from warehouse.build import group_mentions, lake_views, mention_census, mention_changes
from warehouse.lake import Lake

PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "article": 3, "year": 4}
ARTICLE_WINDOW_DAYS = 7
BUCKETS = 64  # event groups are hashed into this many files; changing it needs `newsevents rebuild`
BATCH_MENTIONS = 50_000  # mentions re-clustered per query: bounds the memory of a large run
GROUP_COLUMNS = ("event_type", "event_mode", "actor_country", "recipient_country", "status_class")


def status_class(status: str) -> str:
    return "occurred" if status == "occurred" else "planned"


def group_key(row: dict[str, Any]) -> tuple:
    """The group a mention (or an event) is clustered in."""
    return (row["event_type"], row["event_mode"], row["actor_country"], row["recipient_country"], status_class(row["status"]))


def bucket_of(key: tuple) -> int:
    """The events file a group lives in."""
    return int(digest("|".join(str(k) for k in key))[:8], 16) % BUCKETS


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
        dated_count = {id(c): len(c.members) for c in clusters}
        by_year: dict[int, _Cluster] = {}
        undated = _Cluster(None, None)
        for m in members:
            if m["event_date"] is None:
                undated.members.append(m)
            elif m["date_precision"] == "year":
                year = m["event_date"].year
                same_year = [c for c in clusters if c.start.year == year or c.end.year == year]
                if same_year:
                    max(same_year, key=lambda c: dated_count[id(c)]).members.append(m)
                else:
                    by_year.setdefault(year, _Cluster(None, None)).members.append(m)
        for c in [*clusters, *by_year.values(), undated]:
            if c.members:
                events.append(_event_row(key, c))
    return events


def _event_row(key: tuple, cluster: _Cluster) -> dict[str, Any]:
    event_type, event_mode, actor, recipient, _ = key
    members = cluster.members
    best_rank = min(PRECISION_RANK.get(m["date_precision"], 9) for m in members)
    best = [m for m in members if PRECISION_RANK.get(m["date_precision"], 9) == best_rank]
    dates = Counter(m["event_date"] for m in best)
    best_date = min(dates, key=lambda d: (-dates[d], d or dt.date.max))
    best_mention = min((m for m in best if m["event_date"] == best_date), key=lambda m: (-m["confidence"], m["mention_id"]))
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
        "period_start": cluster.start,
        "period_end": cluster.end,
    }


# --- incremental clustering --------------------------------------------------------


def event_year(row: dict[str, Any]) -> int:
    """The hive year of an event's (or a mention's) date; 0 when undated."""
    return row["event_date"].year if row["event_date"] is not None else 0


def affected_years(seeds: set[int], spans: Iterable[tuple[dt.date, dt.date]], gap_days: int) -> set[int]:
    """The years of one group to re-cluster: the ``seeds`` (years that changed mentions
    cover; 0 stands for the undated), and every year an existing event's span (``spans``)
    covers when that span lies within ``gap_days`` of a year taken, until none is left.

    No event outside the result can then link to a mention inside it, and an event dated
    by year only is decided within its year, so re-clustering the mentions of these years
    alone gives the events a full re-cluster gives there."""
    years = set(seeds)
    gap = dt.timedelta(days=gap_days)
    pending = list(spans)
    while True:
        reached = [
            (start, end) for start, end in pending
            if any(y and start <= dt.date(y, 12, 31) + gap and end + gap >= dt.date(y, 1, 1) for y in years)
        ]
        if not reached:
            return years
        for start, end in reached:
            years.update(range(start.year, end.year + 1))
        pending = [s for s in pending if s not in reached]


def _bucket_path(lake: Lake, bucket: int) -> str:
    return lake.path(EVENTS.name, f"bucket={bucket:02d}", "events.parquet")


def _read_bucket(lake: Lake, bucket: int) -> pa.Table | None:
    path = _bucket_path(lake, bucket)
    return lake.read_files([path]) if lake.exists(path) else None


def _seeds(changes: pa.Table) -> dict[tuple, tuple[set[int], int]]:
    """{group: (years changed mentions cover, new mentions)} from :func:`mention_changes` rows."""
    seeds: dict[tuple, tuple[set[int], int]] = {}
    for row in changes.to_pylist():
        key = tuple(row[c] for c in GROUP_COLUMNS)
        years, count = seeds.get(key, (set(), 0))
        years.update(range(row["first_year"], row["last_year"] + 1))
        seeds[key] = (years, count + row["mentions"])
    return seeds


@dataclass
class _BucketPlan:
    bucket: int
    kept: pa.Table | None  # the events that stay as they are
    units: dict[tuple, set[int]]  # group -> years to re-cluster
    mentions: int  # how many mentions that is, about


def _plan_bucket(lake: Lake, bucket: int, seeds: dict[tuple, tuple[set[int], int]], gap_days: int, full: bool) -> _BucketPlan:
    """Which units of a bucket to re-cluster, and which of its events stay."""
    old = None if full else _read_bucket(lake, bucket)
    rows = old.select(["event_type", "event_mode", "actor_country", "recipient_country", "status", "event_date",
                       "period_start", "period_end", "mentions"]).to_pylist() if old is not None else []
    spans: dict[tuple, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for r in rows:
        if r["period_start"] is not None:
            spans[group_key(r)].append((r["period_start"], r["period_end"]))
    units = {key: affected_years(years, spans[key], gap_days) for key, (years, _) in seeds.items()}
    drop = [group_key(r) in units and event_year(r) in units[group_key(r)] for r in rows]
    mentions = sum(count for _, count in seeds.values()) + sum(r["mentions"] for r, d in zip(rows, drop) if d)
    kept = old.filter(pa.array([not d for d in drop], pa.bool_())) if old is not None else None
    return _BucketPlan(bucket, kept, units, mentions)


def _units_table(plans: list[_BucketPlan]) -> pa.Table:
    rows = [dict(zip(GROUP_COLUMNS, key), year=year) for p in plans for key, years in p.units.items() for year in sorted(years)]
    schema = pa.schema([(c, pa.string()) for c in GROUP_COLUMNS] + [("year", pa.int32())])
    return pa.Table.from_pylist(rows, schema=schema)


def _write_buckets(lake: Lake, con, plans: list[_BucketPlan], gap_days: int) -> None:
    """Re-cluster the units of ``plans`` and replace their bucket files (each atomically)."""
    by_bucket: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in cluster_mentions(group_mentions(con, _units_table(plans)), gap_days):
        by_bucket[bucket_of(group_key(event))].append(event)
    for plan in plans:
        new = to_table(EVENTS, by_bucket[plan.bucket])
        table = pa.concat_tables([plan.kept.select(new.schema.names).cast(new.schema), new]) if plan.kept is not None else new
        path = _bucket_path(lake, plan.bucket)
        if table.num_rows:
            lake.write_parquet(path, table.sort_by("event_id").replace_schema_metadata(new.schema.metadata))
        else:
            lake.delete(path)


def update_events(lake: Lake, gap_days: int, full: bool = False) -> int:
    """Bring the lake's events up to date with its current mentions; return the event count.

    Only the groups with mentions in no event yet, or with events holding a mention that
    is gone (a superseded article version), are re-clustered, and only in the years those
    mentions can reach (:func:`affected_years`); only their bucket files are rewritten.
    The changes are found by comparing mentions and events, so a run killed midway (each
    bucket file is replaced atomically and holds whole groups) is finished by the next.
    ``full`` re-clusters every mention, as after a change of ``gap_days`` or ``BUCKETS``.
    """
    legacy = lake.path(EVENTS.name, "events.parquet")  # the one-file layout of schema version 1
    full = full or lake.exists(legacy)
    with lake_views(lake) as con:
        seeds = _seeds(mention_census(con) if full else mention_changes(con))
        by_bucket: dict[int, dict[tuple, tuple[set[int], int]]] = defaultdict(dict)
        for key, seed in seeds.items():
            by_bucket[bucket_of(key)][key] = seed
        batch: list[_BucketPlan] = []
        for bucket in range(BUCKETS):
            if bucket not in by_bucket and not full:
                continue
            batch.append(_plan_bucket(lake, bucket, by_bucket.get(bucket, {}), gap_days, full))
            if sum(p.mentions for p in batch) >= BATCH_MENTIONS:
                _write_buckets(lake, con, batch, gap_days)
                batch = []
        if batch:
            _write_buckets(lake, con, batch, gap_days)
    lake.delete(legacy)
    return sum(pq.read_metadata(f, filesystem=lake.fs).num_rows for f in lake.files(EVENTS.name))


def rebuild_events(lake: Lake, gap_days: int) -> int:
    """Re-cluster every current mention of the lake into its events; return the event count."""
    return update_events(lake, gap_days, full=True)


cluster_task = task(update_events, name="cluster")
recluster_task = task(rebuild_events, name="recluster")
