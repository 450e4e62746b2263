"""Quality floors checked on every run: cross-validated visit extraction on the annotated
sets may not fall below ``eval_floor.json``, and the shipped model is what the training
command rebuilds from those sets. Both read the annotated articles from ../shared."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SHARED

EVAL = SHARED / "eval"
SETS = [EVAL / "train", EVAL / "dev"]
FLOORS = json.loads((Path(__file__).parent / "eval_floor.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(
    not all((s / "visits.gold.jsonl").is_file() for s in SETS), reason=f"no annotated sets under {EVAL}"
)


@pytest.fixture(scope="module")
def examples():
    from tasks.extract import training

    return training.load_examples(SETS)


def test_cross_validated_f1_stays_above_the_floor(examples):
    from newsevents.scoring import score
    from tasks.extract import training

    cfg = training.settings()
    preds = []
    for test in training.folds(examples, 5, cfg["seed"]):
        held = set(test)
        model = training.train([e for i, e in enumerate(examples) if i not in held], cfg)
        preds += training.predict(model, [examples[i] for i in test], model.meta["min_confidence"])
    gold = [g for ex in examples for g in ex.gold]
    occurred, planned = score(preds, gold, "occurred"), score(preds, gold, "planned")
    free = score(preds, gold, "occurred", directed=False)
    assert occurred.f1 >= FLOORS["occurred_f1"], f"occurred F1 {occurred.f1:.3f} < floor {FLOORS['occurred_f1']}"
    assert planned.f1 >= FLOORS["planned_f1"], f"planned F1 {planned.f1:.3f} < floor {FLOORS['planned_f1']}"
    assert free.f1 >= FLOORS["direction_free_occurred_f1"], f"direction-free occurred F1 {free.f1:.3f} < floor"


def test_shipped_model_is_what_the_training_command_rebuilds(examples):
    from tasks.extract import training
    from tasks.extract.linear import Model
    from tasks.extract.visits import MODEL_PATH

    shipped = Model.load(MODEL_PATH)
    rebuilt = training.train(examples)
    assert rebuilt.version == shipped.version
    assert rebuilt.meta["min_confidence"] == shipped.meta["min_confidence"]
    assert rebuilt.calibration.x == pytest.approx(shipped.calibration.x, abs=2e-3)
    assert rebuilt.calibration.y == pytest.approx(shipped.calibration.y, abs=2e-3)
    for name, head in shipped.heads.items():
        other = rebuilt.heads[name]
        assert other.classes == head.classes
        zero = (0.0,) * len(head.intercept)
        names = set(head.weights) | set(other.weights)
        worst = max(abs(a - b) for k in names for a, b in zip(head.weights.get(k, zero), other.weights.get(k, zero)))
        assert worst <= 2e-3, f"head {name}: a weight differs by {worst} from the shipped model; retrain with scripts/train_visits.py"
