"""Diplomatic visits from article text: who (country A) went to whom (country B), when, and
whether it happened, is planned or was called off (see ``../shared/eval/VISITS.md``).

Three stages per article:

1. **candidates** (``candidates.py``): every ordered pair of two countries named in a
   sentence with a travel or meeting word, or brought in by the article's context (the
   person it is about, its dateline, its last summit), with the sentence's dates;
2. **features** (``features.py``): how the text states each candidate — wording, the kind
   and position of each party's mention, clause breaks, tense and status cues, what the
   hand rules of ``rules.py`` propose — never which countries they are;
3. **model** (``model/visits.json``, trained by ``scripts/train_visits.py`` on the annotated
   articles): the ``date`` head picks the candidate's date among its options, the
   ``visit`` head gives P(no visit / occurred / planned); the calibrated probability of a
   visit is its ``confidence``, and a candidate is kept when it reaches ``min_confidence``.

Mentions of the same visit in several sentences of one article take one status (their
P(occurred) weighted by confidence) and merge into one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from tasks.extract import rules, temporal
from tasks.extract.candidates import Candidate, candidates
from tasks.extract.features import CUE_AFTER, CUE_BEFORE, ArticleContext, candidate_features, clause_tense, date_features, mask, status_features, with_date
from tasks.extract.linear import Head, Model
from tasks.extract.rules import Visit

MODEL_PATH = Path(__file__).parent / "model" / "visits.json"
# Visits are read from the first 60,000 characters of a body (a long news story has 10-20,000):
# bounded work per article, however long or dense the input (worst case about 2 s).
MAX_ARTICLE_CHARS = 60_000
__all__ = ["Visit", "extract_visits", "kept_visits", "prepare", "score", "load_model", "extractor_version"]


@cache
def load_model(path: str | None = None) -> Model:
    """The visit model (the shipped one unless ``path`` names another), loaded once."""
    return Model.load(path or MODEL_PATH)


def extractor_version(path: str | None = None) -> str:
    """``visits/<model version>``: stamped on every event row."""
    return f"visits/{load_model(path).version}"


def _cancelled(lowered: str, c: Candidate) -> bool:
    """Whether a "cancelled" cue lies in the status cue window around the candidate's visit word."""
    pattern, statuses = rules._cues()
    t = c.trigger
    window = pattern.finditer(lowered, max(0, t.start - CUE_BEFORE), t.end + CUE_AFTER)
    return any(statuses[m.group(0)] == "cancelled" for m in window)


@dataclass
class Prepared:
    """What the model reads of an article, computed once: its candidates, their features
    before the date is chosen, and the features of each of their date options."""

    analysis: rules.Analysis
    candidates: list[Candidate]
    features: list[dict[str, float]]
    date_features: list[list[dict[str, float]]]
    masked: dict[int, str]  # candidate sentences, lower-cased, actor names masked (``features.mask``)
    tenses: list[str]  # per candidate: the tense of its visit word's clause


def prepare(text: str, reference_date: dt.date | None) -> Prepared | None:
    """Candidates and features of an article (its first ``MAX_ARTICLE_CHARS``); None when it has no candidate."""
    analysis = rules.analyse(text[:MAX_ARTICLE_CHARS], reference_date)
    if analysis is None:
        return None
    cands = candidates(analysis, reference_date)
    if not cands:
        return None
    index = {s: i for i, s in enumerate(analysis.parts)}
    proposals: dict[int, dict[tuple[str, str], list[Visit]]] = {}
    rule_dates: dict[tuple[int, str, str], set] = {}
    for v in analysis.proposals:
        i = index.get(v.sentence)
        if i is not None:
            proposals.setdefault(i, {}).setdefault((v.visitor, v.host), []).append(v)
            rule_dates.setdefault((i, v.visitor, v.host), set()).add((v.when, v.precision))
    lowered = {i: mask(analysis.parts[i].lower(), analysis.actors[i]) for i in {c.index for c in cands}}
    ctx = _context(analysis, cands)
    feats, dates = [], []
    views: dict = {}  # what the candidates of a sentence share, computed once
    for c in cands:
        sentence, low = analysis.parts[c.index], lowered[c.index]
        feats.append(candidate_features(c, sentence, low, analysis.actors[c.index], proposals.get(c.index, {}), ctx, analysis.triggers[c.index], views))
        rd = rule_dates.get((c.index, c.visitor.country, c.host.country), set())
        dates.append([date_features(c, o, sentence, low, analysis.triggers[c.index], reference_date, rd) for o in c.dates])
    tense_of = {i: temporal._Tenses(low) for i, low in lowered.items()}
    tenses = [clause_tense(tense_of[c.index], c) for c in cands]
    return Prepared(analysis, cands, feats, dates, lowered, tenses)


