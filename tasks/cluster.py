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
import json
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from prefect import task

from schemas import ARTICLES, EVENT_MENTIONS, EVENTS, to_table
from tasks.ingest import digest
from warehouse.build import group_mentions, lake_views, mention_census, mention_changes
from warehouse.lake import Lake

PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "article": 3, "year": 4}
ARTICLE_WINDOW_DAYS = 7
BUCKETS = 64  # event groups are hashed into this many files; changing it needs `newsevents rebuild`
BATCH_MENTIONS = 50_000  # mentions re-clustered per query: bounds the memory of a large run
STATE = "_state.json"  # lake/events/_state.json: what the events reflect
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


def affected_years(seeds: set[int], spans: Iterable[tuple[dt.date, dt.date]], gap_days: int) -> set[int]:
    """The years of one group to re-cluster: the ``seeds`` (years that changed mentions
    cover; 0 stands for the undated), and every year an existing event's span (``spans``)
    covers when that span lies within ``gap_days`` of a year taken, until none is left.

    No event outside the result can then link to a mention inside it, and an event dated
    by year only is decided within its year, so re-clustering the mentions of these years
    alone gives the events a full re-cluster gives there."""
    years = set(seeds)
    gap = dt.timedelta(days=gap_days)
    # each span as the years it reaches with the gap and the years it covers
    pending = [((start - gap).year, (end + gap).year, start.year, end.year) for start, end in spans]
    while True:
        reached = [s for s in pending if any(y and s[0] <= y <= s[1] for y in years)]
        if not reached:
            return years
        for _, _, first, last in reached:
            years.update(range(first, last + 1))
        pending = [s for s in pending if s not in reached]


def _bucket_path(lake: Lake, bucket: int) -> str:
    return lake.path(EVENTS.name, f"bucket={bucket:02d}", "events.parquet")


def _read_bucket(lake: Lake, bucket: int, columns: list[str] | None = None) -> pa.Table | None:
    path = _bucket_path(lake, bucket)
    return lake.read_files([path], columns) if lake.exists(path) else None


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
    keep: pa.Array | None  # which of the bucket's events stay as they are (None: no file yet, or all go)
    units: dict[tuple, set[int]]  # group -> years to re-cluster
    mentions: int  # how many mentions that is, about


_PLAN_COLUMNS = ["event_type", "event_mode", "actor_country", "recipient_country", "status", "event_date",
                 "period_start", "period_end", "mentions"]


def _group_keys(table: pa.Table) -> pa.Array:
    """Each event row's group as one string (as :func:`_key_text` spells a group)."""
    columns = [pc.fill_null(table[c], "\0") for c in GROUP_COLUMNS[:-1]]
    classes = pc.if_else(pc.equal(table["status"], "occurred"), "occurred", "planned")
    return pc.binary_join_element_wise(*columns, classes, "|")


def _key_text(key: tuple) -> str:
    return "|".join("\0" if k is None else k for k in key)


