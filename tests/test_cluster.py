"""Events, not mentions: one visit reported by many articles is one event."""
from __future__ import annotations

import datetime as dt
import json

from conftest import query
from tasks.cluster import cluster_mentions


def mention(i, actor="USA", recipient="CHN", date=dt.date(2014, 11, 10), precision="day", status="occurred", source=None):
    return {
        "mention_id": f"m{i:03d}",
        "article_id": f"a{i:03d}",
        "event_type": "CONSULT",
        "event_mode": "visit",
        "cameo_code": "042",
        "actor_country": actor,
        "recipient_country": recipient,
        "actor_name": None,
        "event_date": date,
        "date_precision": precision,
        "status": status,
        "sentence": f"sentence {i}",
        "confidence": 0.9,
        "source": source or f"outlet-{i}",
        "reference_date": dt.date(2014, 11, 12) + dt.timedelta(days=i % 3),
    }


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


def test_visit_counts_count_one_visit_reported_by_many_articles(tmp_path):
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
