"""Ingest speed and memory per format, and what is quarantined, over the real corpora.

    python benchmarks/bench_ingest.py                      # all of ../shared/corpora/*.jsonl
    python benchmarks/bench_ingest.py --limit 2000         # a quick run

Reads the corpora (26,158 articles) as JSON Lines; then the same articles written under
/tmp as plain-text files, as minimal HTML pages and as one ``.warc.gz`` (each article a
small HTML page in an HTTP response record), each through the ingest stage as the
pipeline runs it (discover, shards, ``read_inputs`` per shard). Each format runs in its
own process, so its peak memory (max RSS) is its own. Prints articles/s (wall clock, and
per CPU second: the rate of one core, whatever else the machine runs), peak memory and
the share quarantined by reason per format.
"""
from __future__ import annotations

import argparse
import glob
import html
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsevents.config import Settings  # noqa: E402
from tasks.ingest import discover, plan_shards, read_inputs  # noqa: E402

CORPORA = REPO.parent / "shared" / "corpora"
FORMATS = ("jsonl", "text", "html", "warc")


def articles(limit: int | None) -> list[dict]:
    out = []
    for path in sorted(glob.glob(str(CORPORA / "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    out.append(json.loads(line))
    return out[:limit] if limit else out


def page(article: dict) -> bytes:
    """A minimal HTML page of an article: title, date and site in meta tags, paragraphs."""
    title = html.escape(article.get("title") or "")
    paras = "".join(f"<p>{html.escape(p.strip())}</p>\n" for p in article["text"].split("\n\n") if p.strip())
    published = f'<meta property="article:published_time" content="{article["published"]}">' if article.get("published") else ""
    site = html.escape(article.get("source") or "")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>{published}'
            f'<meta property="og:site_name" content="{site}"></head>\n<body><article><h1>{title}</h1>\n{paras}</article></body></html>\n').encode()


def write_inputs(fmt: str, rows: list[dict], folder: Path) -> list[str]:
    """The articles in ``fmt`` under ``folder``; the paths to give to discover."""
    if fmt == "jsonl":
        return sorted(glob.glob(str(CORPORA / "*.jsonl")))
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "text":
        for i, a in enumerate(rows):
            (folder / f"a{i:05d}.txt").write_text(f"{a.get('title') or ''}\n\n{a['text']}\n", encoding="utf-8")
    elif fmt == "html":
        for i, a in enumerate(rows):
            (folder / f"a{i:05d}.html").write_bytes(page(a))
    else:
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        with open(folder / "corpora.warc.gz", "wb") as out:
            writer = WARCWriter(out, gzip=True)
            for i, a in enumerate(rows):
                body = page(a)
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                                           protocol="HTTP/1.1")
                uri = a.get("url") or f"https://corpora.example/{a.get('id') or i}"
                writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers))
    return [str(folder)]


def measure(fmt: str, limit: int | None) -> dict:
    """Read the articles in ``fmt`` as the pipeline does (this process: run it alone)."""
    rows = articles(limit) if fmt != "jsonl" else []
    folder = Path(tempfile.mkdtemp(prefix=f"bench-ingest-{fmt}-"))
    try:
        paths = write_inputs(fmt, rows, folder / "in")
        del rows
        start, cpu = time.perf_counter(), time.process_time()
        files, missing = discover(paths)
        reasons: Counter = Counter(r.reason for r in missing)
        read = 0
        for shard in plan_shards(files, Settings.from_env().shard_max_bytes):
            records, rejected = read_inputs(shard)
            read += len(records)
            reasons.update(r.reason for r in rejected)
            if limit and fmt == "jsonl" and read >= limit:
                break
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"format": fmt, "articles": read, "seconds": round(seconds, 2), "per_second": round(read / seconds, 1),
            "per_cpu_second": round(read / cpu, 1),
            "peak_mib": round(peak), "quarantined": dict(reasons)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="articles per format (default: all)")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--one", choices=FORMATS, help=argparse.SUPPRESS)  # a child process: one format
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.limit)))
        return
    print(f"{'format':<6} {'articles':>8} {'seconds':>8} {'art/s':>8} {'art/CPU-s':>9} {'peak MiB':>9}  quarantined (share by reason)")
    for fmt in args.formats.split(","):
        cmd = [sys.executable, __file__, "--one", fmt] + (["--limit", str(args.limit)] if args.limit else [])
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PREFECT_LOGGING_LEVEL": "ERROR"})
        if done.returncode:
            print(f"{fmt:<6} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        total = r["articles"] + sum(r["quarantined"].values())
        shares = ", ".join(f"{k} {v / total:.2%}" for k, v in sorted(r["quarantined"].items())) or "none"
        print(f"{fmt:<6} {r['articles']:>8} {r['seconds']:>8} {r['per_second']:>8} {r['per_cpu_second']:>9} {r['peak_mib']:>9}  {shares}")


if __name__ == "__main__":
    main()
