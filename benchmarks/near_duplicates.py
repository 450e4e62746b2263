"""Near-duplicate detection over the real corpora: pairs flagged, hand-checked precision, speed.

    python benchmarks/near_duplicates.py                       # all of ../shared/corpora/*.jsonl
    python benchmarks/near_duplicates.py --threshold 0.7 --sample 80 --pairs /tmp/pairs.tsv

Reads the corpora as the pipeline does (ingest, then normalise as one shard), links
near-duplicates with the ``near_duplicate_threshold`` setting and prints: pairs flagged
(exact duplicates apart), the precision measured on the hand-checked pairs of
``benchmarks/near_duplicates_checked.tsv`` that are flagged at this threshold, normalise
speed with and without near-duplicate linking, and peak memory. A random sample of the
flagged pairs (ids and the first 300 characters of each body) goes to ``--pairs`` (a file
under /tmp: article text stays out of the repository) for checking by hand.

``--layout newsdesk`` renders every article in the seed's plain-text layout first (title,
standfirst, title again, ``Publisher/Desk``, body, a dated line, an author) and reads it
as a text file is read, to measure normalise on that path.
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import glob
import random
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import tasks.normalise as normalise  # noqa: E402
from newsevents.config import Settings  # noqa: E402
from tasks.ingest import discover, read_inputs  # noqa: E402
from tasks.normalise.near_duplicates import NearDuplicateFinder, decode  # noqa: E402
from warehouse.ledger import LedgerIndex  # noqa: E402

CORPORA = REPO.parent / "shared" / "corpora"
CHECKED = Path(__file__).with_name("near_duplicates_checked.tsv")


def run_normalise(records, rejected, finder: NearDuplicateFinder | None, link: bool) -> tuple[list[dict], float]:
    """Normalise every record as one shard; return the articles and the seconds it took."""
    original = normalise._link_near_duplicates
    if not link:
        normalise._link_near_duplicates = lambda out, ledger, finder: None
    try:
        started = time.perf_counter()
        shard = normalise.normalise_records(records, rejected, LedgerIndex(), "bench", dt.datetime.now(dt.UTC), finder)
        return shard.articles, time.perf_counter() - started
    finally:
        normalise._link_near_duplicates = original


DATED_LINES = ("Güncelleme Tarihi: 17 Kasım 2014, 13:16", "Mis à jour le 23 décembre 2017, 20:33",
               "Aktualisiert am 3. März 2023, 07:30 Uhr", "Updated: November 17, 2014 1:16 PM")


def as_newsdesk(records: list) -> list:
    """The records as plain-text files in the news-desk layout (text read as from a .txt file)."""
    out = []
    for i, r in enumerate(records):
        title = r.fields.get("title") or "Untitled"
        standfirst = r.text.strip().split("\n")[0].split(". ")[0][:200]
        text = "\n\n".join([title, standfirst, title, "World Bulletin/News Desk", r.text, DATED_LINES[i % 4], "Deniz Aksoy"])
        out.append(dataclasses.replace(r, text=text, fields={}))
    return out


def checked_pairs() -> list[dict[str, str]]:
    if not CHECKED.exists():
        return []
    with open(CHECKED, encoding="utf-8", newline="") as f:
        return list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))


def main() -> int:
    settings = Settings.from_env()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", nargs="+", default=sorted(glob.glob(str(CORPORA / "*.jsonl"))))
    ap.add_argument("--threshold", type=float, default=settings.near_duplicate_threshold)
    ap.add_argument("--permutations", type=int, default=settings.minhash_permutations)
    ap.add_argument("--sample", type=int, default=80, help="flagged pairs written to --pairs")
    ap.add_argument("--pairs", default="/tmp/near_duplicate_pairs.tsv", help="where the sample goes (outside the repo)")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--layout", choices=("as-is", "newsdesk"), default="as-is", help="read the articles as they are, or rendered in the seed's layout")
    args = ap.parse_args()
    if Path(args.pairs).resolve().is_relative_to(REPO):
        ap.error("--pairs must lie outside the repository (it holds article text)")

    files, _ = discover(args.corpus)
    records, rejected = read_inputs(files)
    if args.layout == "newsdesk":
        records = as_newsdesk(records)
    run_normalise(records[:500], [], None, link=False)  # warm-up: reference data, regexes
    _, before = run_normalise(records, rejected, None, link=False)
    finder = NearDuplicateFinder(args.threshold, args.permutations)
    articles, after = run_normalise(records, rejected, finder, link=True)
    n = len(articles)

    by_id = {a["article_id"]: a for a in articles}
    exact = [a for a in articles if a["duplicate_of"] and not a["minhash"]]
    near = [a for a in articles if a["duplicate_of"] and a["minhash"]]
    print(f"articles: {n} from {len(args.corpus)} files; threshold {args.threshold}, {args.permutations} permutations")
    print(f"exact duplicates: {len(exact)}; near-duplicates flagged: {len(near)} pairs (article -> first copy)")
    print(f"normalise without near-duplicates: {n / before:,.0f} articles/s ({before:.1f} s)")
    print(f"normalise with near-duplicates:    {n / after:,.0f} articles/s ({after:.1f} s)")

    checked = checked_pairs()
    flagged = {frozenset((a["doc_id"], by_id[a["duplicate_of"]]["doc_id"])) for a in near}
    judged = [c for c in checked if frozenset((c["doc_a"], c["doc_b"])) in flagged]
    same = sum(1 for c in judged if c["verdict"] == "same")
    if judged:
        print(f"hand-checked precision at {args.threshold}: {same}/{len(judged)} = {same / len(judged):.3f} "
              f"({len(checked)} pairs in {CHECKED.name})")
    else:
        print(f"hand-checked precision: no checked pair is flagged at {args.threshold}")

    rng = random.Random(args.seed)
    sample = rng.sample(near, min(args.sample, len(near)))
    with open(args.pairs, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter="\t")
        out.writerow(["doc_a", "doc_b", "jaccard", "text_a", "text_b"])
        for a in sample:
            b = by_id[a["duplicate_of"]]
            j = decode(a["minhash"]).jaccard(decode(b["minhash"])) if b["minhash"] else 1.0
            out.writerow([a["doc_id"], b["doc_id"], f"{j:.3f}", a["body"][:300].replace("\n", " "), b["body"][:300].replace("\n", " ")])
    print(f"sample of {len(sample)} flagged pairs: {args.pairs}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
