"""Throughput of the whole pipeline (a real Prefect flow run) on a corpus, and a re-run.

    python benchmarks/bench_pipeline.py [--corpus PATH ...] [--shard-max-bytes N]

Prints articles/s for the first run (everything new) and the re-run (everything
unchanged, skipped by the ledger), peak memory, lake size and a timed DuckDB query.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsevents.config import apply_prefect_defaults  # noqa: E402

DEFAULT = REPO.parent / "shared" / "corpora" / "reuters21578.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, nargs="+", default=[DEFAULT])
    ap.add_argument("--shard-max-bytes", type=int, default=None)
    args = ap.parse_args()
    apply_prefect_defaults()
    from flows.pipeline import pipeline
    from warehouse.build import connect

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = os.path.join(tmp, "data")
        paths = [str(p) for p in args.corpus]
        for label in ("first run", "re-run"):
            started = time.perf_counter()
            summary = pipeline(paths=paths, data_dir=data_dir, shard_max_bytes=args.shard_max_bytes)
            elapsed = time.perf_counter() - started
            n = summary["articles"] + summary["duplicates"] + summary["unchanged"] + summary["quarantined"]
            print(
                f"{label}: {n} inputs in {elapsed:.1f} s = {n / elapsed:,.0f} inputs/s "
                f"({summary['articles']} new articles, {summary['mentions']} mentions, {summary['shards']} shard(s))"
            )
        lake_bytes = sum(f.stat().st_size for f in Path(data_dir, "lake").rglob("*.parquet"))
        with connect(data_dir) as con:
            started = time.perf_counter()
            rows = con.sql("select * from visit_counts").fetchall()
            query_ms = (time.perf_counter() - started) * 1000
        print(f"lake: {lake_bytes / 1e6:.1f} MB of Parquet; visit_counts: {len(rows)} rows in {query_ms:.0f} ms")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
