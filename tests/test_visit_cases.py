"""Visit extraction checked against hand-written cases kept as data.

Every line of ``tests/cases/visits/<phenomenon>.jsonl`` is one short article with the exact
set of visits it reports under the rules of VISITS.md:

    {"id": "...", "published": "YYYY-MM-DD" | null, "title": "..." (optional), "text": "...",
     "visits": [{"visitor": "ISO3", "host": "ISO3", "when": "YYYY-MM-DD" | "YYYY-MM" | "YYYY" | null,
                 "precision": "day|week|month|year|article", "status": "occurred|planned|cancelled"}],
     "why": "the rule the case checks", "known_gap": "why the extractor fails it" (optional)}

``when`` is written at the case's precision: a full date for day, week (its ISO Monday) and
article (the publication date, null when there is none), ``YYYY-MM`` for month, ``YYYY`` for
year. A case with ``known_gap`` is a strict expected failure: it fails the run as soon as the
extractor gets it right, so that the mark is removed. After the visit model is retrained,
``python tests/test_visit_cases.py --mark-gaps`` rewrites the marks from what it gets wrong.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from conftest import SHARED

CASES_DIR = Path(__file__).parent / "cases" / "visits"
PHENOMENA = (
    "datelines", "participles", "tours", "summits", "hosts", "sending", "departures", "status",
    "tense", "holidays", "undated", "negatives", "introductions", "capitals", "background",
)
PRECISIONS = ("day", "week", "month", "year", "article")
STATUSES = ("occurred", "planned", "cancelled")
CASE_KEYS = {"id", "published", "title", "text", "visits", "why", "known_gap"}
REQUIRED_KEYS = {"id", "published", "text", "visits", "why"}
VISIT_KEYS = ("visitor", "host", "when", "precision", "status")
WHEN_FORMAT = {"day": r"\d{4}-\d{2}-\d{2}", "week": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}"}
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
OVERLAP_WORDS = 6


@dataclass(frozen=True)
class Line:
    path: Path
    number: int
    raw: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(CASES_DIR.parents[2])}:{self.number}"


def _lines(path: Path) -> list[Line]:
    return [Line(path, n, raw) for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if raw.strip()]


def _case_files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.jsonl"))


def _parsed(line: Line) -> dict | None:
    try:
        case = json.loads(line.raw)
    except json.JSONDecodeError:
        return None
    return case if isinstance(case, dict) else None


def _params() -> list:
    params = []
    for path in _case_files():
        for line in _lines(path):
            case = _parsed(line)
            if case is None or not isinstance(case.get("id"), str):
                continue  # reported by test_case_file_is_well_formed
            gap = case.get("known_gap")
            marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
            params.append(pytest.param(line, case, id=f"{path.stem}/{case['id']}", marks=marks))
    return params


def _when_text(when: dt.date | None, precision: str) -> str | None:
    """A predicted date written as the cases write theirs, at the prediction's precision."""
    if when is None:
        return None
    if precision == "month":
        return f"{when.year:04d}-{when.month:02d}"
    if precision == "year":
        return f"{when.year:04d}"
    return when.isoformat()


def _published(case: dict) -> dt.date | None:
    return dt.date.fromisoformat(case["published"]) if case["published"] else None


def _show(rows: set[tuple]) -> str:
    return "\n".join(f"    {r}" for r in sorted(rows, key=repr)) or "    (none)"


def _difference(case: dict) -> tuple[set[tuple], set[tuple]]:
    """(missing, extra) visits of the extractor on a case, as (visitor, host, status, when, precision)."""
    from tasks.extract.visits import extract_visits

    expected = {tuple(v[k] for k in ("visitor", "host", "status", "when", "precision")) for v in case["visits"]}
    found = extract_visits(case["text"], _published(case), case.get("title"))
    predicted = {(v.visitor, v.host, v.status, _when_text(v.when, v.precision), v.precision) for v in found}
    return expected - predicted, predicted - expected


@pytest.mark.parametrize(("line", "case"), _params())
def test_visit_case(line: Line, case: dict) -> None:
    missing, extra = _difference(case)
    if missing or extra:
        pytest.fail(
            f"{line.where} {case['id']}: {case['why']}\n"
            f"  text: {case['text']}\n"
            f"  (visitor, host, status, when, precision)\n"
            f"  missing (expected, not predicted):\n{_show(missing)}\n"
            f"  extra (predicted, not expected):\n{_show(extra)}",
            pytrace=False,
        )


def _visit_problems(visit: object, published: str | None) -> list[str]:
    from tasks.extract.gazetteer import Gazetteer

    if not isinstance(visit, dict):
        return ["a visit is not an object"]
    if set(visit) != set(VISIT_KEYS):
        return [f"visit keys {sorted(visit)} are not {sorted(VISIT_KEYS)}"]
    problems = []
    gazetteer = Gazetteer.default()
    for role in ("visitor", "host"):
        if not isinstance(visit[role], str) or not gazetteer.is_country(visit[role]):
            problems.append(f"{role} {visit[role]!r} is not an ISO3 country code")
    if visit["visitor"] == visit["host"]:
        problems.append(f"visitor and host are both {visit['visitor']!r}")
    if visit["status"] not in STATUSES:
        problems.append(f"status {visit['status']!r} is not one of {STATUSES}")
    precision, when = visit["precision"], visit["when"]
    if precision not in PRECISIONS:
        return problems + [f"precision {precision!r} is not one of {PRECISIONS}"]
    if precision == "article":
        if when != published:
            problems.append(f"precision article needs when = published ({published!r}), not {when!r}")
        return problems
    if not isinstance(when, str) or not re.fullmatch(WHEN_FORMAT[precision], when):
        return problems + [f"when {when!r} is not written as precision {precision!r} needs"]
    try:
        day = dt.date.fromisoformat(when if precision in ("day", "week") else (when + "-01-01")[:10])
    except ValueError:
        return problems + [f"when {when!r} is not a real date"]
    if precision == "week" and day.weekday() != 0:
        problems.append(f"week {when} is not a Monday (a week is given as its ISO Monday)")
    return problems


