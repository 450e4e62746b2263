"""Train the visit model from annotated articles (the format of ``../shared/eval/train``).

Articles are read through the pipeline's own ingest and normalise functions, so the model
sees exactly the text and reference date it will see in a run. Each candidate is labelled
from the gold visits of its article: a gold visit of the same visitor and host whose
evidence is this sentence makes it a visit of that status class (its date options are
labelled by the gold date, at month level); a gold visit of the pair told in another
sentence leaves it out of training (it may be a further mention of the same visit);
anything else is no visit. Where a sentence names the visitor's country more than once,
the pair is several candidates: the visit head is fitted once, then again with
only the candidate it scored highest kept as the visit (the others left out), so that it
learns which mention stands for the party. Both heads are L2-regularised logistic regressions (scikit-learn,
fixed settings, deterministic). Calibration and the default ``min_confidence`` come from
out-of-fold predictions on the training articles, never from articles a fold was fitted on.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from newsevents.scoring import date_matches, score as score_visits
from tasks.cluster import status_class
from tasks.extract import visits
from tasks.extract.features import status_features, with_date
from tasks.extract.linear import Calibration, Head, Model

SETTINGS_PATH = Path(__file__).parent / "model" / "training.json"


@dataclass
class Example:
    """One annotated article, prepared once."""

    doc_id: str
    reference: dt.date | None
    prepared: visits.Prepared | None
    gold: list[dict[str, Any]]


def settings() -> dict[str, Any]:
    """Training settings (regularisation, folds, seed, thresholds grid) from their data file."""
    return json.loads(SETTINGS_PATH.read_text(encoding="utf-8"))


def read_articles(path: Path) -> list[dict[str, Any]]:
    """Articles of a JSONL file as the pipeline's normalise stage makes them."""
    from tasks.ingest import discover, read_inputs
    from warehouse.ledger import LedgerIndex
    from tasks.normalise import normalise_records

    files, missing = discover([str(path)])
    if missing or not files:
        raise FileNotFoundError(f"no articles at {path}: give the folder of an annotated set (articles.jsonl)")
    records, rejected = read_inputs(files)
    shard = normalise_records(records, rejected, LedgerIndex(), "training", dt.datetime.now(dt.UTC))
    return shard.articles


