"""Events kept up to date incrementally: what each step plans, reads and writes, with exact values.

Lakes written directly (real Parquet, real DuckDB, no Prefect), so that mutation testing
runs these; tests/test_cluster.py holds the helpers and the randomised comparisons with a
full re-cluster.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas import EVENTS
from tasks import cluster
from tasks.cluster import bucket_of, rebuild_events, update_events
from test_cluster import article, events_table, lake_mention, publish
from warehouse.lake import Lake

D = dt.date
GAP = 3
SHARED = [("CHN", "ZAF"), ("DEU", "JPN"), ("DEU", "ARG")]  # three groups of one events file


def key(pair, status_class="occurred", mode="visit"):
    return ("CONSULT", mode, pair[0], pair[1], status_class)


def stored(lake: Lake) -> list[tuple]:
    """(mention ids, event date, precision) of every stored event, sorted."""
    table = lake.read("events")
    return [] if table is None else sorted(
        (e["mention_ids"], e["event_date"], e["date_precision"]) for e in table.to_pylist())


def full_recluster(lake: Lake, tmp_path, name: str = "full") -> list[tuple]:
    """The events a full re-cluster of the same articles and mentions gives, every column."""
    fresh = Lake.open(str(tmp_path / name))
    shutil.copytree(lake.path("articles"), fresh.path("articles"))
    shutil.copytree(lake.path("event_mentions"), fresh.path("event_mentions"))
    rebuild_events(fresh, gap_days=GAP)
    return events_table(fresh)


def add(lake: Lake, article_id: str, version: int, *mentions) -> list[str]:
    """Publish one article version (a shard of its own) with mentions given as (pair, date,
    precision[, status]); return their ids."""
    art = article(article_id, version)
    rows = [lake_mention(art, n, pair, date, precision, status[0] if status else "occurred")
            for n, (pair, date, precision, *status) in enumerate(mentions)]
    publish(lake, f"{article_id}-v{version}", [art], rows)
    return [r["mention_id"] for r in rows]


def test_shared_groups_share_a_bucket():
    assert len({bucket_of(key(p)) for p in SHARED}) == 1
    assert bucket_of(key(("USA", "CHN"))) < bucket_of(key(("FRA", "DEU")))


# --- the steps, one at a time


def test_seeds_gather_the_years_and_new_mentions_of_each_group():
    rows = [
        {"event_type": "CONSULT", "event_mode": "visit", "actor_country": "USA", "recipient_country": "CHN",
         "status_class": "occurred", "first_year": 2013, "last_year": 2014, "mentions": 2},
        {"event_type": "CONSULT", "event_mode": "visit", "actor_country": "USA", "recipient_country": "CHN",
         "status_class": "occurred", "first_year": 2016, "last_year": 2016, "mentions": 0},  # an event lost a mention
        {"event_type": "CONSULT", "event_mode": "visit", "actor_country": "USA", "recipient_country": "CHN",
         "status_class": "occurred", "first_year": 2014, "last_year": 2014, "mentions": 3},
        {"event_type": "CONSULT", "event_mode": None, "actor_country": "FRA", "recipient_country": None,
         "status_class": "planned", "first_year": 0, "last_year": 0, "mentions": 1},  # undated
    ]
    assert cluster._seeds(pa.Table.from_pylist(rows)) == {
        key(("USA", "CHN")): ({2013, 2014, 2016}, 5),
        ("CONSULT", None, "FRA", None, "planned"): ({0}, 1),
    }
    assert cluster._seeds(pa.Table.from_pylist([], schema=pa.Table.from_pylist(rows).schema)) == {}


def test_units_table_lists_each_year_of_each_group():
    plans = [
        cluster._BucketPlan(3, None, {key(("USA", "CHN")): {2014, 2012}, ("CONSULT", None, "FRA", None, "planned"): {0}}, 4),
        cluster._BucketPlan(9, None, {}, 0),
        cluster._BucketPlan(12, None, {key(("IND", "KEN"), "planned"): {2015}}, 1),
    ]
    schema = pa.schema([(c, pa.string()) for c in cluster.GROUP_COLUMNS] + [("year", pa.int32())])
    units = cluster._units_table(plans)
    assert units.schema == schema
    assert units.to_pylist() == [
        {"event_type": "CONSULT", "event_mode": "visit", "actor_country": "USA", "recipient_country": "CHN",
         "status_class": "occurred", "year": 2012},
        {"event_type": "CONSULT", "event_mode": "visit", "actor_country": "USA", "recipient_country": "CHN",
         "status_class": "occurred", "year": 2014},
        {"event_type": "CONSULT", "event_mode": None, "actor_country": "FRA", "recipient_country": None,
         "status_class": "planned", "year": 0},
        {"event_type": "CONSULT", "event_mode": "visit", "actor_country": "IND", "recipient_country": "KEN",
         "status_class": "planned", "year": 2015},
    ]
    empty = cluster._units_table([cluster._BucketPlan(9, None, {}, 0)])
    assert (empty.num_rows, empty.schema) == (0, schema)


def test_plan_bucket_keeps_the_events_out_of_reach(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    g, h, k = (key(p) for p in SHARED)
    a = add(lake, "a1", 1, (SHARED[0], D(2012, 6, 10), "day"))
    b = add(lake, "a2", 1, (SHARED[0], D(2013, 12, 30), "day"), (SHARED[0], D(2013, 12, 31), "day"))
    c = add(lake, "a3", 1, (SHARED[0], D(2014, 6, 10), "day"))
    e = add(lake, "a4", 1, (SHARED[1], D(2014, 6, 10), "day"))
    assert update_events(lake, gap_days=GAP) == 4
    bucket = bucket_of(g)
    rows = cluster._read_bucket(lake, bucket).to_pylist()
    assert sorted(r["mention_ids"] for r in rows) == sorted([a, b, c, e])

    # a new mention of 2014 in the first group: the December event reaches 2014 with the gap, so
    # 2013 is re-clustered too, not 2012; the other group stays
    plan = cluster._plan_bucket(lake, bucket, {g: ({2014}, 1)}, GAP, full=False)
    assert (plan.bucket, plan.units) == (bucket, {g: {2013, 2014}})
    assert plan.mentions == 1 + 2 + 1  # the new one and those of the two events dropped
    assert sorted(r["mention_ids"] for r, kept in zip(rows, plan.keep.to_pylist()) if kept) == sorted([a, e])

    # no gap: the December event no longer reaches 2014
    plan = cluster._plan_bucket(lake, bucket, {g: ({2014}, 1)}, 0, full=False)
    assert (plan.units, plan.mentions) == ({g: {2014}}, 2)
    assert sorted(r["mention_ids"] for r, kept in zip(rows, plan.keep.to_pylist()) if kept) == sorted([a, b, e])

    # a group with no event in the file yet: every event stays
    plan = cluster._plan_bucket(lake, bucket, {k: ({2014}, 2)}, GAP, full=False)
    assert (plan.units, plan.mentions, plan.keep.to_pylist()) == ({k: {2014}}, 2, [True] * 4)

    # a full re-cluster reads no event: every one goes
    plan = cluster._plan_bucket(lake, bucket, {g: ({2012, 2013, 2014}, 4), h: ({2014}, 1)}, GAP, full=True)
    assert (plan.keep, plan.units, plan.mentions) == (None, {g: {2012, 2013, 2014}, h: {2014}}, 5)

    # no file yet
    plan = cluster._plan_bucket(lake, (bucket + 1) % cluster.BUCKETS, {key(("USA", "CHN")): ({0}, 3)}, GAP, full=False)
    assert (plan.keep, plan.units, plan.mentions) == (None, {key(("USA", "CHN")): {0}}, 3)


def test_the_state_names_the_inputs(tmp_path, monkeypatch):
    lake = Lake.open(str(tmp_path / "data"))
    add(lake, "a1", 1, (("USA", "CHN"), D(2014, 6, 10), "day"), (("FRA", "DEU"), None, "article"))
    add(lake, "a2", 1, (("USA", "CHN"), D(2015, 1, 1), "year"))
    assert update_events(lake, gap_days=GAP) == 3

    def state():
        with open(lake.path("events", "_state.json"), encoding="utf-8") as f:
            return json.load(f)

    def names():
        """The article and mention files, as paths inside the lake."""
        return [f[len(lake.root) + 1:] for f in (*lake.files("articles"), *lake.files("event_mentions"))]

    def expected(gap, events):
        listing = "\n".join([f"event_gap_days={gap}", "buckets=64", *names()])
        return {"inputs": hashlib.sha256(listing.encode()).hexdigest()[:32], "event_gap_days": gap, "buckets": 64,
                "events": events}

    assert len(names()) == 2 + 3 and all(n.startswith(("articles/year=", "event_mentions/year=")) for n in names())
    assert state() == expected(GAP, 3)
    assert os.listdir(lake.path("_staging")) == []  # written through the staging folder, nothing left there
    add(lake, "a3", 1, (("USA", "CHN"), D(2014, 6, 11), "day"))  # joins the June event
    assert update_events(lake, gap_days=GAP) == 3
    assert state() == expected(GAP, 3)
    assert update_events(lake, gap_days=5) == 3
    assert state() == expected(5, 3)

    # the names are those inside the lake: a lake moved elsewhere is still up to date
    shutil.copytree(tmp_path / "data", tmp_path / "moved")
    moved = Lake.open(str(tmp_path / "moved"))
    monkeypatch.setattr(cluster, "mention_changes", lambda con: pytest.fail("the events are up to date"))
    assert update_events(moved, gap_days=5) == 3


def test_a_corrupt_state_is_no_state(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    add(lake, "a1", 1, (("USA", "CHN"), D(2014, 6, 10), "day"))
    assert cluster._read_state(lake) is None
    assert update_events(lake, gap_days=GAP) == 1
    state = cluster._read_state(lake)
    assert state == {"inputs": cluster._inputs(lake, GAP), "event_gap_days": GAP, "buckets": 64, "events": 1}
    with open(lake.path("events", "_state.json"), "w", encoding="utf-8") as f:
        f.write('{"inputs": ')  # cut short
    assert cluster._read_state(lake) is None
    assert update_events(lake, gap_days=GAP) == 1
    assert cluster._read_state(lake) == state


def test_event_files_carry_the_contract(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    add(lake, "a1", 1, (("USA", "CHN"), D(2014, 6, 10), "day"), (("FRA", "DEU"), D(2014, 6, 10), "day"))
    update_events(lake, gap_days=GAP)
    add(lake, "a2", 1, (("USA", "CHN"), D(2014, 6, 11), "day"))  # the file of USA-CHN is rewritten with a kept event
    update_events(lake, gap_days=GAP)
    files = lake.files("events")
    assert len(files) == 2
    for f in files:
        schema = pq.read_schema(f)
        assert schema.metadata == {b"newsevents.dataset": b"events", b"newsevents.schema_version": b"2"}
        assert schema.remove_metadata() == EVENTS.schema.remove_metadata()


# --- whole updates, against a full re-cluster


def test_groups_with_unknown_countries_or_mode_are_updated_in_place(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    first = add(lake, "a1", 1, (("USA", None), D(2014, 6, 10), "day"), (("USA", "CHN"), D(2014, 6, 10), "day"))
    assert update_events(lake, gap_days=GAP) == 2
    second = add(lake, "a2", 1, (("USA", None), D(2014, 6, 12), "day"), (("USA", None), D(2014, 9, 1), "day"),
                 ((None, None), None, "article"))
    third = article("a3", 1)
    row = lake_mention(third, 0, ("USA", None), D(2014, 9, 2), "day", "occurred")
    row["event_mode"] = None
    publish(lake, "s2", [third], [row])
    assert update_events(lake, gap_days=GAP) == 5
    add(lake, "a4", 1)  # a new article with no mention: nothing to re-cluster
    assert update_events(lake, gap_days=GAP) == 5
    nothing_new = article("a5", 1)
    again = lake_mention(nothing_new, 0, ("USA", None), D(2014, 9, 3), "day", "occurred")
    again["event_mode"] = None
    publish(lake, "s4", [nothing_new], [again])
    assert update_events(lake, gap_days=GAP) == 5
    assert stored(lake) == sorted([
        ([first[0], second[0]], D(2014, 6, 10), "day"),  # the group (USA, no recipient) found again
        ([first[1]], D(2014, 6, 10), "day"),
        ([second[1]], D(2014, 9, 1), "day"),
        ([second[2]], None, "article"),
        (sorted([row["mention_id"], again["mention_id"]]), D(2014, 9, 2), "day"),  # no mode either
    ])
    assert events_table(lake) == full_recluster(lake, tmp_path)


def test_a_mention_bridging_two_events_merges_them(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    pair = ("IND", "KEN")
    early = add(lake, "a1", 1, (pair, D(2014, 11, 10), "day"), (pair, D(2013, 12, 29), "day"))
    late = add(lake, "a2", 1, (pair, D(2014, 11, 16), "day"), (pair, D(2014, 1, 4), "day"))
    assert update_events(lake, gap_days=GAP) == 4  # six and six days apart: four events
    bridges = add(lake, "a3", 1, (pair, D(2014, 11, 13), "day"))
    assert update_events(lake, gap_days=GAP) == 3
    # across a year end: the new mention is of 2014, the event it joins of 2013
    bridges += add(lake, "a4", 1, (pair, D(2014, 1, 1), "day"))
    assert update_events(lake, gap_days=GAP) == 2
    assert stored(lake) == sorted([
        (sorted([early[1], late[1], bridges[1]]), D(2013, 12, 29), "day"),
        (sorted([early[0], late[0], bridges[0]]), D(2014, 11, 10), "day"),
    ])
    assert events_table(lake) == full_recluster(lake, tmp_path)


def test_a_year_only_mention_moves_to_the_visit_of_its_year(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    pair = ("FRA", "DEU")
    year_only = add(lake, "a1", 1, (pair, D(2014, 1, 1), "year"))
    assert update_events(lake, gap_days=GAP) == 1
    visit = add(lake, "a2", 1, (pair, D(2014, 5, 2), "day"))
    assert update_events(lake, gap_days=GAP) == 1
    assert stored(lake) == [(sorted(year_only + visit), D(2014, 5, 2), "day")]
    add(lake, "a2", 2)  # a new version of the visit's article, without the visit
    assert update_events(lake, gap_days=GAP) == 1
    assert stored(lake) == [(year_only, D(2014, 1, 1), "year")]
    assert events_table(lake) == full_recluster(lake, tmp_path)


def test_changed_and_deleted_mentions(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    pair = ("USA", "CHN")
    (june,) = add(lake, "a1", 1, (pair, D(2014, 6, 10), "day"))
    (moved,) = add(lake, "a2", 1, (pair, D(2014, 6, 11), "day"))
    (planned,) = add(lake, "a3", 1, (pair, D(2014, 9, 1), "day", "planned"))
    other = add(lake, "a4", 1, (("FRA", "DEU"), D(2014, 6, 10), "day"))
    assert update_events(lake, gap_days=GAP) == 3
    assert stored(lake) == sorted([([june, moved], D(2014, 6, 10), "day"), ([planned], D(2014, 9, 1), "day"),
                                   (other, D(2014, 6, 10), "day")])
    # the second article is corrected: the visit was in 2015; the third is withdrawn
    (in_2015,) = add(lake, "a2", 2, (pair, D(2015, 6, 11), "day"))
    add(lake, "a3", 2)
    before = {f: os.stat(f).st_ino for f in lake.files("events")}
    assert update_events(lake, gap_days=GAP) == 3
    assert stored(lake) == sorted([([june], D(2014, 6, 10), "day"), ([in_2015], D(2015, 6, 11), "day"),
                                   (other, D(2014, 6, 10), "day")])
    after = {f: os.stat(f).st_ino for f in lake.files("events")}
    planned_file = lake.path("events", f"bucket={bucket_of(key(pair, 'planned')):02d}", "events.parquet")
    # the file of the occurred visits rewritten, the emptied one of the plans gone, FRA-DEU's untouched
    assert {f for f in before if before[f] != after.get(f)} == {
        lake.path("events", f"bucket={bucket_of(key(pair)):02d}", "events.parquet"), planned_file}
    assert planned_file not in after
    assert events_table(lake) == full_recluster(lake, tmp_path)


def test_rebuild_drops_the_events_of_a_group_without_mentions(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    add(lake, "a1", 1, (("USA", "CHN"), D(2014, 6, 10), "day"))
    kept = add(lake, "a2", 1, (("FRA", "DEU"), D(2014, 6, 10), "day"))
    assert update_events(lake, gap_days=GAP) == 2
    add(lake, "a1", 2)  # USA-CHN has no mention left; the events have not caught up yet
    assert rebuild_events(lake, gap_days=GAP) == 1
    assert stored(lake) == [(kept, D(2014, 6, 10), "day")]
    assert lake.files("events") == [lake.path("events", f"bucket={bucket_of(key(('FRA', 'DEU'))):02d}", "events.parquet")]
    # so does an update with another gap (a full re-cluster too)
    add(lake, "a2", 2)
    assert update_events(lake, gap_days=GAP + 1) == 0 and lake.files("events") == []


def test_batches_close_when_they_reach_the_limit(tmp_path, monkeypatch):
    lake = Lake.open(str(tmp_path / "data"))
    add(lake, "a1", 1, (("USA", "CHN"), D(2014, 6, 10), "day"), (("USA", "CHN"), D(2014, 6, 11), "day"))
    add(lake, "a2", 1, (("FRA", "DEU"), D(2014, 6, 10), "day"), (("FRA", "DEU"), D(2015, 6, 10), "day"))
    queried = []
    real = cluster.group_mentions

    def recorded(con, units):
        queried.append(sorted({(u["actor_country"], u["year"]) for u in units.to_pylist()}))
        return real(con, units)

    monkeypatch.setattr(cluster, "group_mentions", recorded)
    monkeypatch.setattr(cluster, "BATCH_MENTIONS", 2)  # each group's two mentions fill a batch
    assert update_events(lake, gap_days=GAP) == 3
    assert queried == [[("USA", 2014)], [("FRA", 2014), ("FRA", 2015)]]  # in order of bucket
    queried.clear()
    assert rebuild_events(lake, gap_days=GAP) == 3
    assert queried == [[("USA", 2014)], [("FRA", 2014), ("FRA", 2015)]]  # the empty buckets after: no query
    queried.clear()
    monkeypatch.setattr(cluster, "BATCH_MENTIONS", 5)
    assert rebuild_events(lake, gap_days=GAP) == 3
    assert queried == [[("FRA", 2014), ("FRA", 2015), ("USA", 2014)]]  # one batch
