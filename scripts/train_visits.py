"""Train the visit model from the annotated sets and write it where the pipeline reads it.

    python scripts/train_visits.py                     # ../shared/eval/train + ../shared/eval/dev
    python scripts/train_visits.py --sets DIR... --out PATH

Deterministic: the same sets and ``tasks/extract/model/training.json`` give the same file.
The file holds feature weights and the calibration, never article text.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tasks.extract import training  # noqa: E402
from tasks.extract.linear import Model  # noqa: E402
from tasks.extract.visits import MODEL_PATH  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", type=Path, nargs="+", default=[EVAL / "train", EVAL / "dev"],
                    help="folders holding articles.jsonl and visits.gold.jsonl")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    for folder in args.sets:
        for name in ("articles.jsonl", "visits.gold.jsonl"):
            if not (folder / name).is_file():
                print(f"error: {folder / name} is missing: each --sets folder needs articles.jsonl and visits.gold.jsonl", file=sys.stderr)
                return 2
    started = time.perf_counter()
    examples = training.load_examples(args.sets)
    model = training.train(examples)
    sources = {
        f"{folder.name}/{name}": hashlib.sha256((folder / name).read_bytes()).hexdigest()[:16]
        for folder in args.sets for name in ("articles.jsonl", "visits.gold.jsonl")
    }
    model = Model(model.version, model.heads, model.calibration, {**model.meta, "trained_on": sources})
    model.save(args.out)
    heads = ", ".join(f"{n}: {len(h.weights)} features" for n, h in model.heads.items())
    print(f"{len(examples)} articles -> {args.out} (version {model.version}; {heads}; "
          f"min_confidence {model.meta['min_confidence']}; {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
