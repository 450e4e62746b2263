"""The whole DAG as real Prefect flow runs over our fixtures: lake, views, quarantine, re-runs."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from conftest import FIXTURES, query

VIEWS = ("articles", "event_mentions", "visits", "events", "visit_counts", "quarantine")


def lake_files(data_dir: Path) -> set[str]:
    return {str(p.relative_to(data_dir)) for p in (data_dir / "lake").rglob("*.parquet")}


def counts(data_dir: Path) -> dict[str, int]:
    return {v: query(data_dir, f"select count(*) from {v}")[0][0] for v in VIEWS}


def test_every_input_ends_as_article_duplicate_or_quarantine(pipeline_run):
    data_dir = pipeline_run["data_dir"]
    reasons = dict(query(data_dir, "select regexp_extract(source, '[^/]+$'), reason from quarantine"))
    assert reasons == {
        "does-not-exist.txt": "not_found",
        "empty.txt": "empty",
        "blank.txt": "empty",
        "image.txt": "binary",
        "title_only.txt": "no_body",
        "wire.jsonl#L4": "bad_json",
        "wire.jsonl#L5": "no_text",
    }
    docs = {r[0]: r[1] for r in query(data_dir, "select doc_id, duplicate_of from articles")}
    assert set(docs) == {"anka_chile_peru", "berlin_note", "latin1", "plain_note", "t-001", "t-002", "t-003"}
    first = query(data_dir, "select article_id from articles where doc_id = 't-001'")[0][0]
    assert docs["t-002"] == first  # same text, other source: a known duplicate
    summary = pipeline_run["summary"]
    assert (summary["articles"], summary["duplicates"], summary["quarantined"]) == (6, 1, 7)


def test_newsdesk_metadata(pipeline_run):
    row = query(
        pipeline_run["data_dir"],
        "select title, standfirst, publisher, desk, authors, updated_at_local, timezone, language, word_count, body "
        "from articles where doc_id = 'anka_chile_peru'",
    )[0]
    title, standfirst, publisher, desk, authors, updated_local, tz, language, words, body = row
    assert title == "Chilean president heads to Lima for port talks"
    assert standfirst.startswith("The visit is the first")
    assert (publisher, desk) == ("Anka Review", "Foreign Desk")
    assert authors == ["Deniz Aksoy", "Mert Yalın"]
    assert updated_local == dt.datetime(2023, 6, 9, 18, 5)
    assert tz == "Europe/Istanbul"  # from the Turkish label of the dated line
    assert language == "en"
    assert not body.startswith(title) and "Güncelleme" not in body and "Aksoy" not in body
    assert words == len(body.split())


def test_jsonl_metadata_and_plain_text_title(pipeline_run):
    data_dir = pipeline_run["data_dir"]
    url, published, source = query(data_dir, "select url, published_at, source from articles where doc_id = 't-001'")[0]
    assert url == "https://example.test/a/1"
    assert published == dt.datetime(2022, 6, 15, 5, 0, tzinfo=published.tzinfo)
    assert published.utcoffset() == dt.timedelta(0)
    assert source == "Test Wire"
    title, body = query(data_dir, "select title, body from articles where doc_id = 'plain_note'")[0]
    assert title == "Finland and Estonia plan a joint rail study"
    assert body.startswith("The two governments agreed")
    assert query(data_dir, "select title, body, encoding from raw_articles where doc_id = 'latin1'") == [
        ("Café title", "Président visited.", "cp1252")]  # latin-1 text, read as its superset cp1252


def test_visits_are_dated_from_the_text(pipeline_run):
    rows = query(
        pipeline_run["data_dir"],
        "select doc_id, visitor_country, host_country, event_date, date_precision, status from visits order by all",
    )
    assert ("anka_chile_peru", "CHL", "PER", dt.date(2023, 6, 8), "day", "occurred") in rows
    assert ("anka_chile_peru", "PER", "CHL", dt.date(2023, 3, 1), "month", "occurred") in rows
    assert ("berlin_note", "AUT", "DEU", dt.date(2023, 3, 6), "week", "planned") in rows
    assert ("t-001", "IND", "KEN", dt.date(2022, 6, 13), "day", "occurred") in rows
    assert not [r for r in rows if r[0] in ("t-002", "t-003")]  # a duplicate; a phone call


def test_visit_counts_count_events_not_mentions(pipeline_run):
    rows = query(pipeline_run["data_dir"], "select * from visit_counts order by all")
    assert ("IND", "KEN", dt.date(2022, 6, 1), 1, 1) in rows
    assert all(r[3] == 1 for r in rows)
    # only occurred visits are counted
    assert not [r for r in rows if (r[0], r[1]) == ("AUT", "DEU")]


def test_partitions_follow_dates(pipeline_run):
    files = lake_files(pipeline_run["data_dir"])
    assert any(f.startswith("lake/articles/year=2023/month=06/part-") for f in files)
    assert any(f.startswith("lake/event_mentions/year=2023/month=03/part-") for f in files)
    assert any(f.startswith("lake/articles/year=0000/month=00/") for f in files)  # the undated plain note
    assert not list((pipeline_run["data_dir"] / "lake" / "_staging").iterdir())
    assert not list((pipeline_run["data_dir"] / "lake" / "_journal").iterdir())


def test_rerun_adds_nothing(pipeline_run, tmp_path):
    from flows.pipeline import pipeline

    data_dir = tmp_path / "data"
    shutil.copytree(pipeline_run["data_dir"], data_dir)
    from warehouse.build import build_warehouse
    from warehouse.lake import Lake

    build_warehouse(Lake.open(str(data_dir)))  # views point at the copy
    before, files = counts(data_dir), lake_files(data_dir)
    summary = pipeline(paths=[str(pipeline_run["inputs"])], data_dir=str(data_dir))
    assert counts(data_dir) == before
    assert lake_files(data_dir) - files <= {"lake/events/events.parquet"}
    assert summary["articles"] == 0 and summary["quarantined"] == 0


def test_changed_article_replaces_its_old_version(tmp_path):
    from flows.pipeline import pipeline

    feed = tmp_path / "feed.jsonl"
    record = {
        "id": "x-1",
        "url": "https://example.test/story",
        "published": "2022-06-15",
        "title": "Minister travels",
        "text": "Indian Foreign Minister Subrahmanyam Jaishankar arrived in Nairobi on Monday.",
    }
    feed.write_text(json.dumps(record) + "\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    pipeline(paths=[str(feed)], data_dir=str(data_dir))
    record["text"] = "Indian Foreign Minister Subrahmanyam Jaishankar arrived in Addis Ababa on Monday."
    feed.write_text(json.dumps(record) + "\n", encoding="utf-8")
    pipeline(paths=[str(feed)], data_dir=str(data_dir))
    assert query(data_dir, "select count(*) from articles")[0][0] == 1
    assert query(data_dir, "select visitor_country, host_country from visits") == [("IND", "ETH")]
    assert query(data_dir, "select count(*) from raw_articles")[0][0] == 2  # both versions kept in the lake

    from flows.maintenance import compact

    assert compact(data_dir=str(data_dir))["superseded_rows_dropped"] == 2  # the old article and its mention
    assert query(data_dir, "select count(*) from raw_articles")[0][0] == 1
    assert query(data_dir, "select count(*) from raw_event_mentions")[0][0] == 1
    assert query(data_dir, "select visitor_country, host_country from visits") == [("IND", "ETH")]
