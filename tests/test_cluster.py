"""Events, not mentions: one visit reported by many articles is one event; kept up to date
incrementally, they equal the events of a full re-cluster."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import shutil

import duckdb
import pyarrow as pa
import pytest

from schemas import ARTICLES, EVENT_MENTIONS, to_table
from tasks import cluster
from tasks.cluster import (
    affected_years, bucket_of, cluster_mentions, group_key, period, rebuild_events, status_class, update_events,
)
from warehouse.build import lake_views, mention_changes
from warehouse.lake import Lake

D = dt.date
_UNSET = object()


def mention(i, actor="USA", recipient="CHN", date=dt.date(2014, 11, 10), precision="day", status="occurred", source=None,
            reference=_UNSET, actor_name=None, confidence=0.9):
    return {
        "mention_id": f"m{i:03d}",
        "article_id": f"a{i:03d}",
        "event_type": "CONSULT",
        "event_mode": "visit",
        "cameo_code": "042",
        "actor_country": actor,
        "recipient_country": recipient,
        "actor_name": actor_name,
        "event_date": date,
        "date_precision": precision,
        "status": status,
        "sentence": f"sentence {i}",
        "confidence": confidence,
        "source": source or f"outlet-{i}",
        "reference_date": dt.date(2014, 11, 12) + dt.timedelta(days=i % 3) if reference is _UNSET else reference,
    }


def event_id(key: str, first_mention: str) -> str:
    """The documented event id: SHA-256 of the group key and the first-reported mention, 20 hex digits."""
    return hashlib.sha256(f"{key}|{first_mention}".encode()).hexdigest()[:20]


def summary(events):
    """(mention ids, event date, precision) of each event, in a stable order."""
    return sorted((e["mention_ids"], e["event_date"], e["date_precision"]) for e in events)


def test_ten_reports_of_one_visit_are_one_event():
    reports = [mention(i, date=dt.date(2014, 11, 10) + dt.timedelta(days=i % 2)) for i in range(8)]
    reports += [mention(8, date=dt.date(2014, 11, 10), precision="week"), mention(9, date=dt.date(2014, 11, 1), precision="month")]
    (event,) = cluster_mentions(reports)
    assert (event["mentions"], event["articles"], event["sources"]) == (10, 10, 10)
    assert (event["event_date"], event["date_precision"]) == (dt.date(2014, 11, 10), "day")  # best-resolved date
    assert (event["first_reported"], event["last_reported"]) == (dt.date(2014, 11, 12), dt.date(2014, 11, 14))


def test_separate_visits_stay_separate():
    events = cluster_mentions(
        [
            mention(1, date=dt.date(2014, 4, 3)),
            mention(2, date=dt.date(2014, 11, 10)),  # another visit, months later
            mention(3, date=dt.date(2014, 11, 10), status="planned"),  # plans are not the visit
            mention(4, actor="CHN", recipient="USA", date=dt.date(2014, 11, 10)),  # the other direction
        ]
    )
    assert len(events) == 4


def test_year_only_mention_joins_the_visit_of_that_year():
    events = cluster_mentions([mention(1, date=dt.date(1967, 5, 2)), mention(2, date=dt.date(1967, 1, 1), precision="year")])
    assert [(e["mentions"], e["event_date"], e["date_precision"]) for e in events] == [(2, dt.date(1967, 5, 2), "day")]


@pytest.mark.parametrize(
    ("status", "expected"), [("occurred", "occurred"), ("planned", "planned"), ("cancelled", "planned")]
)
def test_status_class(status, expected):
    assert status_class(status) == expected


@pytest.mark.parametrize(
    ("date", "precision", "expected"),
    [
        (D(2014, 11, 10), "day", (D(2014, 11, 10), D(2014, 11, 10))),
        (D(2014, 11, 10), "week", (D(2014, 11, 10), D(2014, 11, 16))),  # Monday to Sunday
        (D(2014, 12, 29), "week", (D(2014, 12, 29), D(2015, 1, 4))),  # 2015-W01 starts in 2014
        (D(2014, 11, 1), "month", (D(2014, 11, 1), D(2014, 11, 30))),
        (D(2016, 2, 1), "month", (D(2016, 2, 1), D(2016, 2, 29))),  # leap year
        (D(2015, 2, 1), "month", (D(2015, 2, 1), D(2015, 2, 28))),
        (D(2014, 12, 1), "month", (D(2014, 12, 1), D(2014, 12, 31))),
        (D(2014, 6, 15), "year", (D(2014, 1, 1), D(2014, 12, 31))),
        (D(2014, 11, 12), "article", (D(2014, 11, 5), D(2014, 11, 12))),  # the week before the article
        (D(2014, 11, 12), "decade", (D(2014, 11, 12), D(2014, 11, 12))),  # unknown: the day itself
    ],
)
def test_period(date, precision, expected):
    assert period(date, precision) == expected


def test_event_row_of_one_mention():
    (event,) = cluster_mentions([mention(1, actor_name="Barack Obama", confidence=0.75)])
    assert event == {
        "event_id": event_id("CONSULT|visit|USA|CHN|occurred", "m001"),
        "event_type": "CONSULT",
        "event_mode": "visit",
        "cameo_code": "042",
        "actor_country": "USA",
        "recipient_country": "CHN",
        "event_date": D(2014, 11, 10),
        "date_precision": "day",
        "status": "occurred",
        "mentions": 1,
        "articles": 1,
        "sources": 1,
        "first_reported": D(2014, 11, 13),
        "last_reported": D(2014, 11, 13),
        "actor_names": ["Barack Obama"],
        "evidence": "sentence 1",
        "confidence": 0.75,
        "mention_ids": ["m001"],
        "period_start": D(2014, 11, 10),
        "period_end": D(2014, 11, 10),
    }


def test_event_row_aggregates_its_mentions():
    reports = [
        mention(1, actor_name="Obama", confidence=0.6, source="Reuters"),
        mention(2, actor_name="Barack Obama", confidence=0.8, source="Reuters", date=D(2014, 11, 11)),
        mention(3, actor_name=None, confidence=0.7, source="AP", date=D(2014, 11, 11)),
        mention(4, actor_name="Obama", confidence=0.5, date=D(2014, 11, 11), precision="week"),
    ]
    reports[3]["article_id"] = "a001"  # a second mention in the first article
    reports[3]["source"] = ""  # no source
    (event,) = cluster_mentions(reports)
    # the most frequent best-resolved date (two of the three day mentions); its most
    # confident mention gives the evidence
    assert (event["event_date"], event["date_precision"]) == (D(2014, 11, 11), "day")
    assert (event["evidence"], event["confidence"]) == ("sentence 2", 0.8)
    assert (event["mentions"], event["articles"], event["sources"]) == (4, 3, 2)
    assert event["actor_names"] == ["Barack Obama", "Obama"]
    assert event["mention_ids"] == ["m001", "m002", "m003", "m004"]
    # reference dates 11-13, 11-14, 11-12, 11-13: m003 is the first report
    assert (event["first_reported"], event["last_reported"]) == (D(2014, 11, 12), D(2014, 11, 14))
    assert event["event_id"] == event_id("CONSULT|visit|USA|CHN|occurred", "m003")


def test_most_frequent_date_wins_and_ties_go_to_the_earliest():
    (event,) = cluster_mentions([mention(1, date=D(2014, 11, 12)), mention(2, date=D(2014, 11, 10))])
    assert event["event_date"] == D(2014, 11, 10)
    (event,) = cluster_mentions([mention(1, date=D(2014, 11, 12)), mention(2, date=D(2014, 11, 10)),
                                 mention(3, date=D(2014, 11, 12))])
    assert event["event_date"] == D(2014, 11, 12)
    # dated to a year only, and given in the order latest first
    (event,) = cluster_mentions([mention(1, date=D(2013, 7, 1), precision="year"),
                                 mention(2, date=D(2013, 1, 1), precision="year")])
    assert (event["event_date"], event["date_precision"]) == (D(2013, 1, 1), "year")


def test_status_is_the_latest_report_and_id_the_first_report():
    reports = [
        mention(1, status="cancelled", reference=D(2014, 11, 14)),
        mention(2, status="planned", reference=D(2014, 11, 12)),
        mention(3, status="planned", reference=None),
    ]
    (event,) = cluster_mentions(reports)
    assert event["status"] == "cancelled"
    assert event["event_id"] == event_id("CONSULT|visit|USA|CHN|planned", "m002")
    assert (event["first_reported"], event["last_reported"]) == (D(2014, 11, 12), D(2014, 11, 14))


def test_mentions_without_reference_date():
    (event,) = cluster_mentions([mention(2, reference=None), mention(1, reference=None)])
    assert (event["first_reported"], event["last_reported"]) == (None, None)
    assert event["event_id"] == event_id("CONSULT|visit|USA|CHN|occurred", "m001")
    (event,) = cluster_mentions([mention(1, reference=None, status="planned"), mention(2, reference=D(2014, 11, 20), status="cancelled")])
    # a dated report is both earlier and later than an undated one
    assert (event["first_reported"], event["last_reported"], event["status"]) == (D(2014, 11, 20), D(2014, 11, 20), "cancelled")
    assert event["event_id"] == event_id("CONSULT|visit|USA|CHN|planned", "m002")


@pytest.mark.parametrize(
    ("second", "gap_days", "together"),
    [
        (D(2014, 11, 13), 3, True),  # three days apart: the default gap
        (D(2014, 11, 14), 3, False),
        (D(2014, 11, 10), 0, True),
        (D(2014, 11, 11), 0, False),
        (D(2014, 11, 11), 1, True),
        (D(2014, 11, 17), 7, True),
        (D(2014, 11, 18), 7, False),
    ],
)
def test_gap_between_dates(second, gap_days, together):
    reports = [mention(1, date=D(2014, 11, 10)), mention(2, date=second)]
    events = cluster_mentions(reports, gap_days=gap_days) if gap_days != 3 else cluster_mentions(reports)
    assert len(events) == (1 if together else 2)


def test_periods_overlap_or_lie_within_the_gap():
    # the week of 10-16 November reaches 19 November with the gap of 3 days, not 20 November
    week = mention(1, date=D(2014, 11, 10), precision="week")
    inside = mention(2, date=D(2014, 11, 12))
    assert summary(cluster_mentions([week, inside, mention(3, date=D(2014, 11, 19))])) == [
        (["m001", "m002", "m003"], D(2014, 11, 12), "day")
    ]
    assert summary(cluster_mentions([week, inside, mention(3, date=D(2014, 11, 20))])) == [
        (["m001", "m002"], D(2014, 11, 12), "day"),
        (["m003"], D(2014, 11, 20), "day"),
    ]
    # a month covers all its days
    month = mention(4, date=D(2014, 11, 1), precision="month")
    assert summary(cluster_mentions([month, mention(5, date=D(2014, 11, 30))])) == [
        (["m004", "m005"], D(2014, 11, 30), "day")
    ]
    assert summary(cluster_mentions([month, mention(5, date=D(2014, 12, 4))])) == [
        (["m004"], D(2014, 11, 1), "month"),
        (["m005"], D(2014, 12, 4), "day"),
    ]


def test_mentions_are_chained_in_order_of_period_start():
    # The article-dated mention stands for 5-12 November: it bridges 3 and 10 November,
    # although its own date (12 November) comes after 10 November.
    reports = [
        mention(1, date=D(2014, 11, 3)),
        mention(2, date=D(2014, 11, 12), precision="article"),
        mention(3, date=D(2014, 11, 10)),
    ]
    assert summary(cluster_mentions(reports)) == [(["m001", "m002", "m003"], D(2014, 11, 3), "day")]
    # a month mention starting before a day mention is taken first, whatever its end
    reports = [
        mention(4, date=D(2014, 11, 2)),
        mention(5, date=D(2014, 11, 20)),
        mention(6, date=D(2014, 11, 1), precision="month"),
    ]
    assert summary(cluster_mentions(reports)) == [(["m004", "m005", "m006"], D(2014, 11, 2), "day")]


def test_undated_mentions_form_one_event():
    reports = [
        mention(1, date=None, precision="article", confidence=0.6),
        mention(2, date=None, precision="article", confidence=0.8),
        mention(3, date=D(2014, 11, 10)),
    ]
    events = sorted(cluster_mentions(reports), key=lambda e: e["mention_ids"])
    assert summary(events) == [(["m001", "m002"], None, "article"), (["m003"], D(2014, 11, 10), "day")]
    assert (events[0]["evidence"], events[0]["confidence"], events[0]["mentions"]) == ("sentence 2", 0.8, 2)


def test_year_only_mentions():
    # joins a visit whose period ends in that year (2015-W01 starts on 29 December 2014)
    week = mention(1, date=D(2014, 12, 29), precision="week")
    assert summary(cluster_mentions([week, mention(2, date=D(2015, 1, 1), precision="year")])) == [
        (["m001", "m002"], D(2014, 12, 29), "week")
    ]
    # ... or starts in that year
    assert summary(cluster_mentions([week, mention(2, date=D(2014, 1, 1), precision="year")])) == [
        (["m001", "m002"], D(2014, 12, 29), "week")
    ]
    # not a visit of another year
    visit = mention(3, date=D(2015, 5, 2))
    assert summary(cluster_mentions([visit, mention(4, date=D(2016, 1, 1), precision="year")])) == [
        (["m003"], D(2015, 5, 2), "day"),
        (["m004"], D(2016, 1, 1), "year"),
    ]
    # with two visits that year, the one with more mentions
    reports = [
        mention(5, date=D(2014, 3, 3)),
        mention(6, date=D(2014, 9, 9)),
        mention(7, date=D(2014, 9, 10)),
        mention(8, date=D(2014, 1, 1), precision="year"),
    ]
    assert summary(cluster_mentions(reports)) == [
        (["m005"], D(2014, 3, 3), "day"),
        (["m006", "m007", "m008"], D(2014, 9, 9), "day"),
    ]
    # without a visit: one event per year
    reports = [
        mention(9, date=D(2012, 1, 1), precision="year"),
        mention(10, date=D(2013, 1, 1), precision="year"),
        mention(11, date=D(2012, 1, 1), precision="year"),
    ]
    assert summary(cluster_mentions(reports)) == [
        (["m009", "m011"], D(2012, 1, 1), "year"),
        (["m010"], D(2013, 1, 1), "year"),
    ]


def test_groups_keep_apart_whatever_the_dates():
    reports = [
        mention(1),
        mention(2, recipient="JPN"),
        mention(3, status="cancelled"),
        mention(4, status="planned"),
    ]
    reports[1]["event_mode"] = "call"
    other_type = mention(5)
    other_type["event_type"] = "MEET"
    events = cluster_mentions([*reports, other_type])
    assert sorted(e["mention_ids"] for e in events) == [["m001"], ["m002"], ["m003", "m004"], ["m005"]]
    assert sorted((e["event_type"], e["event_mode"], e["recipient_country"], e["status"]) for e in events) == [
        ("CONSULT", "call", "JPN", "occurred"),
        ("CONSULT", "visit", "CHN", "occurred"),
        ("CONSULT", "visit", "CHN", "planned"),  # m004 is the latest report (13 Nov)
        ("MEET", "visit", "CHN", "occurred"),
    ]


def test_unknown_precision_ranks_after_the_known_ones():
    (event,) = cluster_mentions([mention(1, precision="decade"), mention(2, date=D(2014, 11, 11))])
    assert (event["event_date"], event["date_precision"]) == (D(2014, 11, 11), "day")
    (event,) = cluster_mentions([mention(1, precision="decade")])
    assert (event["event_date"], event["date_precision"]) == (D(2014, 11, 10), "decade")


def test_rebuild_events_writes_one_file_per_bucket(tmp_path):
    lake = Lake.open(str(tmp_path / "data"))
    arts = [article(f"a{i:03d}", 1) for i in range(1, 5)]
    reports = [mention(1, date=D(2014, 11, 10)), mention(2, date=D(2014, 11, 12)), mention(3, date=D(2014, 3, 1)),
               mention(4, recipient="JPN", date=D(2014, 3, 1))]
    for r, a in zip(reports, arts):
        r.update(article_id=a["article_id"], content_hash=a["content_hash"], doc_id=a["doc_id"], recipient_name=None,
                 location_country=None, date_expression=None, explicit=True, extractor_version="t", run_id="r")
    publish(lake, "s1", arts, reports)
    assert rebuild_events(lake, gap_days=1) == 4
    expected = sorted(cluster_mentions(reports, gap_days=1), key=lambda e: e["event_id"])
    chn, jpn = (bucket_of(("CONSULT", "visit", "USA", r, "occurred")) for r in ("CHN", "JPN"))
    assert lake.files("events") == sorted(lake.path("events", f"bucket={b:02d}", "events.parquet") for b in {chn, jpn})
    rows = lake.read("events").to_pylist()
    assert sorted(rows, key=lambda e: e["event_id"]) == expected
    bucket = lake.read_files([lake.path("events", f"bucket={chn:02d}", "events.parquet")]).to_pylist()
    assert [r["event_id"] for r in bucket] == sorted(r["event_id"] for r in bucket)
    assert rebuild_events(lake, gap_days=2) == 3  # replaces the files
    assert len(lake.read("events")) == 3


@pytest.mark.parametrize(
    ("key", "bucket"),
    [(("CONSULT", "visit", "USA", "CHN", "occurred"), int(hashlib.sha256(b"CONSULT|visit|USA|CHN|occurred").hexdigest()[:8], 16) % 64),
     (("CONSULT", None, "USA", None, "planned"), int(hashlib.sha256(b"CONSULT|None|USA|None|planned").hexdigest()[:8], 16) % 64)],
)
def test_bucket_of(key, bucket):
    assert bucket_of(key) == bucket
    assert group_key(dict(zip(("event_type", "event_mode", "actor_country", "recipient_country", "status"), key))) == key


def test_order_of_the_mentions_does_not_matter():
    reports = [
        mention(1, date=D(2014, 3, 3), confidence=0.7),
        mention(2, date=D(2014, 3, 3), confidence=0.7),  # as confident as m001: the smaller id gives the evidence
        mention(3, date=D(2014, 12, 29), precision="week"),  # spans 2014 and 2015
        mention(4, date=D(2015, 1, 1), precision="year"),
        mention(5, date=D(2014, 1, 1), precision="year"),
        mention(6, date=D(2015, 6, 1)),
        mention(7, date=D(2015, 6, 2)),
        mention(8, date=None, precision="article", confidence=0.5),
        mention(9, date=None, precision="article", confidence=0.5),
    ]
    expected = sorted(cluster_mentions(reports), key=lambda e: e["event_id"])
    assert sorted(cluster_mentions(reports[::-1]), key=lambda e: e["event_id"]) == expected
    # the year 2015 goes to the visit of June (two dated mentions against the week's one), 2014 to March
    assert summary(expected) == [
        (["m001", "m002", "m005"], D(2014, 3, 3), "day"),
        (["m003"], D(2014, 12, 29), "week"),
        (["m004", "m006", "m007"], D(2015, 6, 1), "day"),
        (["m008", "m009"], None, "article"),
    ]
    by_ids = {tuple(e["mention_ids"]): e for e in expected}
    assert by_ids[("m001", "m002", "m005")]["evidence"] == "sentence 1"
    assert by_ids[("m008", "m009")]["evidence"] == "sentence 8"
    assert (by_ids[("m003",)]["period_start"], by_ids[("m003",)]["period_end"]) == (D(2014, 12, 29), D(2015, 1, 4))
    assert (by_ids[("m004", "m006", "m007")]["period_start"], by_ids[("m004", "m006", "m007")]["period_end"]) == (
        D(2015, 6, 1), D(2015, 6, 2))
    assert (by_ids[("m008", "m009")]["period_start"], by_ids[("m008", "m009")]["period_end"]) == (None, None)
    # a tie goes to the earlier visit, whatever the order of the mentions
    tie = [mention(11, date=D(2017, 9, 9)), mention(12, date=D(2017, 3, 3)), mention(13, date=D(2017, 1, 1), precision="year")]
    assert summary(cluster_mentions(tie)) == [(["m011"], D(2017, 9, 9), "day"), (["m012", "m013"], D(2017, 3, 3), "day")]
    (year_only,) = cluster_mentions([mention(10, date=D(2016, 1, 1), precision="year")])
    assert (year_only["period_start"], year_only["period_end"]) == (None, None)


# --- incremental: events kept up to date equal the events of a full re-cluster, exactly. These write
# articles and mentions straight into a lake (no Prefect); tests/test_incremental_events.py runs the pipeline.

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
PAIRS = [("USA", "CHN"), ("CHN", "USA"), ("FRA", "DEU"), ("IND", "KEN")]
PRECISIONS = ["day", "day", "day", "week", "month", "article", "year", None]


def article(article_id: str, version: int) -> dict:
    return {
        "article_id": article_id, "doc_id": article_id, "content_hash": f"{article_id}-v{version}",
        "source_key": f"feed.jsonl#{article_id}", "layout": "jsonl", "body": "text", "word_count": 1,
        "run_id": "r", "ingested_at": T0 + dt.timedelta(minutes=version), "reference_date": D(2014, 1, 5),
    }


def lake_mention(art: dict, n: int, pair: tuple[str, str], date: dt.date | None, precision: str, status: str) -> dict:
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
        rows.append(lake_mention(art, n, rng.choice(PAIRS), None if precision is None else date, precision or "article",
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
    # a connection of its own: the default one of `duckdb.sql` hangs in a process forked after
    # it ran (mutmut forks one per mutant), and a surviving mutant would be taken for a timeout
    with duckdb.connect() as con:
        superseded = con.sql(f"select count(*) from read_parquet('{lake.path('articles')}/*/*/*.parquet') "
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
    publish(lake, "s1", [new], [lake_mention(new, 0, ("IND", "KEN"), D(2014, 6, 11), "day", "occurred")])
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
    publish(lake, "s0", arts, [lake_mention(arts[0], 0, ("USA", "CHN"), D(2014, 6, 11), "day", "occurred")])
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
    publish(lake, "s0", [art], [lake_mention(art, 0, ("USA", "CHN"), date, precision, "cancelled")])
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
    publish(lake, "s1", [new], [lake_mention(new, 0, ("IND", "KEN"), D(2014, 6, 11), "day", "occurred")])
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


# --- the two tests below run the whole pipeline (they need the Prefect server of conftest.py)


def test_visit_counts_count_one_visit_reported_by_many_articles(tmp_path):
    from conftest import query
    from flows.pipeline import pipeline

    wordings = [
        "Indian Foreign Minister Subrahmanyam Jaishankar arrived in Nairobi on Monday for talks.",
        "India's foreign minister arrived in Nairobi on Monday, officials said.",
        "Subrahmanyam Jaishankar, India's foreign minister, visited Kenya on Monday.",
        "Indian Foreign Minister Subrahmanyam Jaishankar visited Kenya this week.",
    ]
    feed = tmp_path / "feed.jsonl"
    with open(feed, "w", encoding="utf-8") as f:
        for i in range(10):
            record = {"id": f"r-{i}", "source": f"Outlet {i % 5}", "published": f"2022-06-{15 + i % 2}",
                      "title": f"Report {i}", "text": wordings[i % len(wordings)] + f" Report number {i}."}
            f.write(json.dumps(record) + "\n")
    data_dir = tmp_path / "data"
    pipeline(paths=[str(feed)], data_dir=str(data_dir))
    assert query(data_dir, "select count(*) from visits where visitor_country = 'IND'")[0][0] == 10
    assert query(data_dir, "select visitor_country, host_country, month, visits, articles from visit_counts") == [
        ("IND", "KEN", dt.date(2022, 6, 1), 1, 10)
    ]
    assert query(data_dir, "select mentions, articles, sources, event_date from events") == [(10, 10, 5, dt.date(2022, 6, 13))]


def test_compaction_keeps_every_query_result(pipeline_run, tmp_path):
    import shutil

    from conftest import query
    from flows.maintenance import compact, rebuild
    from flows.pipeline import pipeline

    data_dir = tmp_path / "data"
    shutil.copytree(pipeline_run["data_dir"], data_dir)
    rebuild(data_dir=str(data_dir))
    extra = tmp_path / "more.jsonl"
    extra.write_text(json.dumps({"id": "m-1", "published": "2023-06-20", "title": "More",
                                 "text": "Chilean President Gabriel Boric visited Argentina on Monday."}) + "\n")
    pipeline(paths=[str(extra)], data_dir=str(data_dir))
    views = ("articles", "event_mentions", "visits", "events", "visit_counts", "quarantine")
    before = {v: sorted(query(data_dir, f"select * from {v}"), key=repr) for v in views}
    files_before = len(list((data_dir / "lake").rglob("part-*.parquet")))
    result = compact(data_dir=str(data_dir))
    assert result["partitions_rewritten"] >= 1
    assert len(list((data_dir / "lake").rglob("part-*.parquet"))) < files_before
    assert {v: sorted(query(data_dir, f"select * from {v}"), key=repr) for v in views} == before


def test_a_lake_without_mentions_has_no_event(tmp_path, monkeypatch):
    lake = Lake.open(str(tmp_path / "data"))
    assert update_events(lake, gap_days=3) == 0  # not even an article yet
    publish(lake, "s0", [article("a001", 1)], [])
    assert update_events(lake, gap_days=3) == 0
    assert lake.files("events") == [] and lake.exists(lake.path("events", "_state.json"))
    monkeypatch.setattr(cluster, "mention_changes", lambda con: pytest.fail("nothing changed"))
    assert update_events(lake, gap_days=3) == 0
