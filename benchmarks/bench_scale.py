"""The pipeline at scale: generated corpora of N articles with known visits, end to end.

    python benchmarks/bench_scale.py [--articles 10000 100000 1000000] [--work DIR] [--embedded] [--dask 1 2]

For each N: generates the corpus (``generate_corpus.py``, kept in ``--work`` for the next
time), then times ``newsevents run`` on it (a fresh lake), ``select * from visit_counts``
(a new read-only connection, first query and best of five), a no-op re-run of the same
corpus, and a run of 1,000 new articles published after it; prints articles/s, the peak
memory of each run (max RSS of the ``newsevents`` process), the lake's size, and the recall
and precision of the visits against the corpus's truth (by visitor, host and month, from
``visit_counts``; and exact events: pair and day of an occurred visit event).

Runs go against a Prefect server started here once (as ``newsevents server start`` would
give), or the one ``PREFECT_API_URL`` names; ``--embedded`` lets each run start its own.

``--dask 1 2`` makes only the first run, once per number of workers, with extraction on a
Dask ``LocalCluster`` of that many single-threaded worker processes (``newsevents run --dask``),
and prints the speed-up and the workers' peak memory.

``--events-only`` measures the clustering step alone, without Prefect, on a lake whose
articles and mentions are written straight into it (one mention for two articles of
three, pairs of 48 countries, dates over 23 years, shards of 50,000): the first
clustering, a run with nothing new, and 1,000 new articles published after the others.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BIN = Path(sys.executable).parent / "newsevents"


class _Popen(subprocess.Popen):
    """A Popen that keeps the child's own peak RSS (from wait4) when it is reaped."""

    peak_rss_mib = 0.0

    def _try_wait(self, wait_flags):
        pid, status, usage = os.wait4(self.pid, wait_flags)
        if pid:
            self.peak_rss_mib = usage.ru_maxrss / 1024
        return pid, status


