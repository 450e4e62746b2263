"""A corpus run through the real pipeline in pieces gives exactly the events of the run at once.

The incremental clustering itself is tested on lakes written directly (no Prefect) in
tests/test_cluster.py, which mutation testing runs.
"""
from __future__ import annotations

import datetime as dt
import json

D = dt.date


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

