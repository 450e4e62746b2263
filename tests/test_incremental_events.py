"""Events kept up to date incrementally equal the events of a full re-cluster, exactly.

The first tests write articles and mentions straight into a lake (no Prefect) and cluster
after each piece; the last one runs the real pipeline on a corpus in pieces and at once.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil

import duckdb
import pyarrow as pa
import pytest

from schemas import ARTICLES, EVENT_MENTIONS, to_table
from tasks import cluster
from tasks.cluster import affected_years, bucket_of, rebuild_events, update_events
from warehouse.build import lake_views, mention_changes
from warehouse.lake import Lake

D = dt.date
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
PAIRS = [("USA", "CHN"), ("CHN", "USA"), ("FRA", "DEU"), ("IND", "KEN")]
PRECISIONS = ["day", "day", "day", "week", "month", "article", "year", None]


def article(article_id: str, version: int) -> dict:
    return {
        "article_id": article_id, "doc_id": article_id, "content_hash": f"{article_id}-v{version}",
        "source_key": f"feed.jsonl#{article_id}", "layout": "jsonl", "body": "text", "word_count": 1,
        "run_id": "r", "ingested_at": T0 + dt.timedelta(minutes=version), "reference_date": D(2014, 1, 5),
    }


def mention(art: dict, n: int, pair: tuple[str, str], date: dt.date | None, precision: str, status: str) -> dict:
    return {
        "mention_id": f"{art['content_hash']}-{n}", "article_id": art["article_id"], "content_hash": art["content_hash"],
        "doc_id": art["doc_id"], "event_type": "CONSULT", "event_mode": "visit", "cameo_code": "042",
        "actor_country": pair[0], "recipient_country": pair[1], "event_date": date,
        "date_precision": precision if date else "article", "status": status, "explicit": True,
        "sentence": f"sentence {art['content_hash']} {n}", "confidence": round(0.3 + 0.1 * (n % 7), 2),
        "extractor_version": "test", "source": f"outlet-{n % 3}", "reference_date": art["reference_date"],
        "run_id": "r",
    }


def random_mentions(rng: random.Random, art: dict) -> list[dict]:
    """Mentions dated around two year ends and mid-year, in every precision, some undated."""
    rows = []
    for n in range(rng.randint(0, 3)):
        base = rng.choice([D(2012, 12, 20), D(2013, 12, 20), D(2014, 3, 1), D(2014, 6, 10), D(2014, 12, 20)])
        date = base + dt.timedelta(days=rng.randint(0, 24))
        precision = rng.choice(PRECISIONS)
        if precision == "week":
            date -= dt.timedelta(days=date.weekday())
        elif precision == "month":
            date = date.replace(day=1)
        elif precision == "year":
            date = date.replace(month=1, day=1)
        rows.append(mention(art, n, rng.choice(PAIRS), None if precision is None else date, precision or "article",
                            rng.choice(["occurred", "occurred", "planned", "cancelled"])))
    return rows


def publish(lake: Lake, shard: str, articles: list[dict], mentions: list[dict]) -> None:
    """Write a shard's articles and mentions as the publish stage lays them out."""
    for contract, rows in ((ARTICLES, articles), (EVENT_MENTIONS, mentions)):
        for path, table in lake.plan_partitioned(contract, to_table(contract, rows), shard).items():
            lake.write_parquet(path, table)


def events_table(lake: Lake) -> list[tuple]:
    """Every column of every stored event, in event id order."""
    with lake_views(lake) as con:
        return con.sql("select * from raw_events order by event_id").fetchall()


def bucket_files(lake: Lake) -> dict[str, int]:
    return {f: os.stat(f).st_ino for f in lake.files("events")}


def test_pieces_with_new_versions_equal_a_full_recluster(tmp_path):
    rng = random.Random(7)
    lake = Lake.open(str(tmp_path / "data"))
    versions: dict[str, int] = {}
    for piece in range(6):
        arts, rows = [], []
        for i in range(40):
            article_id = f"a{rng.randint(0, 150):03d}"  # some ids come again: a new version of the article
            versions[article_id] = versions.get(article_id, 0) + 1
            art = article(article_id, versions[article_id])
            if any(a["article_id"] == article_id for a in arts):
                continue
            arts.append(art)
            rows += random_mentions(rng, art)
        publish(lake, f"s{piece}", arts, rows)
        count = update_events(lake, gap_days=3)
        incremental = events_table(lake)
        assert count == len(incremental)
        with lake_views(lake) as con:
            assert mention_changes(con).num_rows == 0  # up to date
        fresh = Lake.open(str(tmp_path / f"full-{piece}"))
        shutil.copytree(lake.path("articles"), fresh.path("articles"))
        shutil.copytree(lake.path("event_mentions"), fresh.path("event_mentions"))
        assert rebuild_events(fresh, gap_days=3) == count
        assert events_table(fresh) == incremental
    assert len(incremental) > 60
    superseded = duckdb.sql(f"select count(*) from read_parquet('{lake.path('articles')}/*/*/*.parquet') "
                            "group by article_id having count(*) > 1").fetchall()
    assert len(superseded) > 20  # the pieces did replace articles


