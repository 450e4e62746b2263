"""The dashboard on a large lake: DuckDB time of the overview's queries and first paint in Chromium.

    python benchmarks/bench_dashboard.py [--articles 1000000] [--lake /tmp/newsevents-bench-dashboard] [--runs 3]

Builds (once, then reuses) a synthetic lake of ``--articles`` articles written straight to
Parquet through the lake's contracts (``schemas/``, ``Lake.write_parquet``), with visit
mentions and events in the proportions of real news (about 0.25 visit mentions per article,
2.5 mentions per event) and a quarantine; bodies are short filler, since no dashboard query
reads them. Then prints the DuckDB time of every overview query, starts
``newsevents dashboard`` on it and measures, in headless Chromium (the system's), the time
from navigation to the headline numbers being visible: the first page after the server
starts (it imports the app's modules), then new browsers (nothing cached: Streamlit's
scripts are loaded again) and a returning one (its cache holds them) with filters not yet
cached, then filters already cached. Target: under 2 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from schemas import ARTICLES, EVENT_MENTIONS, QUARANTINE, validate  # noqa: E402
from warehouse.lake import Lake  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MONTHS = [(y, m) for y in (2021, 2022, 2023) for m in range(1, 13)]
SHARDS = 8  # files per month and dataset, as eight pipeline runs would leave them before compaction


def _ids(prefix: str, n: int, offset: int = 0) -> pa.Array:
    return pa.array([f"{prefix}{i:015x}" for i in range(offset, offset + n)], pa.string())


def _countries(rng: np.random.Generator, n: int) -> np.ndarray:
    """Country codes drawn Zipf-like: a few countries visit and host most."""
    codes = np.array(sorted(_country_codes()))
    weights = 1.0 / np.arange(1, len(codes) + 1) ** 1.1
    return rng.choice(codes, size=n, p=weights / weights.sum())


def _country_codes() -> list[str]:
    from newsevents.dashboard.places import capitals

    return list(capitals())[:160]


def _table(contract, columns: dict) -> pa.Table:
    """A table of the contract; nullable columns not given here (added to the contract later) are nulls."""
    n = len(next(iter(columns.values())))
    columns = {f.name: columns[f.name] if f.name in columns or not f.nullable else pa.nulls(n, f.type)
               for f in contract.schema}
    table = pa.table(columns, schema=contract.schema)
    validate(contract, table)
    return table.replace_schema_metadata(contract.with_metadata().metadata)


def build_lake(data_dir: str, n_articles: int, seed: int = 7) -> None:
    """Write the synthetic lake (articles, event_mentions, events, quarantine) and its warehouse."""
    from tasks.cluster import rebuild_events
    from warehouse.build import build_warehouse

    rng = np.random.default_rng(seed)
    lake = Lake.open(data_dir)
    run = "bench-run"
    now = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    # visits first; each is reported 1..10 times, each report in its own article
    n_visits = n_articles // 10
    sizes = np.minimum(rng.geometric(0.4, n_visits), 10)
    n_mentions = int(sizes.sum())
    days = (dt.date(2023, 12, 31) - dt.date(2021, 1, 1)).days
    visit_day = rng.integers(0, days, n_visits)
    event_date = np.array([dt.date(2021, 1, 1) + dt.timedelta(days=int(d)) for d in visit_day])
    visitor = _countries(rng, n_visits)
    host = _countries(rng, n_visits)
    same = visitor == host
    host[same] = np.roll(host, 1)[same]
    status = rng.choice(["occurred", "planned", "cancelled"], size=n_visits, p=[0.7, 0.25, 0.05])
    confidence = rng.uniform(0.25, 1.0, n_visits).round(4)
    precision = rng.choice(["day", "week", "month", "article"], size=n_visits, p=[0.5, 0.2, 0.2, 0.1])
    visit_of_mention = np.repeat(np.arange(n_visits), sizes)
    mention_ids = [f"m{i:019x}" for i in range(n_mentions)]
    article_of_mention = rng.permutation(n_articles)[:n_mentions]  # a mention per article at most
    evidence = np.array([f"The delegation of {v} arrived in the capital of {h}." for v, h in zip(visitor, host)])

    # articles: dated around their events' mentions; the rest spread over the three years
    article_day = rng.integers(0, days, n_articles)
    article_day[article_of_mention] = np.minimum(visit_day[visit_of_mention] + 2, days)
    reference = np.array([dt.date(2021, 1, 1) + dt.timedelta(days=int(d)) for d in article_day])
    article_ids = [f"a{i:015x}" for i in range(n_articles)]
    hashes = [f"h{i:015x}" for i in range(n_articles)]
    month_key = np.array([d.year * 100 + d.month for d in reference])
    shard = rng.integers(0, SHARDS, n_articles)
    articles = _table(ARTICLES, {
        "article_id": pa.array(article_ids), "doc_id": pa.array(article_ids), "content_hash": pa.array(hashes),
        "source_key": pa.array([f"bench.jsonl:{i}" for i in range(n_articles)]),
        "layout": pa.array(["jsonl"] * n_articles),
        "title": pa.array([f"Report {i}" for i in range(n_articles)]),
        "standfirst": pa.nulls(n_articles, pa.string()),
        "publisher": pa.array(rng.choice([f"Outlet {i}" for i in range(40)], n_articles)),
        "desk": pa.nulls(n_articles, pa.string()),
        "authors": pa.nulls(n_articles, pa.list_(pa.string())),
        "published_at": pa.array([dt.datetime(d.year, d.month, d.day, 9, tzinfo=dt.UTC) for d in reference],
                                 pa.timestamp("us", tz="UTC")),
        "updated_at": pa.nulls(n_articles, pa.timestamp("us", tz="UTC")),
        "timezone": pa.nulls(n_articles, pa.string()),
        "reference_date": pa.array(reference, pa.date32()),
        "language": pa.array(["en"] * n_articles),
        "url": pa.array([f"https://news.example.test/{a}" for a in article_ids]),
        "source": pa.array(["bench"] * n_articles),
        "body": pa.array(["Filler text of a synthetic article; no dashboard query reads bodies."] * n_articles),
        "word_count": pa.array(np.full(n_articles, 400), pa.int32()),
        "duplicate_of": pa.nulls(n_articles, pa.string()),
        "run_id": pa.array([run] * n_articles),
        "ingested_at": pa.array([now] * n_articles, pa.timestamp("us", tz="UTC")),
    })
    _write_partitioned(lake, ARTICLES, articles, month_key, shard)

    m_visit = visit_of_mention
    m_date = event_date[m_visit]
    m_article = article_of_mention
    mentions = _table(EVENT_MENTIONS, {
        "mention_id": pa.array(mention_ids),
        "article_id": pa.array([article_ids[a] for a in m_article]),
        "content_hash": pa.array([hashes[a] for a in m_article]),
        "doc_id": pa.array([article_ids[a] for a in m_article]),
        "event_type": pa.array(["CONSULT"] * n_mentions), "event_mode": pa.array(["visit"] * n_mentions),
        "cameo_code": pa.array(["042"] * n_mentions),
        "actor_country": pa.array(visitor[m_visit]), "actor_name": pa.array(["A. Visitor"] * n_mentions),
        "recipient_country": pa.array(host[m_visit]), "recipient_name": pa.nulls(n_mentions, pa.string()),
        "location_country": pa.array(host[m_visit]),
        "event_date": pa.array(m_date, pa.date32()),
        "date_precision": pa.array(precision[m_visit]), "date_expression": pa.array(["on Monday"] * n_mentions),
        "status": pa.array(status[m_visit]), "explicit": pa.array(np.ones(n_mentions, bool)),
        "sentence": pa.array(evidence[m_visit]),
        "confidence": pa.array(confidence[m_visit], pa.float64()),
        "extractor_version": pa.array(["visits/bench"] * n_mentions),
        "source": pa.array(["bench"] * n_mentions),
        "reference_date": pa.array(reference[m_article], pa.date32()),
        "run_id": pa.array([run] * n_mentions),
    })
    _write_partitioned(lake, EVENT_MENTIONS, mentions, np.array([d.year * 100 + d.month for d in m_date]),
                       shard[m_article])

    n_bad = max(1, n_articles // 1000)
    bad_day = rng.integers(0, days, n_bad)
    bad_date = np.array([dt.date(2021, 1, 1) + dt.timedelta(days=int(d)) for d in bad_day])
    quarantine = _table(QUARANTINE, {
        "source": pa.array([f"feed.jsonl:{i}" for i in range(n_bad)]),
        "stage": pa.array(rng.choice(["ingest", "normalise"], n_bad)),
        "reason": pa.array(rng.choice(["broken JSON line", "no text", "not UTF-8"], n_bad)),
        "detail": pa.nulls(n_bad, pa.string()), "raw_hash": _ids("r", n_bad), "run_id": pa.array([run] * n_bad),
        "quarantined_at": pa.array([dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC) for d in bad_date],
                                   pa.timestamp("us", tz="UTC")),
        "quarantined_on": pa.array(bad_date, pa.date32()),
    })
    _write_partitioned(lake, QUARANTINE, quarantine, np.array([d.year * 100 + d.month for d in bad_date]),
                       np.zeros(n_bad, int))
    started = time.perf_counter()
    n_clustered = rebuild_events(lake, gap_days=3)  # the pipeline's own clustering
    print(f"clustered {n_mentions:,} mentions into {n_clustered:,} events in {time.perf_counter() - started:.0f} s")
    build_warehouse(lake)
    print(f"lake: {n_articles:,} articles, {n_mentions:,} visit mentions, {n_clustered:,} events, {n_bad:,} quarantined")


def _write_partitioned(lake: Lake, contract, table: pa.Table, month_key: np.ndarray, shard: np.ndarray) -> None:
    for key in np.unique(month_key):
        for s in range(SHARDS):
            rows = np.flatnonzero((month_key == key) & (shard == s))
            if len(rows):
                lake.write_parquet(lake.partition_path(contract, int(key) // 100, int(key) % 100, f"bench{s}"),
                                   table.take(pa.array(rows)))


def time_queries(data_dir: str) -> None:
    """DuckDB time of each overview query on the warehouse (fresh read-only connection, as the app)."""
    from newsevents.dashboard import queries
    from warehouse.build import connect

    def timed(label, fn, *args):
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            with connect(data_dir) as con:
                result = fn(con, *args)
            best = min(best, time.perf_counter() - started)
        print(f"  {label:<34} {best * 1000:7.1f} ms")
        return result

    with connect(data_dir) as con:
        first, last = queries.date_bounds(con)
    f = queries.Filters(first, last)
    print("DuckDB time per query (best of 3, connect included):")
    timed("date bounds", queries.date_bounds)
    timed("countries", queries.countries)
    timed("headline numbers", queries.headline, f)
    pairs = timed("visitor x host matrix", queries.pair_matrix, f)
    timed("top pairs vs the period before", queries.top_dyads, queries.Filters(dt.date(2023, 1, 1), dt.date(2023, 6, 30)))
    top = pairs.iloc[0]
    timed(f"by month of {top.visitor_country}", queries.monthly, f, top.visitor_country, None)
    timed("headline, mentions, one country", queries.headline,
          queries.Filters(first, last, ("occurred", "planned"), (top.visitor_country,), 0.5, "mentions"))
    cell = queries.Cell(top.visitor_country, top.host_country, dt.date(2023, 5, 1), dt.date(2023, 5, 31))
    events = timed("drill-down: events of a cell", queries.drill_events, f, cell)
    mentions = timed("drill-down: their reports", queries.drill_mentions, events)
    print(f"  (drill-down of {cell.visitor}->{cell.host} 2023-05: {len(events)} events, {len(mentions)} reports)")
    timed("quarantine by reason", queries.quarantine_reasons)


def first_paint(data_dir: str, runs: int) -> None:
    """Navigation to visible headline numbers, in headless Chromium against `newsevents dashboard`."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "newsevents"), "dashboard", "--data-dir", data_dir,
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # (label, query string, new browser context: nothing in the browser's cache)
            pages = [("first page after the server starts", "", True)]
            pages += [(f"new browser, filters not cached ({i})", f"?confidence={0.30 + 0.05 * i:.2f}", True)
                      for i in range(1, runs + 1)]
            pages += [(f"returning browser, filters not cached ({i})", f"?confidence={0.60 + 0.05 * i:.2f}", False)
                      for i in range(1, runs + 1)]
            pages += [("returning browser, filters cached", "?confidence=0.35", False)]
            print("first paint of the overview (navigation -> headline numbers visible):")
            context = None
            for label, query, fresh in pages:
                if fresh or context is None:
                    if context is not None:
                        context.close()
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                started = time.perf_counter()
                page.goto(url + "/" + query)
                page.locator('[data-testid="stMetricValue"]').first.wait_for(state="visible", timeout=60_000)
                elapsed = time.perf_counter() - started
                value = page.locator('[data-testid="stMetricValue"]').first.inner_text()
                print(f"  {label:<44} {elapsed:5.2f} s   (visits shown: {value})")
                page.close()
            context.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--lake", default="/tmp/newsevents-bench-dashboard", help="where the synthetic lake is kept and reused")
    ap.add_argument("--runs", type=int, default=3, help="uncached first paints to measure")
    args = ap.parse_args()
    data_dir = os.path.join(args.lake, f"articles-{args.articles}")
    if not os.path.exists(os.path.join(data_dir, "warehouse.duckdb")):
        started = time.perf_counter()
        build_lake(data_dir, args.articles)
        print(f"built in {time.perf_counter() - started:.0f} s: {data_dir}")
    else:
        print(f"reusing {data_dir}")
    size = sum(f.stat().st_size for f in Path(data_dir, "lake").rglob("*.parquet"))
    print(f"lake: {size / 1e6:.0f} MB of Parquet")
    time_queries(data_dir)
    if os.path.exists(CHROMIUM):
        first_paint(data_dir, args.runs)
    else:
        print(f"no Chromium at {CHROMIUM}: first paint not measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