def _plan_bucket(lake: Lake, bucket: int, seeds: dict[tuple, tuple[set[int], int]], gap_days: int, full: bool) -> _BucketPlan:
    """Which units of a bucket to re-cluster, and which of its events stay."""
    old = None if full else _read_bucket(lake, bucket, _PLAN_COLUMNS)
    if old is None:
        return _BucketPlan(bucket, None, {key: years for key, (years, _) in seeds.items()}, sum(n for _, n in seeds.values()))
    keys = _group_keys(old)
    wanted = {_key_text(k): k for k in seeds}
    touched = pc.is_in(keys, value_set=pa.array(list(wanted), pa.string())).combine_chunks()
    events = old.filter(touched)  # the events of the groups with changes: only these go through Python
    groups = [wanted[k] for k in keys.filter(touched).to_pylist()]
    starts, ends = events["period_start"].to_pylist(), events["period_end"].to_pylist()
    spans: dict[tuple, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for key, start, end in zip(groups, starts, ends):
        if start is not None:
            spans[key].append((start, end))
    units = {key: affected_years(years, spans[key], gap_days) for key, (years, _) in seeds.items()}
    event_years = pc.fill_null(pc.year(events["event_date"]), 0).to_pylist()
    drop = [year in units[key] for key, year in zip(groups, event_years)]
    mentions = sum(count for _, count in seeds.values()) + sum(n for n, d in zip(events["mentions"].to_pylist(), drop) if d)
    keep = pc.replace_with_mask(pc.invert(touched), touched, pa.array([not d for d in drop], pa.bool_()))
    return _BucketPlan(bucket, keep, units, mentions)


def _units_table(plans: list[_BucketPlan]) -> pa.Table:
    rows = [dict(zip(GROUP_COLUMNS, key), year=year) for p in plans for key, years in p.units.items() for year in sorted(years)]
    schema = pa.schema([(c, pa.string()) for c in GROUP_COLUMNS] + [("year", pa.int32())])
    return pa.Table.from_pylist(rows, schema=schema)


def _write_buckets(lake: Lake, con, plans: list[_BucketPlan], gap_days: int) -> None:
    """Re-cluster the units of ``plans`` and replace their bucket files, one at a time, each atomically."""
    by_bucket: dict[int, list[dict[str, Any]]] = defaultdict(list)
    units = _units_table(plans)
    for event in cluster_mentions(group_mentions(con, units) if units.num_rows else [], gap_days):
        by_bucket[bucket_of(group_key(event))].append(event)
    for plan in plans:
        table = to_table(EVENTS, by_bucket.pop(plan.bucket, []))
        if plan.keep is not None:
            kept = _read_bucket(lake, plan.bucket).filter(plan.keep)
            table = pa.concat_tables([kept.select(table.schema.names).cast(table.schema), table])
        path = _bucket_path(lake, plan.bucket)
        if table.num_rows:
            lake.write_parquet(path, table.sort_by("event_id").replace_schema_metadata(EVENTS.with_metadata().metadata))
        else:
            lake.delete(path)


def _inputs(lake: Lake, gap_days: int) -> str:
    """A digest of what the events are computed from: the settings, and the names of the
    article and mention files (names derive from content; compaction renames them)."""
    skip = len(lake.root) + 1
    names = [f[skip:] for f in (*lake.files(ARTICLES.name), *lake.files(EVENT_MENTIONS.name))]
    return digest("\n".join([f"event_gap_days={gap_days}", f"buckets={BUCKETS}", *names]))


def _read_state(lake: Lake) -> dict[str, Any] | None:
    path = lake.path(EVENTS.name, STATE)
    if not lake.exists(path):
        return None
    with lake.fs.open_input_stream(path) as f:
        try:
            return json.loads(f.read())
        except json.JSONDecodeError:
            return None


def _write_state(lake: Lake, state: dict[str, Any]) -> None:
    """Record what the events now reflect (written last: a run killed before leaves none)."""
    path = lake.path(EVENTS.name, STATE)
    target = lake.path("_staging", f"{uuid.uuid4().hex}.tmp") if lake.is_local else path  # an object-store PUT is atomic
    with lake.fs.open_output_stream(target) as out:
        out.write(json.dumps(state).encode())
    if target != path:
        lake.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)  # a lake with no event yet has no events/
        lake.fs.move(target, path)


def update_events(lake: Lake, gap_days: int, full: bool = False) -> int:
    """Bring the lake's events up to date with its current mentions; return the event count.

    Only the groups with mentions in no event yet, or with events holding a mention that
    is gone (a superseded article version), are re-clustered, and only in the years those
    mentions can reach (:func:`affected_years`); only their bucket files are rewritten.
    The changes are found by comparing mentions and events, so a run killed midway (each
    bucket file is replaced atomically and holds whole groups) is finished by the next.
    ``lake/events/_state.json``, written last, says which article and mention files the
    events reflect: when they are still the same, there is nothing to do. ``full``
    re-clusters every mention; so does a change of ``gap_days`` or ``BUCKETS``.
    """
    legacy = lake.path(EVENTS.name, "events.parquet")  # the one-file layout of schema version 1
    inputs, state = _inputs(lake, gap_days), _read_state(lake)
    settings_changed = state is not None and (state["event_gap_days"], state["buckets"]) != (gap_days, BUCKETS)
    full = full or settings_changed or lake.exists(legacy)
    if state is not None and state["inputs"] == inputs and not full:
        return state["events"]
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
    if full:  # files of buckets that no longer exist (another BUCKETS) or of the one-file layout
        for path in lake.files(EVENTS.name):
            if path.rsplit("/", 2)[-2] not in {f"bucket={b:02d}" for b in range(BUCKETS)}:
                lake.delete(path)
    events = sum(pq.read_metadata(f, filesystem=lake.fs).num_rows for f in lake.files(EVENTS.name))
    _write_state(lake, {"inputs": inputs, "event_gap_days": gap_days, "buckets": BUCKETS, "events": events})
    return events


def rebuild_events(lake: Lake, gap_days: int) -> int:
    """Re-cluster every current mention of the lake into its events; return the event count."""
    return update_events(lake, gap_days, full=True)


cluster_task = task(update_events, name="cluster")
recluster_task = task(rebuild_events, name="recluster")
