"""A linear model over sparse named features, read from a JSON file: the runtime half of
every learned decision (no training library needed to apply it).

A head holds, per class, a weight for each feature name and an intercept; ``proba``
gives the softmax over classes (one class column: the logistic of it). Calibration
maps a score to a probability by a monotone piecewise-linear curve fitted on held-out
predictions. Event types other than visits are new heads in the same file format.
"""
from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping


@dataclass(frozen=True)
class Head:
    """One decision: classes, their intercepts and feature weights."""

    classes: tuple[str, ...]
    intercept: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Head":
        return cls(tuple(data["classes"]), tuple(data["intercept"]), {k: tuple(v) for k, v in data["weights"].items()})

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "intercept": list(self.intercept), "weights": {k: list(v) for k, v in sorted(self.weights.items())}}

    def scores(self, features: Mapping[str, float]) -> list[float]:
        """The linear score of each weight column."""
        out = list(self.intercept)
        weights = self.weights
        for name, value in features.items():
            w = weights.get(name)
            if w is not None:
                for i, wi in enumerate(w):
                    out[i] += wi * value
        return out

    def proba(self, features: Mapping[str, float]) -> dict[str, float]:
        """Probability of each class."""
        s = self.scores(features)
        if len(s) == 1:  # binary: the one column scores the second class
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, s[0]))))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        top = max(s)
        e = [math.exp(x - top) for x in s]
        total = sum(e)
        return {c: x / total for c, x in zip(self.classes, e)}


@dataclass(frozen=True)
class Calibration:
    """A monotone curve from raw probability to observed frequency."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __call__(self, p: float) -> float:
        if not self.x:
            return p
        i = bisect.bisect_right(self.x, p)
        if i == 0:
            return self.y[0]
        if i == len(self.x):
            return self.y[-1]
        x0, x1, y0, y1 = self.x[i - 1], self.x[i], self.y[i - 1], self.y[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (p - x0) / (x1 - x0)


@dataclass(frozen=True)
class Model:
    """A versioned set of heads with their calibration and metadata."""

    version: str
    heads: Mapping[str, Head]
    calibration: Calibration
    meta: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path | str) -> "Model":
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            return cls(
                data["version"],
                {name: Head.from_json(h) for name, h in data["heads"].items()},
                Calibration(tuple(data["calibration"]["x"]), tuple(data["calibration"]["y"])),
                data.get("meta", {}),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"cannot read the model file {path}: {exc}; rebuild it with `python scripts/train_visits.py`"
            ) from exc

    def save(self, path: Path | str) -> None:
        data = {
            "version": self.version,
            "meta": dict(self.meta),
            "calibration": {"x": list(self.calibration.x), "y": list(self.calibration.y)},
            "heads": {name: h.to_json() for name, h in sorted(self.heads.items())},
        }
        Path(path).write_text(json.dumps(data, indent=0, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")
