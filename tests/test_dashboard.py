"""The dashboard in a real browser: `newsevents dashboard` on a lake built here, driven in headless Chromium.

The lake comes from a real pipeline run over articles written for this test; the app is
started by the console script on a free port and driven through Playwright pointed at the
system's Chromium (no browser is downloaded). The numbers on the page are checked against
SQL on the same warehouse, and the drill-down against the evidence sentences extracted.
"""
from __future__ import annotations

import json
import re
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port, query

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BIN = Path(sys.executable).parent / "newsevents"
ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")

# Articles written for this test: one visit reported three times, single visits, a planned one.
ARTICLES = [
    ("d-001", "Kenyan president in Addis Ababa", "2023-03-08", "Lakeside Herald",
     "Kenyan President William Ruto arrived in Addis Ababa on Monday for a two-day state visit.\n\n"
     "He held talks with Ethiopian Prime Minister Abiy Ahmed on trade and regional security."),
    ("d-002", "Ruto and Abiy sign road deal", "2023-03-09", "Highland Daily",
     "Kenyan President William Ruto, on a state visit to Ethiopia this week, signed a road agreement with "
     "Prime Minister Abiy Ahmed in Addis Ababa on Tuesday.\n\nThe two leaders also discussed electricity exports."),
    ("d-003", "Norwegian minister visits Tokyo", "2023-04-20", "Fjord Wire",
     "Norwegian Foreign Minister Anniken Huitfeldt visited Tokyo on Wednesday, meeting her Japanese counterpart "
     "Yoshimasa Hayashi to discuss offshore wind.\n\nThe ministers agreed to meet again next year."),
    ("d-004", "Chilean president travels to Lima", "2023-05-03", "Andes Post",
     "Chilean President Gabriel Boric travelled to Lima on Tuesday, where he met Peruvian President Dina Boluarte "
     "at the government palace.\n\nThey spoke about migration along the border."),
    ("d-005", "Indian minister to visit Nairobi", "2023-05-10", "Lakeside Herald",
     "Indian Foreign Minister Subrahmanyam Jaishankar will visit Nairobi next month, the foreign ministry said on "
     "Wednesday.\n\nThe trip is meant to expand trade ties."),
    ("d-006", "Ethiopian premier in Nairobi", "2023-05-24", "Highland Daily",
     "Ethiopian Prime Minister Abiy Ahmed arrived in Nairobi on Monday for talks with President William Ruto.\n\n"
     "The visit returned Ruto's trip to Addis Ababa in March."),
]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the dashboard did not answer at {url} within {timeout} s")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """A lake from a real pipeline run, and `newsevents dashboard` serving it; yields (url, data dir)."""
    from flows.pipeline import pipeline

    root = tmp_path_factory.mktemp("dashboard")
    feed = root / "articles.jsonl"
    with open(feed, "w", encoding="utf-8") as f:
        for doc_id, title, published, source, text in ARTICLES:
            f.write(json.dumps({"id": doc_id, "title": title, "published": published, "source": source,
                                "url": f"https://news.example.test/{doc_id}", "text": text}) + "\n")
        f.write('{"id": "d-007", "title": "cut short\n')  # quarantined
    data_dir = root / "data"
    pipeline(paths=[str(feed)], data_dir=str(data_dir))
    port = free_port()
    proc = subprocess.Popen([str(BIN), "dashboard", "--data-dir", str(data_dir), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, data_dir
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def page():
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=30_000)  # the first page of a fresh server imports the app's modules
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1100})
            tab.set_default_timeout(20_000)
            yield tab
        finally:
            browser.close()


def _visit_sql(where: str = "", value: str = "1") -> int:
    """SQL the test writes itself: the visit events of the fixture, counted as `value`."""
    return (f"select coalesce(sum({value}), 0) from events where event_type = 'CONSULT' and event_mode = 'visit' "
            f"and event_date between (select min(event_date) from events) and (select max(event_date) from events) {where}")


def test_numbers_filters_and_drill_down_match_the_warehouse(dashboard, page):
    from playwright.sync_api import expect

    url, data_dir = dashboard
    occurred = query(data_dir, _visit_sql("and status = 'occurred'"))[0][0]
    mentions_ken = query(data_dir, _visit_sql("and status = 'occurred' and 'KEN' in (actor_country, recipient_country)",
                                              "mentions"))[0][0]
    pairs_ken = query(data_dir, "select count(distinct (actor_country, recipient_country)) from events "
                                "where event_mode = 'visit' and status = 'occurred' and 'KEN' in (actor_country, recipient_country)")[0][0]
    assert (occurred, mentions_ken, pairs_ken) == (4, 4, 2)  # the fixture as the pipeline reads it

    page.goto(url)
    headline = page.locator('[data-testid="stMetricValue"]')
    expect(headline.first).to_have_text(str(occurred))
    expect(page.locator('[data-testid="stMetricLabel"]').first).to_contain_text("Visits (events)")

    # change two filters: count mentions, only visits to or from Kenya
    page.locator('[data-testid="stRadio"]').get_by_text("mentions", exact=True).click()
    expect(page.locator('[data-testid="stMetricLabel"]').first).to_contain_text("Reports (mentions)")
    countries = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Countries").locator("input")
    countries.click()
    countries.fill("KEN")
    countries.press("Enter")
    countries.press("Escape")
    expect(headline.nth(0)).to_have_text(str(mentions_ken))
    expect(headline.nth(1)).to_have_text(str(pairs_ken))
    assert "count=mentions" in page.url and "countries=KEN" in page.url

    # the URL alone gives the same view
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    expect(headline.nth(0)).to_have_text(str(mentions_ken))

    # drill down from the top pair (KEN -> ETH, three reports) to its evidence sentences and articles
    evidence = query(data_dir, "select evidence, url from visits join articles using (article_id) "
                               "where visitor_country = 'KEN' and host_country = 'ETH' and status = 'occurred' order by 1")
    assert len(evidence) == 3
    page.get_by_role("tab", name="Top pairs").click()
    grid = page.locator('[data-testid="stDataFrame"]').filter(visible=True).first
    grid.wait_for(state="visible")
    page.wait_for_timeout(500)  # the grid's canvas is drawn after the element appears
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)  # the first row's selection box
    expect(page.get_by_text("The 3 report(s) behind it")).to_be_visible()
    quotes = page.locator("blockquote").filter(visible=True)
    expect(quotes).to_have_count(3)
    assert sorted(quotes.all_inner_texts()) == [e for e, _ in evidence]
    for _, link in evidence:
        expect(page.locator(f'a[href="{link}"]').filter(visible=True)).to_have_count(1)
    assert page.locator('[data-testid="stException"]').count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-drill-down.png"), full_page=True)


def test_empty_range_and_quarantine_are_messages_not_tracebacks(dashboard, page):
    from playwright.sync_api import expect

    url, data_dir = dashboard
    page.goto(f"{url}/?dates=2001-01-01&dates=2001-01-31")
    expect(page.get_by_text("No occurred visits between 2001-01-01 and 2001-01-31 with these filters.")).to_be_visible()
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("0")
    quarantined = query(data_dir, "select count(*) from quarantine")[0][0]
    assert quarantined == 1
    page.get_by_role("tab", name="Quarantine").click()
    expect(page.get_by_text("Inputs that could not become an article")).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_heatmap_cell_opens_its_visits(dashboard, page):
    from playwright.sync_api import expect

    url, data_dir = dashboard
    (sentence,) = query(data_dir, "select evidence from visits where visitor_country = 'NOR' and host_country = 'JPN'")[0]
    page.goto(f"{url}/?countries=NOR")  # one pair: the heatmap is a single cell
    chart = page.locator('[data-testid="stVegaLiteChart"]').filter(visible=True).first
    chart.wait_for(state="visible")
    page.wait_for_timeout(500)
    box = chart.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.7)  # below the axis at the top
    expect(page.get_by_text("The 1 report(s) behind it")).to_be_visible()
    expect(page.locator("blockquote").filter(visible=True)).to_have_text([sentence])


def test_map_draws_without_the_network(dashboard, page):
    from playwright.sync_api import expect

    url, _ = dashboard
    elsewhere = []
    page.on("request", lambda r: None if r.url.startswith((url, "data:", "blob:")) else elsewhere.append(r.url))
    page.goto(f"{url}/?view=Map")
    expect(page.get_by_text("Arcs run from the visitor's capital")).to_be_visible()
    chart = page.locator('[data-testid="stVegaLiteChart"]').filter(visible=True).first
    expect(chart.locator("canvas, svg").first).to_be_visible()
    page.wait_for_timeout(1000)
    assert elsewhere == []
    assert page.locator('[data-testid="stException"]').count() == 0


def test_keeps_answering_while_a_run_writes_then_shows_the_new_warehouse(dashboard, page, tmp_path):
    """Last in this file: it adds a visit to the shared lake."""
    from playwright.sync_api import expect

    from flows.pipeline import pipeline

    url, data_dir = dashboard
    before = query(data_dir, _visit_sql("and status = 'occurred'"))[0][0]
    feed = tmp_path / "more.jsonl"
    feed.write_text(json.dumps({
        "id": "d-101", "title": "Mexican president in Ottawa", "published": "2023-04-12", "source": "Maple Courier",
        "url": "https://news.example.test/d-101",
        "text": "Mexican President Andres Manuel Lopez Obrador arrived in Ottawa on Monday for talks with "
                "Canadian Prime Minister Justin Trudeau.\n\nThe leaders discussed trade and migration.",
    }) + "\n", encoding="utf-8")
    summaries = []
    run = threading.Thread(target=lambda: summaries.append(pipeline(paths=[str(feed)], data_dir=str(data_dir))))
    run.start()
    headline = page.locator('[data-testid="stMetricValue"]').first
    loads = 0
    while run.is_alive() or loads == 0:
        page.goto(url)
        expect(headline).to_have_text(re.compile(rf"^({before}|{before + 1})$"))
        assert page.locator('[data-testid="stException"]').count() == 0
        loads += 1
    run.join()
    assert summaries and summaries[0]["articles"] == 1
    after = query(data_dir, _visit_sql("and status = 'occurred'"))[0][0]
    assert after == before + 1
    page.goto(url)
    expect(headline).to_have_text(str(after))
