"""Formats read by a maintained library each: HTML pages, RSS and Atom feeds, WARC files,
legacy encodings; and the same article in four formats gives one set of values."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from conftest import query
from local_site import write_warc
from tasks.ingest import discover, plan_shards, read_inputs

WEB = Path(__file__).parent / "fixtures_web"
BODY = (
    "Two keepers moved back into the Skerry Point lighthouse on Monday, forty years after the light was automated, "
    "as part of a trial run by the harbour trust.\n\n"
    "The trust said the keepers would record weather readings every three hours and guide visitors around the tower "
    "during the summer months.\n\n"
    "Fishing crews in the bay welcomed the return and said a staffed light made the rocky channel feel safer in winter storms."
)
TITLE = "Lighthouse keepers return to Skerry Point"


def read(*paths) -> tuple[list, list]:
    files, missing = discover([str(p) for p in paths])
    records, rejected = read_inputs(files)
    return records, missing + rejected


def test_html_page_text_and_metadata():
    (record,), rejected = read(WEB / "lighthouse.html")
    assert rejected == []
    assert record.text == f"{TITLE}\n\n{BODY}"
    assert record.encoding == "utf-8"
    assert record.fields == {
        "title": TITLE, "published": "2024-05-14T08:45:00+0000", "updated": None, "authors": ["Ailsa Brodie"],
        "url": "http://tide.example/coast/lighthouse-keepers", "canonical_url": "http://tide.example/coast/lighthouse-keepers",
        "source": "Northern Tide", "site_name": "Northern Tide", "language": "en",
    }


def test_rss_item_with_full_content_and_atom_item_with_a_summary():
    records, rejected = read(WEB / "lighthouse.rss", WEB / "ferry.atom")
    assert rejected == []
    ferry, lighthouse = records
    assert lighthouse.source_key.endswith("lighthouse.rss#tide-2024-0514-keepers")
    assert lighthouse.text == BODY
    assert lighthouse.fields["published"] == "2024-05-14T08:45:00+00:00"
    assert lighthouse.fields["authors"] == ["Ailsa Brodie"]
    assert lighthouse.fields["language"] == "en"
    # a feed read from a file is not followed to its pages: the summary is the article
    assert ferry.text == "The island ferry will run an extra sailing on winter Saturdays."
    assert (ferry.fields["published"], ferry.fields["updated"]) == ("2024-06-01T06:15:00+00:00", "2024-06-02T10:00:00+00:00")
    assert ferry.fields["url"] == "http://tide.example/coast/ferry-winter"


def test_warc_html_responses_become_pages_with_the_records_uri_and_date(tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    undated = b"<html><body><article><p>The harbour trust will open the lighthouse tower to visitors every Saturday this summer.</p></article></body></html>"
    write_warc(warc, [("http://tide.example/coast/lighthouse-keepers", (WEB / "lighthouse.html").read_bytes()),
                      ("http://tide.example/coast/tower-open", undated)])
    (keepers, tower), rejected = read(warc)
    assert rejected == []
    assert keepers.source_key == f"{warc}#http://tide.example/coast/lighthouse-keepers"
    assert (keepers.fields["title"], keepers.text) == (TITLE, f"{TITLE}\n\n{BODY}")
    assert tower.fields["url"] == "http://tide.example/coast/tower-open"
    assert tower.fields["published"] == "2024-05-20T10:00:00Z"  # no date in the page: the capture's


def test_a_large_warc_is_read_in_ranges_of_whole_records(tmp_path):
    warc = tmp_path / "big.warc.gz"
    pages = [(f"http://tide.example/n{i}", f"<html><body><article><p>Notice number {i} of the harbour trust about berths, "
              f"tides and the opening hours of the lighthouse tower.</p></article></body></html>".encode()) for i in range(60)]
    write_warc(warc, pages)
    files, _ = discover([str(warc)])
    shards = plan_shards(files, 4000, min_range_bytes=4000)
    assert len(shards) > 3
    urls = [r.fields["url"] for shard in shards for r in read_inputs(shard)[0]]
    assert urls == [uri for uri, _ in pages]


@pytest.mark.parametrize("name, encoding, ending", [
    ("turkish_cp1254.txt", "cp1254", "öğle saatlerinde uzun kuyruklar oluşturuyor."),
    ("french_latin1.txt", "cp1252", "préfèrent les routes côtières à l'été."),
    ("german_cp1252.txt", "cp1252", "Die Straßen sind voll – „schön“ ist anders, meinte ein Pendler."),
    ("spanish_utf16.txt", "utf-16-le", "prefieren la carretera de la costa."),
    ("mojibake_utf8.txt", "utf-8+ftfy", "The mayor’s office said café owners on the quay were pleased that the bridge reopened before the summer season."),
])
def test_legacy_encodings_are_detected_decoded_and_recorded(name, encoding, ending):
    (record,), rejected = read(WEB / "encodings" / name)
    assert rejected == []
    assert (record.encoding, record.text.strip().endswith(ending)) == (encoding, True)


def test_compressed_text_and_html_are_read(tmp_path):
    (tmp_path / "page.html.gz").write_bytes(gzip.compress((WEB / "lighthouse.html").read_bytes()))
    (tmp_path / "note.txt.gz").write_bytes(gzip.compress((WEB / "encodings" / "turkish_cp1254.txt").read_bytes()))
    (note, page), rejected = read(tmp_path)
    assert rejected == []
    assert (note.encoding, page.fields["title"]) == ("cp1254", TITLE)


def test_the_same_article_as_html_feed_item_warc_record_and_text_gives_the_same_values(tmp_path):
    from flows.pipeline import pipeline

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(WEB / "lighthouse.html", inputs)
    shutil.copy(WEB / "lighthouse.rss", inputs)
    shutil.copy(WEB / "lighthouse.txt", inputs)
    write_warc(inputs / "crawl.warc.gz", [("http://tide.example/coast/lighthouse-keepers?from=crawl", (WEB / "lighthouse.html").read_bytes())])
    summary = pipeline(paths=[str(inputs)], data_dir=str(tmp_path / "data"))
    assert summary["quarantined"] == 0
    rows = query(tmp_path / "data", "select source_key, title, strftime(coalesce(published_at, updated_at) at time zone 'UTC', "
                 "'%Y-%m-%d %H:%M'), authors, body from articles order by source_key")
    assert [r[0].removeprefix(f"{inputs}/") for r in rows] == [
        "crawl.warc.gz#http://tide.example/coast/lighthouse-keepers?from=crawl", "lighthouse.html",
        "lighthouse.rss#tide-2024-0514-keepers", "lighthouse.txt",
    ]
    assert [r[1:] for r in rows] == [(TITLE, "2024-05-14 08:45", ["Ailsa Brodie"], BODY)] * 4
    # one article, the other three are its known duplicates; the encoding found is kept in the lake
    assert query(tmp_path / "data", "select count(*), count(duplicate_of) from articles") == [(4, 3)]
    assert query(tmp_path / "data", "select distinct encoding from raw_articles") == [("utf-8",)]
