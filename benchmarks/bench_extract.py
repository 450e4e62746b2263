"""Extraction speed: time ``extract_visits`` over the articles of a JSONL file, after a warm-up.

    python benchmarks/bench_extract.py                                  # the dev set
    python benchmarks/bench_extract.py --corpus ../shared/corpora/reuters21578.jsonl --limit 2000
    python benchmarks/bench_extract.py --corpus ../shared/corpora/*.jsonl --repeat 1   # the whole real corpora

Prints articles/s, ms/article and the peak resident memory of the process.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tasks.extract.visits import extract_visits  # noqa: E402
from tasks.normalise import layouts, parse_published  # noqa: E402

DEV = REPO.parent / "shared" / "eval" / "dev" / "articles.jsonl"


def load(path: Path, limit: int | None) -> list[tuple[str, object, str | None]]:
    """(body, reference date, title) of each article, parsed the way the pipeline does."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            record = json.loads(line)
            title = record.get("title") if isinstance(record.get("title"), str) else None
            parsed = layouts.parse(record.get("text") or "", title, first_line_is_title=False)
            if parsed is None:
                continue
            stamp = parse_published(record.get("published")) or parsed.published_at or parsed.updated_at
            out.append((parsed.body, stamp.date() if stamp else None, parsed.title))
            if limit and len(out) >= limit:
                break
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, nargs="+", default=[DEV], help="articles JSONL files (default: the dev set)")
    ap.add_argument("--limit", type=int, help="read at most this many articles")
    ap.add_argument("--repeat", type=int, default=0, help="passes over the articles (default: enough for ~2 s)")
    args = ap.parse_args()
    articles = [a for corpus in args.corpus for a in load(corpus, args.limit)]
    if not articles:
        print("no articles")
        return 1
    for body, ref, title in articles[:200]:  # warm-up: reference data, model, regex compilation
        extract_visits(body, ref, title=title)
    repeat = args.repeat
    if repeat <= 0:
        started = time.perf_counter()
        for body, ref, title in articles:
            extract_visits(body, ref, title=title)
        once = time.perf_counter() - started
        repeat = max(1, min(50, int(2.0 / max(once, 1e-6))))
    visits = 0
    started = time.perf_counter()
    for _ in range(repeat):
        for body, ref, title in articles:
            visits += len(extract_visits(body, ref, title=title))
    elapsed = time.perf_counter() - started
    n = len(articles) * repeat
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"{len(articles)} articles x {repeat} passes, {visits // repeat} visits per pass")
    print(f"{n / elapsed:.0f} articles/s, {1000 * elapsed / n:.2f} ms/article")
    print(f"peak memory {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