def run(args: list[str]) -> tuple[float, float, str]:
    """Run ``newsevents ARGS``; return (seconds, peak RSS in MiB, stdout)."""
    started = time.perf_counter()
    proc = _Popen([str(BIN), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"newsevents {' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}")
    return elapsed, proc.peak_rss_mib, out


def gold(path: Path) -> list[tuple[str, str, dt.date]]:
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return [(v, h, dt.date.fromisoformat(d)) for v, h, d, _ in (r.split("\t") for r in rows)]


def scores(data_dir: Path, truth: list[tuple[str, str, dt.date]]) -> str:
    """Recall and precision of the visits by pair and month (visit_counts) and as exact events."""
    from warehouse.build import connect

    with connect(str(data_dir)) as con:
        counts = {(v, h, m): n for v, h, m, n in con.sql(
            "select visitor_country, host_country, month, visits from visit_counts").fetchall()}
        events = set(con.sql("select actor_country, recipient_country, event_date from events "
                             "where event_type = 'CONSULT' and event_mode = 'visit' and status = 'occurred'").fetchall())
    want = Counter((v, h, d.replace(day=1)) for v, h, d in truth)
    matched = sum(min(n, counts.get(k, 0)) for k, n in want.items())
    exact = sum(1 for t in truth if t in events)
    return (f"visits by pair x month: recall {matched / max(1, sum(want.values())):.3f}, "
            f"precision {matched / max(1, sum(counts.values())):.3f}; "
            f"exact events (pair, day): recall {exact / max(1, len(truth)):.3f}, precision {exact / max(1, len(events)):.3f}")


def visit_counts_time(data_dir: Path) -> tuple[float, float, int]:
    """(first query in a new connection, best of five, rows) in seconds."""
    from warehouse.build import connect

    with connect(str(data_dir)) as con:
        times = []
        for _ in range(6):
            started = time.perf_counter()
            rows = con.sql("select * from visit_counts").fetchall()
            times.append(time.perf_counter() - started)
    return times[0], min(times[1:]), len(rows)


def lake_mb(data_dir: Path) -> float:
    return sum(f.stat().st_size for f in (data_dir / "lake").rglob("*.parquet")) / 2**20


def _corpus(n: int, work: Path) -> Path:
    """The generated corpus of ``n`` articles under ``work`` (generated the first time)."""
    corpus = work / f"corpus-{n}"
    if not (corpus / "gold_new.tsv").exists():
        started = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate_corpus.py"), "--articles", str(n),
                        "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
        print(f"[{n:,}] corpus generated in {time.perf_counter() - started:.0f} s", flush=True)
    return corpus


def bench(n: int, work: Path) -> None:
    corpus = _corpus(n, work)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        data_dir = Path(tmp) / "data"
        target = ["--data-dir", str(data_dir)]
        seconds, peak, _ = run(["run", str(corpus / "corpus"), *target])
        print(f"[{n:,}] first run: {seconds:.1f} s = {n / seconds:,.0f} articles/s end to end, peak {peak:,.0f} MiB", flush=True)
        first, best, rows = visit_counts_time(data_dir)
        print(f"[{n:,}] lake {lake_mb(data_dir):,.1f} MiB of Parquet; select * from visit_counts: {rows:,} rows, "
              f"{first * 1000:.0f} ms first, {best * 1000:.0f} ms best of 5", flush=True)
        truth = gold(corpus / "gold.tsv")
        print(f"[{n:,}] {len(truth):,} known visits; {scores(data_dir, truth)}", flush=True)
        seconds, peak, _ = run(["run", str(corpus / "corpus"), *target])
        print(f"[{n:,}] no-op re-run: {seconds:.1f} s, peak {peak:,.0f} MiB", flush=True)
        seconds, peak, _ = run(["run", str(corpus / "new"), *target])
        print(f"[{n:,}] 1,000 new articles: {seconds:.1f} s end to end, peak {peak:,.0f} MiB", flush=True)
        truth = sorted(set(truth) | set(gold(corpus / "gold_new.tsv")))
        print(f"[{n:,}] after the new articles: {scores(data_dir, truth)}", flush=True)
        seconds, peak, _ = run(["rebuild", *target])
        print(f"[{n:,}] newsevents rebuild (full re-cluster): {seconds:.1f} s, peak {peak:,.0f} MiB", flush=True)


def dask_runs(n: int, work: Path, worker_counts: list[int]) -> None:
    """The first run of ``n`` articles with extraction on a Dask ``LocalCluster`` of each number of
    single-threaded worker processes (``newsevents run --dask``); the speed-up against the first."""
    import resource

    from distributed import Client, LocalCluster

    corpus = _corpus(n, work)
    first = None
    for workers in worker_counts:
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            os.environ["DASK_TEMPORARY_DIRECTORY"] = str(Path(tmp) / "dask")
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                    Client(cluster) as client:
                seconds, peak, _ = run(["run", str(corpus / "corpus"), "--data-dir", str(Path(tmp) / "data"),
                                        "--dask", cluster.scheduler_address])
                worker_peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        first = first or seconds
        print(f"[{n:,}, dask] {workers} worker(s): {seconds:.1f} s = {n / seconds:,.0f} articles/s end to end "
              f"({first / seconds:.2f}x the first), peak {peak:,.0f} MiB (flow), "
              f"{max(worker_peaks.values()):,.0f} MiB (largest worker)", flush=True)


def events_only(n: int, work: Path) -> None:
    """Time ``update_events`` on a lake of ``n`` articles written directly (see the module docstring)."""
    import random
    import resource

    from schemas import ARTICLES, EVENT_MENTIONS, to_table
    from tasks.cluster import update_events
    from warehouse.lake import Lake
    from benchmarks.generate_corpus import COUNTRIES

    rng = random.Random(1)
    stamp = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

    def publish(lake: Lake, first: int, last: int) -> None:
        articles, mentions = [], []
        for i in range(first, last):
            published = dt.date(2000, 1, 3) + dt.timedelta(days=i * 8333 // n)
            aid = f"a{i:07d}"
            articles.append({"article_id": aid, "doc_id": aid, "content_hash": "h" + aid, "source_key": "k" + aid,
                             "layout": "jsonl", "body": "text", "word_count": 1, "run_id": "r", "ingested_at": stamp,
                             "reference_date": published})
            if i % 3:
                visitor, host = rng.sample(COUNTRIES, 2)
                mentions.append({
                    "mention_id": "m" + aid, "article_id": aid, "content_hash": "h" + aid, "doc_id": aid,
                    "event_type": "CONSULT", "event_mode": "visit", "cameo_code": "042", "actor_country": visitor,
                    "recipient_country": host, "event_date": published - dt.timedelta(days=rng.randint(1, 3)),
                    "date_precision": "day", "status": "occurred", "explicit": True, "confidence": 0.9,
                    "sentence": "The minister arrived in the capital on Monday for talks with officials.",
                    "extractor_version": "bench", "source": "s", "reference_date": published, "run_id": "r"})
        for contract, rows in ((ARTICLES, articles), (EVENT_MENTIONS, mentions)):
            for path, table in lake.plan_partitioned(contract, to_table(contract, rows), f"s{first}").items():
                lake.write_parquet(path, table)

    with tempfile.TemporaryDirectory(dir=work) as tmp:
        lake = Lake.open(str(Path(tmp) / "data"))
        for first in range(0, n, 50_000):
            publish(lake, first, min(n, first + 50_000))
        for label, new in (("first clustering", 0), ("nothing new", 0), ("1,000 new articles", 1000)):
            publish(lake, n, n + new) if new else None
            started = time.perf_counter()
            events = update_events(lake, 3)
            print(f"[{n:,}, events only] {label}: {time.perf_counter() - started:.2f} s ({events:,} events)", flush=True)
        print(f"[{n:,}, events only] peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB "
              "(writing the lake included)", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "newsevents-scale")
    ap.add_argument("--embedded", action="store_true", help="no shared server: each run starts Prefect's embedded one")
    ap.add_argument("--events-only", action="store_true", help="time only the clustering step, on lakes written directly")
    ap.add_argument("--dask", type=int, nargs="+", metavar="WORKERS",
                    help="only the first run, extracted on a Dask LocalCluster of each number of workers (e.g. 1 2)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.events_only:
        for n in args.articles:
            events_only(n, args.work)
        return 0
    from newsevents.config import apply_prefect_defaults

    apply_prefect_defaults()
    server = None
    if args.embedded:
        os.environ.pop("PREFECT_API_URL", None)
        print("Prefect: embedded server, started by each run")
    elif not os.environ.get("PREFECT_API_URL"):
        os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="prefect-", dir=args.work)
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start(timeout=180)
        os.environ["PREFECT_API_URL"] = server.api_url
    print(f"Prefect: {os.environ.get('PREFECT_API_URL', 'embedded')}", flush=True)
    try:
        for n in args.articles:
            dask_runs(n, args.work, args.dask) if args.dask else bench(n, args.work)
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