def read_gold(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Gold visits by article id."""
    out: dict[str, list[dict[str, Any]]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                out[row["id"]] = [{**v, "doc_id": row["id"]} for v in row["visits"]]
    return out


def load_examples(folders: Iterable[Path]) -> list[Example]:
    """Every article of the annotated sets in ``folders``, in file order."""
    out = []
    for folder in folders:
        gold = read_gold(folder / "visits.gold.jsonl")
        for a in read_articles(folder / "articles.jsonl"):
            out.append(Example(a["doc_id"], a["reference_date"], visits.prepare(a["body"], a["reference_date"]), gold.get(a["doc_id"], [])))
    return out


_NORM = re.compile(r"[^a-z0-9]+")


def _tokens(text: str) -> set[str]:
    return set(_NORM.split(text.lower())) - {""}


def same_sentence(a: str, b: str) -> bool:
    """Is our sentence ``a`` the annotator's evidence ``b`` (split or joined differently)?"""
    na, nb = " ".join(_NORM.split(a.lower())).strip(), " ".join(_NORM.split(b.lower())).strip()
    if na and nb and (na in nb or nb in na):
        return True
    ta, tb = _tokens(a), _tokens(b)
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= 0.6


def labels(ex: Example) -> list[tuple[str | None, list[bool]]]:
    """Per candidate: its class (``none``, ``occurred``, ``planned``; None: left out) and which
    of its date options agree with the gold date."""
    out = []
    assert ex.prepared is not None
    for c in ex.prepared.candidates:
        sentence = ex.prepared.analysis.parts[c.index]
        pair = [g for g in ex.gold if g["visitor"] == c.visitor.country and g["host"] == c.host.country]
        here = [g for g in pair if same_sentence(sentence, g.get("evidence") or "")]
        if here:
            klass = status_class(here[0]["status"])
            dates = [any(date_matches(o.when, g["when"]) for g in here) for o in c.dates]
            out.append((klass, dates))
        elif pair:
            out.append((None, [False] * len(c.dates)))
        else:
            out.append(("none", [False] * len(c.dates)))
    return out


def _fit_head(rows: list[dict[str, float]], y: list[str], c: float, min_count: int) -> Head:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for r in rows:
        for k in r:
            counts[k] = counts.get(k, 0) + 1
    keep = {k for k, n in counts.items() if n >= min_count}
    rows = [{k: v for k, v in r.items() if k in keep} for r in rows]
    vec = DictVectorizer(sparse=True, sort=True)
    x = vec.fit_transform(rows)
    clf = LogisticRegression(C=c, max_iter=3000, tol=1e-6)
    clf.fit(x, y)
    names = vec.get_feature_names_out()
    coef = clf.coef_
    weights = {}
    for j, name in enumerate(names):
        w = tuple(round(float(coef[i, j]), 4) for i in range(coef.shape[0]))
        if any(abs(v) >= 1e-4 for v in w):
            weights[str(name)] = w
    return Head(tuple(str(k) for k in clf.classes_), tuple(round(float(b), 4) for b in clf.intercept_), weights)


def fit(examples: list[Example], cfg: dict[str, Any]) -> Model:
    """Both heads on ``examples``, uncalibrated, with no threshold."""
    date_rows, date_y, labelled = [], [], []
    for ex in examples:
        if ex.prepared is None:
            continue
        lab = labels(ex)
        labelled.append((ex, lab))
        for opts, (klass, dates) in zip(ex.prepared.date_features, lab):
            if klass in ("occurred", "planned") and any(dates):
                date_rows.extend(opts)
                date_y.extend("1" if d else "0" for d in dates)
    date_head = _fit_head(date_rows, date_y, cfg["date_c"], cfg["min_feature_count"])
    rows, y, status_rows, status_y = [], [], [], []
    keys: list[tuple[int, int, str, str]] = []
    for ex, lab in labelled:
        for c, f, opts, tense, (klass, dates) in zip(
            ex.prepared.candidates, ex.prepared.features, ex.prepared.date_features, ex.prepared.tenses, lab
        ):
            if klass is None:
                continue
            best = visits.best_date(date_head, opts)
            row = with_date(f, c.dates[best], ex.reference)
            rows.append(row)
            y.append("0" if klass == "none" else "1")
            keys.append((id(ex), c.index, c.visitor.country, c.host.country))
            if klass != "none":
                status_rows.append(status_features(c, ex.prepared.masked[c.index], tense, c.dates[best], ex.reference))
                status_y.append(klass)
    visit_head = _fit_head(rows, y, cfg["visit_c"], cfg["min_feature_count"])
    # a visitor country named twice in a sentence is two candidates: keep as the visit the
    # one the model finds likelier, leave the other out, and fit again
    best: dict[tuple[int, int, str, str], tuple[float, int]] = {}
    for n, (key, row, label) in enumerate(zip(keys, rows, y)):
        if label == "1":
            p = visit_head.proba(row)["1"]
            if key not in best or p > best[key][0]:
                best[key] = (p, n)
    chosen = {n for _, n in best.values()}
    keep = [n for n, (key, label) in enumerate(zip(keys, y)) if label == "0" or n in chosen]
    if len(keep) < len(rows):
        visit_head = _fit_head([rows[n] for n in keep], [y[n] for n in keep], cfg["visit_c"], cfg["min_feature_count"])
    status_head = _fit_head(status_rows, status_y, cfg["status_c"], cfg["min_feature_count"])
    return Model(cfg["version"], {"date": date_head, "visit": visit_head, "status": status_head}, Calibration((), ()), {})


def predict(model: Model, examples: list[Example], floor: float = 0.0) -> list[dict[str, Any]]:
    """Merged visit predictions for ``examples`` as scoring rows (confidence kept)."""
    out = []
    for ex in examples:
        if ex.prepared is None:
            continue
        for v in visits.kept_visits(ex.prepared, model, ex.reference, floor):
            out.append({"doc_id": ex.doc_id, "visitor": v.visitor, "host": v.host, "status": v.status,
                        "when": v.when, "precision": v.precision, "confidence": v.confidence, "evidence": v.sentence})
    return out


def folds(examples: list[Example], k: int, seed: int) -> list[list[int]]:
    """``k`` folds of article indices, by a seeded shuffle (articles, never sentences, are split)."""
    import random

    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


def out_of_fold(examples: list[Example], cfg: dict[str, Any], k: int, seed: int) -> list[dict[str, Any]]:
    """Predictions for every article by a model fitted without its fold (floor ``cfg['floor']``)."""
    preds = []
    for test in folds(examples, k, seed):
        held = set(test)
        model = fit([e for i, e in enumerate(examples) if i not in held], cfg)
        preds.extend(predict(model, [examples[i] for i in test], cfg["floor"]))
    return preds


def matched_flags(preds: list[dict[str, Any]], gold: list[dict[str, Any]]) -> list[bool]:
    """Which predictions the scorer matches to a gold visit (or to an optional one)."""
    flags = [False] * len(preds)
    for klass in ("occurred", "planned"):
        idx = [i for i, p in enumerate(preds) if status_class(p["status"]) == klass]
        s = score_visits([preds[i] for i in idx], gold, klass)
        wrong = {id(p) for p in s.false_alarms}
        for i in idx:
            flags[i] = id(preds[i]) not in wrong
    return flags


def calibrate(preds: list[dict[str, Any]], flags: list[bool]) -> Calibration:
    """Isotonic curve from raw confidence to the share of predictions that are right."""
    from sklearn.isotonic import IsotonicRegression

    if len(preds) < 10:
        return Calibration((), ())
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit([p["confidence"] for p in preds], [1.0 if f else 0.0 for f in flags])
    return Calibration(tuple(round(float(x), 4) for x in iso.X_thresholds_), tuple(round(float(y), 4) for y in iso.y_thresholds_))


def f1_at(preds: list[dict[str, Any]], gold: list[dict[str, Any]], threshold: float, key: str = "confidence") -> tuple[float, float]:
    kept = [p for p in preds if p[key] >= threshold]
    return score_visits(kept, gold, "occurred").f1, score_visits(kept, gold, "planned").f1


def train(examples: list[Example], cfg: dict[str, Any] | None = None) -> Model:
    """The shipped model: both heads on all ``examples``; calibration and threshold from
    out-of-fold predictions on them."""
    cfg = cfg or settings()
    gold = [g for ex in examples for g in ex.gold]
    oof = out_of_fold(examples, cfg, cfg["inner_folds"], cfg["seed"])
    calibration = calibrate(oof, matched_flags(oof, gold))
    for p in oof:
        p["calibrated"] = calibration(p["confidence"])
    grid = cfg["threshold_grid"]
    best = max(grid, key=lambda t: (sum(f1_at(oof, gold, t, "calibrated")), -t))
    model = fit(examples, cfg)
    meta = {
        "min_confidence": best,
        "articles": len(examples),
        "gold_visits": len(gold),
        "settings": cfg,
        "out_of_fold_f1_at_min_confidence": [round(x, 4) for x in f1_at(oof, gold, best, "calibrated")],
    }
    return Model(model.version, model.heads, calibration, meta)
