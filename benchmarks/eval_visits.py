"""Evaluate visit extraction: run the real pipeline over an articles JSONL, score its
``visits`` against a gold JSONL (the format of ``../shared/eval/dev/``), print the figures.

    python benchmarks/eval_visits.py --articles A.jsonl --gold G.jsonl --misses

Use it on annotated sets the shipped model was not trained on; for ../shared/eval (its
training data) the honest figures come from benchmarks/cv_visits.py.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsevents.config import apply_prefect_defaults  # noqa: E402
from newsevents.scoring import describe, score  # noqa: E402



def load_gold(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                article = json.loads(line)
                rows.extend({**v, "doc_id": article["id"]} for v in article["visits"])
    return rows


def predictions_from_pipeline(articles: Path, data_dir: str) -> list[dict]:
    apply_prefect_defaults()
    from flows.pipeline import pipeline
    from warehouse.build import connect

    pipeline(paths=[str(articles)], data_dir=data_dir)
    with connect(data_dir) as con:
        rows = con.sql(
            "select doc_id, visitor_country, host_country, status, event_date, date_precision, evidence from visits"
        ).fetchall()
    return [
        {"doc_id": r[0], "visitor": r[1], "host": r[2], "status": r[3], "when": r[4], "precision": r[5], "evidence": r[6]}
        for r in rows
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # no default: the annotated sets in ../shared/eval are what the shipped model is trained on,
    # so scores on them say nothing (benchmarks/cv_visits.py cross-validates on them)
    ap.add_argument("--articles", type=Path, required=True, help="articles JSONL of an annotated set the model was not trained on")
    ap.add_argument("--gold", type=Path, required=True, help="its gold visits (the format of ../shared/eval/dev)")
    ap.add_argument("--data-dir", help="keep the lake here (default: a temporary folder)")
    ap.add_argument("--misses", action="store_true", help="list misses and false alarms")
    args = ap.parse_args()
    gold = load_gold(args.gold)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        preds = predictions_from_pipeline(args.articles, args.data_dir or os.path.join(tmp, "data"))
    elapsed = time.perf_counter() - started
    print(f"{len(preds)} predicted visits, {len(gold)} gold visits; pipeline run {elapsed:.1f} s")
    for directed in (True, False):
        label = "directed" if directed else "direction-free"
        for klass in ("occurred", "planned"):
            s = score(preds, gold, klass, directed)
            print(
                f"{label:15} {klass:9} P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}  "
                f"(pred {s.predictions}, matched {s.matched_predictions}; gold {s.gold}, found {s.matched_gold})"
            )
            if args.misses and directed:
                print("\n".join(describe(s)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