def _case_problems(case: object) -> list[str]:
    if not isinstance(case, dict):
        return ["not a JSON object"]
    problems = []
    if missing := REQUIRED_KEYS - set(case):
        problems.append(f"missing keys {sorted(missing)}")
    if unknown := set(case) - CASE_KEYS:
        problems.append(f"unknown keys {sorted(unknown)}")
    if problems:
        return problems
    if not isinstance(case["id"], str) or not ID.fullmatch(case["id"]):
        problems.append(f"id {case['id']!r} is not lower-case words joined by '-'")
    published = case["published"]
    if published is not None:
        try:
            if not isinstance(published, str) or dt.date.fromisoformat(published).isoformat() != published:
                raise ValueError
        except ValueError:
            problems.append(f"published {published!r} is neither null nor YYYY-MM-DD")
            published = "?"
    for key in ("text", "why") + (("title",) if "title" in case else ()) + (("known_gap",) if "known_gap" in case else ()):
        if not isinstance(case[key], str) or not case[key].strip():
            problems.append(f"{key} must be a non-empty string")
    if not isinstance(case["visits"], list):
        return problems + ["visits must be a list"]
    for i, visit in enumerate(case["visits"]):
        problems += [f"visit {i}: {p}" for p in _visit_problems(visit, published)]
    rows = [json.dumps(v, sort_keys=True) for v in case["visits"]]
    if len(rows) != len(set(rows)):
        problems.append("the same visit is listed twice")
    return problems


@pytest.mark.parametrize("path", _case_files(), ids=lambda p: p.stem)
def test_case_file_is_well_formed(path: Path) -> None:
    problems, ids = [], {}
    for line in _lines(path):
        try:
            case = json.loads(line.raw)
        except json.JSONDecodeError as e:
            problems.append(f"{line.where}: not valid JSON ({e.msg} at column {e.colno})")
            continue
        problems += [f"{line.where}: {p}" for p in _case_problems(case)]
        if isinstance(case, dict) and isinstance(case.get("id"), str):
            if case["id"] in ids:
                problems.append(f"{line.where}: id {case['id']!r} already used on line {ids[case['id']]}")
            ids.setdefault(case["id"], line.number)
    assert not problems, "\n".join(problems)


def test_every_phenomenon_has_its_cases() -> None:
    counts = {p.stem: len(_lines(p)) for p in _case_files()}
    short = {name: counts.get(name, 0) for name in PHENOMENA if counts.get(name, 0) < 8}
    assert not short, f"case files with fewer than 8 cases (or missing) under {CASES_DIR}: {short}"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _ngrams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + OVERLAP_WORDS]) for i in range(len(words) - OVERLAP_WORDS + 1)}


@cache
def _shared_ngrams() -> frozenset[tuple[str, ...]]:
    grams: set[tuple[str, ...]] = set()
    for name in ("eval/dev/articles.jsonl", "eval/train/articles.jsonl"):
        path = SHARED / name
        if path.exists():
            for raw in path.read_text(encoding="utf-8").splitlines():
                if raw.strip():
                    article = json.loads(raw)
                    grams |= _ngrams(_words(f"{article.get('title') or ''}\n{article.get('text') or ''}"))
    seed = SHARED / "seed"
    if seed.is_dir():
        for path in sorted(p for p in seed.rglob("*") if p.is_file()):
            grams |= _ngrams(_words(path.read_text(encoding="utf-8", errors="replace")))
    return frozenset(grams)


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"no shared article texts at {SHARED}")
def test_cases_share_no_six_word_run_with_shared_articles() -> None:
    grams = _shared_ngrams()
    assert grams, f"no article texts read under {SHARED}"
    hits = []
    for path in _case_files():
        for line in _lines(path):
            case = _parsed(line) or {}
            for key in ("title", "text"):
                shared = sorted(_ngrams(_words(str(case.get(key) or ""))) & grams)
                if shared:
                    hits.append(f"{line.where} {key}: " + "; ".join(" ".join(g) for g in shared))
    assert not hits, f"case sentences share a run of {OVERLAP_WORDS} words with a shared article:\n" + "\n".join(hits)


def mark_gaps() -> int:
    """Rewrite every case's ``known_gap`` for the extractor as it is (after the model is
    retrained): a failing case gets the differences as its mark, a passing one loses it.
    Review the diff of the case files before committing it."""
    from tasks.extract.visits import extractor_version

    version, failing, total = extractor_version(), 0, 0
    for path in _case_files():
        out = []
        for line in _lines(path):
            case = json.loads(line.raw)
            missing, extra = _difference(case)
            total += 1
            case.pop("known_gap", None)
            if missing or extra:
                failing += 1
                parts = [f"misses {' '.join(map(str, m))}" for m in sorted(missing, key=repr)]
                parts += [f"adds {' '.join(map(str, e))}" for e in sorted(extra, key=repr)]
                case["known_gap"] = f"{version}: " + "; ".join(parts)
            out.append(json.dumps(case, ensure_ascii=False))
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{total - failing} of {total} cases pass with {version}; {failing} marked known_gap")
    return 0


if __name__ == "__main__":
    # python tests/test_visit_cases.py --mark-gaps
    import sys

    if sys.argv[1:] != ["--mark-gaps"]:
        sys.exit("usage: python tests/test_visit_cases.py --mark-gaps")
    sys.exit(mark_gaps())
