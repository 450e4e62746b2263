"""Cross-validate the visit model: 5 folds by article over the annotated sets.

For each fold the model is trained (``tasks/extract/training.py``, calibration and
threshold from folds inside the training part) on the other four, then run on the fold's
articles — by default through the real pipeline (a Prefect flow writing Parquet, read back
from the ``visits`` view) with ``NEWSEVENTS_VISIT_MODEL`` pointing at the fold's model —
and scored by the rules of VISITS.md. Prints occurred and planned P/R/F1, direction-free
F1, an error table by kind and a reliability table of ``confidence``.

    python benchmarks/cv_visits.py                 # train + dev, through the pipeline
    python benchmarks/cv_visits.py --in-process    # same folds, extraction called directly (faster)
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsevents.config import apply_prefect_defaults  # noqa: E402
from newsevents.scoring import date_matches, describe, score  # noqa: E402
from tasks.cluster import status_class  # noqa: E402
from tasks.extract import training  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"


def error_table(preds: list[dict], gold: list[dict], examples: list[training.Example]) -> Counter:
    """Each missed gold visit and each false alarm, by kind."""
    kinds: Counter = Counter()
    cand_pairs = {
        ex.doc_id: {(c.visitor.country, c.host.country) for c in ex.prepared.candidates} if ex.prepared else set()
        for ex in examples
    }
    for klass in ("occurred", "planned"):
        s = score(preds, gold, klass)
        for g in s.misses:
            doc = [p for p in preds if p["doc_id"] == g["doc_id"]]
            pair = (g["visitor"], g["host"])
            same = [p for p in doc if (p["visitor"], p["host"]) == pair]
            if pair not in cand_pairs.get(g["doc_id"], set()):
                kinds["miss: no candidate"] += 1
            elif any(status_class(p["status"]) != klass and date_matches(p["when"], g["when"]) for p in same):
                kinds["miss: wrong status"] += 1
            elif any(status_class(p["status"]) == klass for p in same):
                kinds["miss: wrong month"] += 1
            elif any((p["visitor"], p["host"]) == pair[::-1] for p in doc):
                kinds["miss: reversed"] += 1
            else:
                kinds["miss: candidate rejected"] += 1
        gold_pairs = {(g["doc_id"], g["visitor"], g["host"]) for g in gold}
        for p in s.false_alarms:
            if (p["doc_id"], p["visitor"], p["host"]) in gold_pairs:
                kinds["false alarm: right pair, wrong month or status"] += 1
            elif (p["doc_id"], p["host"], p["visitor"]) in gold_pairs:
                kinds["false alarm: reversed"] += 1
            else:
                kinds["false alarm: spurious pair"] += 1
    return kinds


def pipeline_predictions(examples: list[training.Example], folders: list[Path], model_path: Path, work: Path) -> list[dict]:
    """Run the real pipeline on these articles with this model; read the ``visits`` view."""
    ids = {ex.doc_id for ex in examples}
    subset = work / "articles.jsonl"
    with open(subset, "w", encoding="utf-8") as out:
        for folder in folders:
            with open(folder / "articles.jsonl", encoding="utf-8") as f:
                for line in f:
                    if line.strip() and json.loads(line)["id"] in ids:
                        out.write(line)
    os.environ["NEWSEVENTS_VISIT_MODEL"] = str(model_path)
    from flows.pipeline import pipeline
    from tasks.extract import visits
    from warehouse.build import connect

    visits.load_model.cache_clear()
    data_dir = str(work / "data")
    with contextlib.redirect_stdout(sys.stderr):  # the run's own summary is progress here
        pipeline(paths=[str(subset)], data_dir=data_dir)
    with connect(data_dir) as con:
        rows = con.sql("select doc_id, visitor_country, host_country, status, event_date, date_precision, confidence, evidence from visits").fetchall()
    return [dict(zip(("doc_id", "visitor", "host", "status", "when", "precision", "confidence", "evidence"), r)) for r in rows]


def reliability(preds: list[dict], flags: list[bool]) -> list[tuple[str, int, float, float]]:
    bins = [(0.0, 0.3), (0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]
    out = []
    for lo, hi in bins:
        idx = [i for i, p in enumerate(preds) if lo <= p["confidence"] < hi]
        if idx:
            mean = sum(preds[i]["confidence"] for i in idx) / len(idx)
            out.append((f"{lo:.1f}-{min(hi, 1.0):.1f}", len(idx), mean, sum(flags[i] for i in idx) / len(idx)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", type=Path, nargs="+", default=[EVAL / "train", EVAL / "dev"])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--in-process", action="store_true", help="call extraction directly instead of running the pipeline")
    ap.add_argument("--misses", action="store_true", help="list misses and false alarms")
    args = ap.parse_args()
    started = time.perf_counter()
    cfg = training.settings()
    examples = training.load_examples(args.sets)
    gold = [g for ex in examples for g in ex.gold]
    preds: list[dict] = []
    if not args.in_process:
        apply_prefect_defaults()
    with tempfile.TemporaryDirectory() as tmp:
        for n, test in enumerate(training.folds(examples, args.folds, cfg["seed"]), start=1):
            held = set(test)
            train_part = [e for i, e in enumerate(examples) if i not in held]
            test_part = [examples[i] for i in test]
            model = training.train(train_part, cfg)
            threshold = model.meta["min_confidence"]
            if args.in_process:
                fold_preds = training.predict(model, test_part, threshold)
            else:
                path = Path(tmp) / f"fold{n}.json"
                model.save(path)
                work = Path(tmp) / f"fold{n}"
                work.mkdir()
                fold_preds = pipeline_predictions(test_part, args.sets, path, work)
            preds.extend(fold_preds)
            print(f"fold {n}: {len(test_part)} articles, {len(fold_preds)} visits (min_confidence {threshold}), "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(f"{args.folds}-fold cross-validation by article over {', '.join(str(s.name) for s in args.sets)}: "
          f"{len(examples)} articles, {len(gold)} gold visits, {len(preds)} predicted "
          f"({'in process' if args.in_process else 'through the pipeline'}; {time.perf_counter() - started:.0f} s)")
    for directed in (True, False):
        for klass in ("occurred", "planned"):
            s = score(preds, gold, klass, directed)
            label = "directed" if directed else "direction-free"
            print(f"{label:15} {klass:9} P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}  "
                  f"(pred {s.predictions}, matched {s.matched_predictions}; gold {s.gold}, found {s.matched_gold})")
    print("\nerrors by kind (occurred and planned):")
    for kind, n in sorted(error_table(preds, gold, examples).items()):
        print(f"  {kind:48} {n:4}")
    flags = training.matched_flags(preds, gold)
    brier = sum((p["confidence"] - f) ** 2 for p, f in zip(preds, flags)) / max(1, len(preds))
    print(f"\nreliability of confidence (Brier score {brier:.3f}):\n  bin        n   mean conf  share right")
    for label, n, mean, right in reliability(preds, flags):
        print(f"  {label:9} {n:4}   {mean:.3f}      {right:.3f}")
    if args.misses:
        for klass in ("occurred", "planned"):
            print("\n".join(describe(score(preds, gold, klass))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
