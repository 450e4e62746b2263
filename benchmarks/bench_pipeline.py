"""Throughput and fixed cost of the whole pipeline (real Prefect flow runs) on a corpus.

    python benchmarks/bench_pipeline.py [--corpus PATH ...] [--head 6000] [--workers 1 2] [--no-fixed-cost | --fixed-cost-only]

For each worker count: a run over the corpus's first ``--head`` articles and one over the
whole corpus, each on a fresh data dir in a process of its own; the marginal rate between
them (articles/s once Prefect and the models are up), peak memory of the flow's process
and of its largest worker, a no-op re-run and a timed ``select * from visit_counts``.
Then the fixed cost of ``newsevents run`` as a user pays it (a new process each time): over
an empty folder, and a no-op re-run of 1,000 known articles on the whole lake, against a
local Prefect server (started here unless one is up) and with Prefect's embedded server;
beside them, the cost of ``import prefect``. Runs use the Prefect server of
``PREFECT_API_URL``, else the local one.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT = sorted((REPO.parent / "shared" / "corpora").glob("*.jsonl"))
BIN = Path(sys.executable).parent / "newsevents"


def one_run(paths: list[str], data_dir: str, workers: int) -> dict:
    """One pipeline run in this process (called as ``--one``); its figures as JSON."""
    from newsevents.config import apply_prefect_defaults

    apply_prefect_defaults()
    from flows.pipeline import pipeline

    started = time.perf_counter()
    summary = pipeline(paths=paths, data_dir=data_dir, workers=workers)
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "inputs": summary["articles"] + summary["duplicates"] + summary["unchanged"] + summary["quarantined"],
        "articles": summary["articles"],
        "shards": summary["shards"],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measured(paths: list[str], data_dir: str, workers: int, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", data_dir, str(workers), *paths], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def head_corpus(paths: list[Path], n: int, target: Path) -> Path:
    """The first ``n`` lines of the corpus files, in order, as one JSONL file."""
    with target.open("w", encoding="utf-8") as out:
        left = n
        for path in paths:
            with path.open(encoding="utf-8") as f:
                for line in f:
                    if left == 0:
                        return target
                    out.write(line)
                    left -= 1
    return target


def timed_cli(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started


def fixed_costs(tmp: Path, lake: str, corpus: list[Path], env: dict) -> None:
    """Wall time of ``newsevents run`` in a new process: empty folder, no-op re-run; against the
    server and embedded; with Python's bytecode cache (in a temporary PYTHONPYCACHEPREFIX, warmed
    once) and without it (PYTHONDONTWRITEBYTECODE=1: every process compiles Prefect from source)."""
    empty = tmp / "empty"
    empty.mkdir()
    known = head_corpus(corpus, 1000, tmp / "known.jsonl")
    # the same 1,000 articles under their own path are new to the ledger: run them once, then re-run
    subprocess.run([str(BIN), "run", str(known), "--data-dir", lake], env=env, capture_output=True, check=True)
    embedded = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    embedded["PREFECT_HOME"] = str(tmp / "embedded-home")
    embedded["NEWSEVENTS_SERVER_HOME"] = str(tmp / "no-server")  # no local server to find
    timed_cli(["run", str(empty), "--data-dir", str(tmp / "warm")], embedded)  # creates the embedded database once
    for cache in ("without bytecode cache", "with bytecode cache"):
        def mode(e: dict) -> dict:
            e = {k: v for k, v in e.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
            if cache == "with bytecode cache":
                return {**e, "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
            return {**e, "PYTHONDONTWRITEBYTECODE": "1"}

        if cache == "with bytecode cache":
            timed_cli(["run", str(empty), "--data-dir", str(tmp / "warm")], mode(env))  # writes the cache
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import prefect"], env=mode(env), check=True)
        print(f"{cache}: import prefect {time.perf_counter() - started:.1f} s")
        for label, run_env in (("local server", mode(env)), ("embedded", mode(embedded))):
            empty_s = timed_cli(["run", str(empty), "--data-dir", str(tmp / f"empty-{label[0]}")], run_env)
            noop_s = timed_cli(["run", str(known), "--data-dir", lake], run_env)
            print(f"  fixed cost, {label}: empty folder {empty_s:.1f} s; no-op re-run of 1,000 known articles on the lake {noop_s:.1f} s")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        print(json.dumps(one_run(sys.argv[4:], sys.argv[2], int(sys.argv[3]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT)
    ap.add_argument("--head", type=int, default=6000, help="articles of the smaller run (the marginal rate's base)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--no-fixed-cost", action="store_true")
    ap.add_argument("--fixed-cost-only", action="store_true", help="build the lake once (default workers), then measure the fixed cost")
    args = ap.parse_args()

    from newsevents import server
    from newsevents.config import Settings

    env = dict(os.environ)
    started_server = False
    if not env.get("PREFECT_API_URL"):
        settings = Settings.from_env()
        state = server.status(settings)
        if not state.healthy:
            print("starting the local Prefect server ...", file=sys.stderr)
            state, started_server = server.start(settings), True
        env["PREFECT_API_URL"] = state.api_url
    from warehouse.build import connect

    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            corpus = [str(p) for p in args.corpus]
            head = [str(head_corpus(args.corpus, args.head, tmp / "head.jsonl"))]
            lake = str(tmp / "full")
            if args.fixed_cost_only:
                measured(corpus, lake, 0, env)
                fixed_costs(tmp, lake, args.corpus, env)
                return 0
            for workers in args.workers:
                small = measured(head, str(tmp / f"head-{workers}"), workers, env)
                lake = str(tmp / f"full-{workers}")
                full = measured(corpus, lake, workers, env)
                marginal = (full["inputs"] - small["inputs"]) / (full["seconds"] - small["seconds"])
                rerun = measured(corpus, lake, workers, env)
                print(
                    f"workers {workers}: {small['inputs']:,} inputs in {small['seconds']:.1f} s, {full['inputs']:,} in "
                    f"{full['seconds']:.1f} s ({full['shards']} shards): marginal {marginal:,.0f} inputs/s; "
                    f"peak {full['peak_mb']:.0f} MB (flow), {full['worker_peak_mb']:.0f} MB (largest worker); "
                    f"no-op re-run {rerun['seconds']:.1f} s"
                )
            lake_bytes = sum(f.stat().st_size for f in Path(lake, "lake").rglob("*.parquet"))
            with connect(lake) as con:
                started = time.perf_counter()
                rows = con.sql("select * from visit_counts").fetchall()
                query_ms = (time.perf_counter() - started) * 1000
            print(f"lake: {lake_bytes / 1e6:.1f} MB of Parquet; visit_counts: {len(rows)} rows in {query_ms:.0f} ms")
            if not args.no_fixed_cost:
                fixed_costs(tmp, lake, args.corpus, env)
    finally:
        if started_server:
            server.stop(Settings.from_env())
    return 0


if __name__ == "__main__":
    sys.exit(main())