def test_a_small_piece_rewrites_only_its_buckets(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    rng = random.Random(3)
    arts = [article(f"a{i:03d}", 1) for i in range(200)]
    publish(lake, "s0", arts, [m for a in arts for m in random_mentions(rng, a)])
    update_events(lake, gap_days=3)
    before = bucket_files(lake)
    assert len(before) == len({bucket_of(("CONSULT", "visit", a, r, s)) for a, r in PAIRS for s in ("occurred", "planned")})
    new = article("b001", 1)
    publish(lake, "s1", [new], [mention(new, 0, ("IND", "KEN"), D(2014, 6, 11), "day", "occurred")])
    update_events(lake, gap_days=3)
    after = bucket_files(lake)
    touched = lake.path("events", f"bucket={bucket_of(('CONSULT', 'visit', 'IND', 'KEN', 'occurred')):02d}", "events.parquet")
    assert {f for f in after if after[f] != before.get(f)} == {touched}
    assert update_events(lake, gap_days=3) == len(events_table(lake))  # nothing new: nothing rewritten
    assert bucket_files(lake) == after


def test_an_interrupted_update_is_finished_by_the_next(tmp_path, monkeypatch):
    lake = Lake.open(str(tmp_path / "data"))
    rng = random.Random(5)
    arts = [article(f"a{i:03d}", 1) for i in range(120)]
    publish(lake, "s0", arts, [m for a in arts for m in random_mentions(rng, a)])
    writes = []
    real = Lake.write_parquet

    def dies_after_two(self, path, table):
        if len(writes) == 2:
            raise KeyboardInterrupt("killed")
        writes.append(path)
        real(self, path, table)

    monkeypatch.setattr(Lake, "write_parquet", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        update_events(lake, gap_days=3)
    monkeypatch.setattr(Lake, "write_parquet", real)
    assert len(lake.files("events")) == 2  # two buckets written, the others not yet
    count = update_events(lake, gap_days=3)
    fresh = Lake.open(str(tmp_path / "full"))
    shutil.copytree(lake.path("articles"), fresh.path("articles"))
    shutil.copytree(lake.path("event_mentions"), fresh.path("event_mentions"))
    assert rebuild_events(fresh, gap_days=3) == count
    assert events_table(fresh) == events_table(lake)


def test_one_file_layout_is_replaced_by_buckets(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    arts = [article("a001", 1)]
    publish(lake, "s0", arts, [mention(arts[0], 0, ("USA", "CHN"), D(2014, 6, 11), "day", "occurred")])
    legacy = lake.path("events", "events.parquet")
    update_events(lake, gap_days=3)
    shutil.copy(lake.files("events")[0], legacy)  # as schema version 1 stored the events
    assert update_events(lake, gap_days=3) == 1
    assert not lake.exists(legacy) and len(lake.files("events")) == 1


def test_batches_bound_each_query(tmp_path, monkeypatch):
    lake = Lake.open(str(tmp_path / "data"))
    rng = random.Random(11)
    arts = [article(f"a{i:03d}", 1) for i in range(150)]
    publish(lake, "s0", arts, [m for a in arts for m in random_mentions(rng, a)])
    whole = rebuild_events(lake, gap_days=3)
    expected = events_table(lake)
    fetched = []
    real = cluster.group_mentions
    monkeypatch.setattr(cluster, "BATCH_MENTIONS", 10)
    monkeypatch.setattr(cluster, "group_mentions", lambda con, units: fetched.append(r := real(con, units)) or r)
    assert rebuild_events(lake, gap_days=3) == whole
    assert events_table(lake) == expected
    assert len(fetched) > 3 and max(len(f) for f in fetched) < len(sum(fetched, [])) / 2


@pytest.mark.parametrize(
    ("seeds", "spans", "expected"),
    [
        ({2014}, [], {2014}),
        ({0}, [(D(2014, 1, 1), D(2014, 1, 3))], {0}),  # the undated reach no dated event
        ({2014}, [(D(2013, 12, 29), D(2013, 12, 29))], {2013, 2014}),  # three days before 1 January: the gap
        ({2014}, [(D(2013, 12, 27), D(2013, 12, 28))], {2014}),  # four days before: too far
        ({2014, 2016}, [(D(2013, 12, 29), D(2013, 12, 29)), (D(2013, 1, 2), D(2013, 1, 2))], {2013, 2014, 2016}),
        ({2014}, [(D(2015, 1, 3), D(2015, 1, 3))], {2014, 2015}),
        ({2014}, [(D(2015, 1, 4), D(2015, 1, 9))], {2014}),
        ({2014}, [(D(2012, 12, 30), D(2013, 1, 2)), (D(2013, 12, 30), D(2014, 1, 1))], {2012, 2013, 2014}),  # chained
        ({2014}, [(D(2010, 6, 1), D(2012, 6, 1)), (D(2013, 12, 31), D(2013, 12, 31))], {2013, 2014}),
        ({2014}, [(D(2012, 6, 1), D(2013, 12, 29))], {2012, 2013, 2014}),  # every year of the span
    ],
)
def test_affected_years(seeds, spans, expected):
    assert affected_years(seeds, spans, 3) == expected


def test_affected_years_reach_with_the_gap():
    assert affected_years({2014}, [(D(2013, 12, 29), D(2013, 12, 29))], 2) == {2014}
    assert affected_years({2014}, [(D(2013, 12, 30), D(2013, 12, 30))], 2) == {2013, 2014}
    assert affected_years({2014}, [(D(2015, 1, 2), D(2015, 1, 4))], 1) == {2014}
    assert affected_years({2014}, [(D(2015, 1, 1), D(2015, 1, 4))], 1) == {2014, 2015}
    assert affected_years({2014}, [(D(2015, 1, 1), D(2015, 1, 4))], 0) == {2014}
    assert affected_years({2014}, [(D(2014, 12, 31), D(2015, 1, 4))], 0) == {2014, 2015}


@pytest.mark.parametrize(
    ("date", "precision", "years"),
    [
        (D(2015, 1, 6), "article", (2014, 2015)),  # the week before the article reaches back into 2014
        (D(2015, 1, 8), "article", (2015, 2015)),
        (D(2014, 12, 29), "week", (2014, 2015)),
        (D(2014, 12, 22), "week", (2014, 2014)),
        (D(2014, 12, 1), "month", (2014, 2014)),
        (D(2014, 1, 1), "year", (2014, 2014)),
        (D(2014, 12, 31), "day", (2014, 2014)),
        (None, "article", (0, 0)),
    ],
)
def test_changes_cover_the_years_of_each_period(tmp_path, date, precision, years):
    """The SQL that finds new mentions spans the same years as :func:`tasks.cluster.period`."""
    lake = Lake.open(str(tmp_path / "data"))
    art = article("a001", 1)
    publish(lake, "s0", [art], [mention(art, 0, ("USA", "CHN"), date, precision, "cancelled")])
    with lake_views(lake) as con:
        rows = mention_changes(con).to_pylist()
    assert rows == [{"event_type": "CONSULT", "event_mode": "visit", "actor_country": "USA", "recipient_country": "CHN",
                     "status_class": "planned", "first_year": years[0], "last_year": years[1], "mentions": 1}]
    if date is not None:
        start, end = cluster.period(date, precision)
        assert (start.year, end.year) == years
    update_events(lake, gap_days=3)
    publish(lake, "s1", [article("a001", 2)], [])  # a new version without the mention
    with lake_views(lake) as con:
        rows = mention_changes(con).to_pylist()
    assert [(r["status_class"], r["first_year"], r["last_year"], r["mentions"]) for r in rows] == [
        ("planned", *years, 0)  # the event's span, as stored
    ]
    assert update_events(lake, gap_days=3) == 0 and lake.files("events") == []


# --- the real pipeline (it needs the Prefect server of conftest.py)


def test_a_corpus_run_in_pieces_equals_the_run_at_once(tmp_path):
    from conftest import query
    from flows.maintenance import rebuild
    from flows.pipeline import pipeline

    reports = [
        ("2022-06-13", "Indian Foreign Minister Subrahmanyam Jaishankar arrived in Nairobi on Monday for talks."),
        ("2022-06-14", "India's foreign minister visited Kenya on Monday, officials said."),
        ("2022-06-20", "Chilean President Gabriel Boric visited Argentina on Friday."),
        ("2022-12-30", "French President Emmanuel Macron arrived in Berlin on Thursday for talks with the chancellor."),
        ("2023-01-02", "Emmanuel Macron, the French president, visited Germany last week."),
        ("2023-01-03", "Chinese President Xi Jinping will visit Russia next month, the Kremlin said."),
        ("2023-01-04", "Chinese President Xi Jinping plans to visit Moscow in February."),
        ("2022-06-15", "Indian Foreign Minister Subrahmanyam Jaishankar visited Kenya this week."),
    ]
    feeds = []
    for n, (published, text) in enumerate(reports):
        feed = tmp_path / f"feed-{n}.jsonl"
        feed.write_text(json.dumps({"id": f"r-{n}", "source": f"Outlet {n % 3}", "published": published,
                                    "title": f"Report {n}", "text": text}) + "\n", encoding="utf-8")
        feeds.append(str(feed))
    at_once, in_pieces = tmp_path / "at-once", tmp_path / "pieces"
    pipeline(paths=feeds, data_dir=str(at_once))
    for piece in (feeds[:3], feeds[3:5], feeds[5:]):
        pipeline(paths=piece, data_dir=str(in_pieces))
    everything = "select * from events order by event_id"
    events = query(at_once, everything)
    assert query(in_pieces, everything) == events
    assert query(in_pieces, "select * from visit_counts order by all") == query(at_once, "select * from visit_counts order by all")
    assert sorted((e[4], e[5], e[6], e[7], e[8], e[9]) for e in events) == [
        ("CHL", "ARG", D(2022, 6, 17), "day", "occurred", 1),
        ("CHN", "RUS", D(2023, 2, 1), "month", "planned", 2),
        ("FRA", "DEU", D(2022, 12, 29), "day", "occurred", 2),  # the second report, "last week", is from 2023
        ("IND", "KEN", D(2022, 6, 13), "day", "occurred", 3),
    ]
    rebuild(data_dir=str(in_pieces))
    assert query(in_pieces, everything) == events


def test_nothing_new_reads_no_mention(tmp_path, monkeypatch):
    lake = Lake.open(str(tmp_path / "data"))
    rng = random.Random(13)
    arts = [article(f"a{i:03d}", 1) for i in range(60)]
    publish(lake, "s0", arts, [m for a in arts for m in random_mentions(rng, a)])
    count = update_events(lake, gap_days=3)

    def no_query(con):
        raise AssertionError("the events are up to date: nothing to compare")

    monkeypatch.setattr(cluster, "mention_changes", no_query)
    assert update_events(lake, gap_days=3) == count
    new = article("b001", 1)
    publish(lake, "s1", [new], [mention(new, 0, ("IND", "KEN"), D(2014, 6, 11), "day", "occurred")])
    with pytest.raises(AssertionError, match="nothing to compare"):
        update_events(lake, gap_days=3)


def test_another_gap_reclusters_everything(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    rng = random.Random(17)
    arts = [article(f"a{i:03d}", 1) for i in range(120)]
    publish(lake, "s0", arts, [m for a in arts for m in random_mentions(rng, a)])
    update_events(lake, gap_days=3)
    wide = update_events(lake, gap_days=10)
    fresh = Lake.open(str(tmp_path / "full"))
    shutil.copytree(lake.path("articles"), fresh.path("articles"))
    shutil.copytree(lake.path("event_mentions"), fresh.path("event_mentions"))
    assert rebuild_events(fresh, gap_days=10) == wide < rebuild_events(fresh, gap_days=3)
    rebuild_events(fresh, gap_days=10)
    assert events_table(lake) == events_table(fresh)


def test_group_mentions_are_the_rows_of_the_view(tmp_path):
    from warehouse.build import group_mentions, mention_census

    lake = Lake.open(str(tmp_path / "data"))
    rng = random.Random(19)
    for piece in range(3):  # later pieces bring new versions of some articles
        arts = [article(f"a{i:03d}", piece + 1) for i in rng.sample(range(80), 40)]
        publish(lake, f"s{piece}", arts, [m for a in arts for m in random_mentions(rng, a)])
    with lake_views(lake) as con:
        census = mention_census(con).to_pylist()
        units = [{**{c: r[c] for c in cluster.GROUP_COLUMNS}, "year": y}
                 for r in census for y in range(r["first_year"], r["last_year"] + 1)]
        table = pa.Table.from_pylist(units, schema=pa.schema([(c, pa.string()) for c in cluster.GROUP_COLUMNS] + [("year", pa.int32())]))
        rows = group_mentions(con, table)
        view = con.sql("select * exclude (year, month) from event_mentions").to_arrow_table().to_pylist()
        some = group_mentions(con, table.slice(0, 3))
    assert sorted(rows, key=lambda r: r["mention_id"]) == sorted(view, key=lambda r: r["mention_id"])
    assert len(view) > 50 and 0 < len(some) < len(view)
