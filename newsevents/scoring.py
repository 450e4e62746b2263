"""Score predicted visits against gold visits by the rules of ``eval/VISITS.md``.

A prediction matches a gold visit of the same article when visitor, host and status
class (``occurred`` vs ``planned``; ``cancelled`` counts as planned) agree and the
predicted date falls in the gold date's period at month level (a gold year accepts any
month of it; an undated gold visit, from an article with no publication date, accepts an
undated prediction). Each gold row matches at most one prediction. Gold rows with
``explicit: false`` are optional: matching one counts, missing one does not.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable

from tasks.cluster import status_class


def date_matches(predicted: dt.date | None, gold_when: str | None) -> bool:
    """Does a predicted date fall in the gold date's period at month level (a gold year: any month of it)?"""
    if gold_when is None:  # an article with no publication date and no date in the text
        return predicted is None
    if predicted is None:
        return False
    parts = gold_when.split("-")
    if len(parts) == 1:
        return predicted.year == int(parts[0])
    return (predicted.year, predicted.month) == (int(parts[0]), int(parts[1]))


@dataclass
class Score:
    predictions: int = 0
    matched_predictions: int = 0
    gold: int = 0  # required gold rows + optional rows that were matched
    matched_gold: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched_predictions / self.predictions if self.predictions else 0.0

    @property
    def recall(self) -> float:
        return self.matched_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(
    predictions: Iterable[dict[str, Any]], gold: Iterable[dict[str, Any]], klass: str, directed: bool = True
) -> Score:
    """Score one status class. ``predictions``: rows with doc_id, visitor, host, status, when (date);
    ``gold``: rows with doc_id and the gold fields (visitor, host, when, status, explicit)."""
    def pair(row: dict[str, Any]) -> tuple:
        key = (row["visitor"], row["host"])
        return key if directed else tuple(sorted(key))

    preds = [p for p in predictions if status_class(p["status"]) == klass]
    golds = [g for g in gold if status_class(g["status"]) == klass]
    result = Score(predictions=len(preds))
    used: set[int] = set()
    # required gold first, so an optional row never takes a prediction a required one needs
    order = sorted(range(len(golds)), key=lambda i: not golds[i].get("explicit", True))
    matched_pred: set[int] = set()
    for gi in order:
        g = golds[gi]
        hit = next(
            (
                pi
                for pi, p in enumerate(preds)
                if pi not in used and p["doc_id"] == g["doc_id"] and pair(p) == pair(g) and date_matches(p["when"], g["when"])
            ),
            None,
        )
        required = g.get("explicit", True)
        if hit is not None:
            used.add(hit)
            matched_pred.add(hit)
            result.matched_gold += 1
            result.gold += 1
        elif required:
            result.gold += 1
            result.misses.append(g)
    result.matched_predictions = len(matched_pred)
    result.false_alarms = [p for pi, p in enumerate(preds) if pi not in matched_pred]
    return result


def describe(s: Score, width: int = 160) -> list[str]:
    """One line per missed gold visit and per false alarm of a score, to read the errors by."""
    lines = [f"  MISS  {g['doc_id']}: {g['visitor']}->{g['host']} {g['when']} {g['status']} | {g['evidence'][:width]}" for g in s.misses]
    lines += [
        f"  FALSE {p['doc_id']}: {p['visitor']}->{p['host']} {p['when']} {p['precision']} {p['status']} "
        f"{p.get('confidence', '')} | {p['evidence'][:width]}"
        for p in s.false_alarms
    ]
    return lines
