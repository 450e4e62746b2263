"""URLs, fetched from a real HTTP server on 127.0.0.1 that the tests start: pages, feeds and
their linked pages, politeness (User-Agent, robots.txt, rate limit, conditional requests)
and every failure ending as a rejection with its reason."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import query
from local_site import LocalSite, Page
from tasks.ingest import discover, read_inputs

WEB = Path(__file__).parent / "fixtures_web"
HTML = {"Content-Type": "text/html; charset=utf-8"}
USER_AGENT = "newsevents-test/1.0 (+mailto:desk@tide.example)"


@pytest.fixture
def site(monkeypatch):
    for key, value in {"ALLOW_PRIVATE_ADDRESSES": "1", "FETCH_RATE_PER_HOST": "50", "FETCH_RETRIES": "1",
                       "FETCH_BACKOFF_SECONDS": "0.05", "FETCH_TIMEOUT_SECONDS": "0.5", "FETCH_USER_AGENT": USER_AGENT,
                       "FETCH_MAX_BYTES": "20000"}.items():
        monkeypatch.setenv(f"NEWSEVENTS_{key}", value)
    with LocalSite() as local:
        feed = (WEB / "ferry.atom").read_text().replace("http://tide.example", local.url)
        local.routes.update({
            "/robots.txt": Page(b"User-agent: *\nDisallow: /members/\n", headers={"Content-Type": "text/plain"}),
            "/coast/lighthouse-keepers": Page((WEB / "lighthouse.html").read_bytes(), headers=HTML),
            "/coast/ferry-winter": Page((WEB / "ferry-winter.html").read_bytes(), headers=HTML),
            "/feed.atom": Page(feed.encode(), headers={"Content-Type": "application/atom+xml"}),
            "/broken": Page(b"oops", 500),
            "/loop-a": Page(status=302, headers={"Location": "/loop-b"}),
            "/loop-b": Page(status=302, headers={"Location": "/loop-a"}),
            "/moved": Page(status=301, headers={"Location": "/coast/lighthouse-keepers"}),
            "/slow": Page(b"<html><body><p>late</p></body></html>", headers=HTML, delay=3),
            "/members/notes": Page(b"<html><body><p>private notes</p></body></html>", headers=HTML),
            "/big": Page(b"<html><body><p>" + b"word " * 10_000 + b"</p></body></html>", headers=HTML),
            "/empty": Page((WEB / "empty_page.html").read_bytes(), headers=HTML),
        })
        yield local


def fetch(*urls, data_dir=None):
    files, missing = discover(list(urls))
    records, rejected = read_inputs(files, data_dir)
    return records, missing + rejected


def test_a_page_and_a_feed_whose_item_has_only_a_summary(site):
    records, rejected = fetch(f"{site.url}/coast/lighthouse-keepers", f"{site.url}/feed.atom")
    assert rejected == []
    ferry, lighthouse = sorted(records, key=lambda r: r.source_key)
    assert lighthouse.fields["title"] == "Lighthouse keepers return to Skerry Point"
    assert lighthouse.fields["url"] == f"{site.url}/coast/lighthouse-keepers"
    # the linked page is fetched: its full text, the feed's dates where the page has none
    assert ferry.source_key == f"{site.url}/coast/ferry-winter"
    assert ferry.text.startswith("Island ferry adds a winter sailing\n\nThe island ferry will run an extra sailing on winter Saturdays from November")
    assert (ferry.fields["published"], ferry.fields["updated"]) == ("2024-06-01T07:15:00+0100", "2024-06-02T10:00:00+00:00")
    assert sorted(site.paths()) == ["/coast/ferry-winter", "/coast/lighthouse-keepers", "/feed.atom", "/robots.txt"]
    assert {r.headers["user-agent"] for r in site.requests} == {USER_AGENT}


@pytest.mark.parametrize("path, reason, requests", [
    ("/nowhere", "http_404", 1),
    ("/broken", "http_500", 2),  # retried once
    ("/loop-a", "redirect_loop", 2),
    ("/slow", "timeout", 2),
    ("/members/notes", "robots_disallowed", 0),
    ("/big", "too_large", 1),
    ("/empty", "no_text", 1),
])
def test_fetch_failures_are_rejected_with_their_reason(site, path, reason, requests):
    records, rejected = fetch(site.url + path)
    assert records == []
    assert [(r.source, r.stage, r.reason) for r in rejected] == [(site.url + path, "ingest" if reason == "no_text" else "fetch", reason)]
    assert rejected[0].raw_hash and rejected[0].detail
    assert len([p for p in site.paths() if p != "/robots.txt"]) == requests


def test_a_redirect_is_followed(site):
    (record,), rejected = fetch(f"{site.url}/moved")
    assert (rejected, record.fields["url"]) == ([], f"{site.url}/coast/lighthouse-keepers")


def test_private_addresses_and_other_schemes_are_refused(site, monkeypatch):
    monkeypatch.setenv("NEWSEVENTS_ALLOW_PRIVATE_ADDRESSES", "0")
    records, rejected = fetch(f"{site.url}/coast/lighthouse-keepers", "ftp://tide.example/file.txt", "http://[fe80::1]/x")
    assert records == []
    assert sorted((r.stage, r.reason) for r in rejected) == [
        ("discover", "unsupported_url"), ("fetch", "private_address"), ("fetch", "private_address")]
    assert site.requests == []


def test_requests_to_one_host_are_spaced_by_the_rate_limit(site, monkeypatch):
    monkeypatch.setenv("NEWSEVENTS_FETCH_RATE_PER_HOST", "2")
    fetch(f"{site.url}/coast/lighthouse-keepers", f"{site.url}/coast/ferry-winter", f"{site.url}/nowhere")
    times = [r.at for r in site.requests]  # robots.txt and three pages, sent 0.5 s apart (arrivals jitter a little)
    assert len(times) == 4 and times[-1] - times[0] >= 1.4 and min(b - a for a, b in zip(times, times[1:])) >= 0.35


def test_a_page_fetched_before_is_asked_for_only_if_changed(site, tmp_path):
    version = {"etag": '"v1"', "body": (WEB / "lighthouse.html").read_bytes()}

    def page(request):
        if request.headers.get("if-none-match") == version["etag"]:
            return Page(status=304, headers={"ETag": version["etag"]})
        return Page(version["body"], headers={**HTML, "ETag": version["etag"]})

    site.routes["/coast/lighthouse-keepers"] = page
    url = f"{site.url}/coast/lighthouse-keepers"
    first, _ = fetch(url, data_dir=str(tmp_path))
    again, _ = fetch(url, data_dir=str(tmp_path))
    assert [r.raw_hash for r in again] == [r.raw_hash for r in first]  # the body kept in the lake
    version.update(etag='"v2"', body=version["body"].replace(b"Two keepers", b"Three keepers"))
    changed, _ = fetch(url, data_dir=str(tmp_path))
    assert "Three keepers" in changed[0].text
    asked = [r.headers.get("if-none-match") for r in site.requests if r.path != "/robots.txt"]
    assert asked == [None, '"v1"', '"v1"']


def test_newsevents_run_over_a_feed_url_fetches_only_what_changed(site, tmp_path):
    from flows.pipeline import pipeline

    for path in ("/feed.atom", "/coast/ferry-winter"):
        served = site.routes[path]
        site.routes[path] = lambda request, served=served, path=path: (
            Page(status=304) if request.headers.get("if-none-match") == f'"{path}"'
            else Page(served.body, headers={**served.headers, "ETag": f'"{path}"'}))
    data = tmp_path / "data"
    first = pipeline(paths=[f"{site.url}/feed.atom"], data_dir=str(data))
    again = pipeline(paths=[f"{site.url}/feed.atom"], data_dir=str(data))
    assert (first["articles"], first["quarantined"], again["articles"], again["unchanged"]) == (1, 0, 0, 1)
    assert query(data, "select title, url from articles") == [("Island ferry adds a winter sailing", f"{site.url}/coast/ferry-winter")]
    statuses = [(r.path, r.headers.get("if-none-match")) for r in site.requests if r.path != "/robots.txt"]
    assert statuses == [("/feed.atom", None), ("/coast/ferry-winter", None),
                        ("/feed.atom", '"/feed.atom"'), ("/coast/ferry-winter", '"/coast/ferry-winter"')]


def test_a_site_whose_robots_txt_fails_is_not_fetched_now(site):
    site.routes["/robots.txt"] = Page(b"down", 503)
    records, (row,) = fetch(f"{site.url}/coast/lighthouse-keepers")
    assert (records, row.reason) == ([], "robots_disallowed")
    assert "did not answer (or answered 5xx)" in row.detail
    assert site.paths() == ["/robots.txt"]