def _context(analysis: rules.Analysis, cands: list[Candidate]) -> ArticleContext:
    pairs: dict[tuple[str, str], set[int]] = {}
    for c in cands:
        pairs.setdefault((c.visitor.country, c.host.country), set()).add(c.index)
    topic = analysis.topic.country if analysis.topic is not None else None
    lead = frozenset(a.country for a in analysis.actors[0] if a.country) if analysis.actors else frozenset()
    venues = tuple(analysis.venue[1:]) + tuple(analysis.venue[-1:])  # as known after each sentence
    return ArticleContext({k: len(v) for k, v in pairs.items()}, analysis.dateline_country, topic, lead, venues)


def best_date(date_head: Head, options: list[dict[str, float]]) -> int:
    """Index of the date option (given by its features) the date head finds likeliest."""
    return max(range(len(options)), key=lambda k: date_head.proba(options[k])["1"])


def score(prepared: Prepared, model: Model, reference_date: dt.date | None) -> list[tuple[Visit, dict[str, float]]]:
    """The visit each candidate would be (date and status chosen, confidence calibrated),
    with the candidate's class probabilities."""
    date_head, visit_head, status_head = model.heads["date"], model.heads["visit"], model.heads["status"]
    out = []
    for c, f, options, tense in zip(prepared.candidates, prepared.features, prepared.date_features, prepared.tenses):
        option = c.dates[best_date(date_head, options)]
        row = with_date(f, option, reference_date)
        sentence = prepared.analysis.parts[c.index]
        masked = prepared.masked[c.index]
        p = {**visit_head.proba(row), **status_head.proba(status_features(c, masked, tense, option, reference_date))}
        status = "occurred" if p["occurred"] >= p["planned"] else "planned"
        if status == "planned" and _cancelled(masked, c):
            status = "cancelled"
        m = c.visitor.mention
        visit = Visit(
            visitor=c.visitor.country,
            host=c.host.country,
            when=option.when,
            precision=option.precision,
            status=status,
            explicit=c.host.source == "mention",
            visitor_name=(m.name if m.kind == "person" else m.text) if m is not None else None,
            host_name=c.host.mention.text if c.host.mention is not None else None,
            sentence=sentence,
            confidence=round(model.calibration(p["1"]), 4),
            date_expression=option.mention.text if option.mention is not None else None,
        )
        out.append((visit, p))
    return out


def one_status_per_visit(scored: list[tuple[Visit, dict[str, float]]], reference_date: dt.date | None) -> list[Visit]:
    """The kept mentions of one visit (same pair, compatible dates) given one status class:
    the confidence-weighted mean of their P(occurred) decides, so that "ahead of his visit"
    and "during his visit" in one article do not make a planned and an occurred visit."""
    out = []
    for v, _ in scored:
        same = [(u, q) for u, q in scored if u.visitor == v.visitor and u.host == v.host and rules._compatible(u, v, reference_date)]
        if len(same) > 1:
            weight = sum(u.confidence for u, _ in same) or 1.0
            occurred = sum(u.confidence * q["occurred"] for u, q in same) / weight >= 0.5
            if occurred != (v.status == "occurred"):
                cancelled = any(u.status == "cancelled" for u, _ in same)
                v = replace(v, status="occurred" if occurred else "cancelled" if cancelled else "planned")
        out.append(v)
    return out


def kept_visits(prepared: Prepared, model: Model, reference_date: dt.date | None, floor: float) -> list[Visit]:
    """The visits of a prepared article with at least ``floor`` confidence, one status per
    visit, merged per visit."""
    scored = [(v, p) for v, p in score(prepared, model, reference_date) if v.confidence >= floor]
    return rules.merge(one_status_per_visit(scored, reference_date), reference_date)


def extract_visits(
    text: str, reference_date: dt.date | None, title: str | None = None,
    min_confidence: float | None = None, model_path: str | None = None,
) -> list[Visit]:
    """All distinct visits an article body reports with at least ``min_confidence`` (default:
    the model's own threshold, chosen by cross-validation), merged per visit."""
    model = load_model(model_path)
    floor = model.meta["min_confidence"] if min_confidence is None else min_confidence
    prepared = prepare(text, reference_date)
    if prepared is None:
        return []
    return kept_visits(prepared, model, reference_date, floor)
