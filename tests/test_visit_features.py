"""The status and date features of the visit model, checked against a golden file.

The shipped model (``tasks/extract/model/visits.json``) was trained on these features: if
``features.status_features``, ``date_features``, ``with_date`` or ``relation`` compute
anything else for the same text, its status and date heads read inputs they never saw.
The golden file holds, for a few of our own case articles (``tests/cases/visits``), every
candidate's features of each date option.  The articles are chosen so that together they
show every kind of these features (a feature's name up to its ``=``).  A deliberate change
of the features comes with a retrained model and a rewritten golden file:

    python scripts/train_visits.py && python tests/test_visit_features.py --update
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

if __name__ == "__main__":  # run as a script to rewrite the golden file
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tasks.extract import visits
from tasks.extract.features import status_features, with_date
from test_visit_model import _cases as case_list

GOLDEN = Path(__file__).parent / "golden" / "visit_features.json"


def _cases() -> dict[str, dict]:
    return {case["id"]: case for case in case_list()}


def _compact(features: dict[str, float]) -> list[str]:
    """A feature dict as its sorted names, with the value where it is not 1."""
    return sorted(k if v == 1.0 else f"{k}:{v}" for k, v in features.items())


def features_of(case: dict) -> list[dict]:
    """The status and date features of every candidate of a case article, per date option."""
    reference = dt.date.fromisoformat(case["published"]) if case["published"] else None
    prepared = visits.prepare(case["text"], reference)
    if prepared is None:
        return []
    out = []
    for c, f, options, tense in zip(prepared.candidates, prepared.features, prepared.date_features, prepared.tenses):
        masked = prepared.masked[c.index]
        out.append({
            "pair": f"{c.visitor.country}>{c.host.country}", "sentence": c.index,
            "trigger": masked[c.trigger.start : c.trigger.end], "tense": tense,
            "options": [{
                "when": f"{o.when}/{o.precision}",
                "date": _compact(d),
                "status": _compact(status_features(c, masked, tense, o, reference)),
                "with_date": _compact({k: v for k, v in with_date(f, o, reference).items() if k not in f}),
            } for o, d in zip(c.dates, options)],
        })
    return out


# features whose value is a word of the text or a count: their kind is their name alone; the
# others (tense, relation, precision, side, cue class ...) are kinds with their value
NAME_ONLY = ("wl", "wr", "wl2", "cuew", "trig", "first", "prev", "dist", "host_dist", "visitor_dist", "n_options")


def _kinds(candidates: list[dict]) -> set[str]:
    def kind(name: str) -> str:
        name = name.split(":")[0]
        return name.split("=")[0] if name.split("=")[0] in NAME_ONLY else name

    return {f"{part}:{kind(name)}" for c in candidates for o in c["options"] for part in ("date", "status", "with_date") for name in o[part]}


def choose_cases(cases: dict[str, dict]) -> list[str]:
    """Case ids that together show every kind of feature, chosen greedily (most new kinds first)."""
    kinds = {case_id: _kinds(features_of(case)) for case_id, case in cases.items()}
    chosen: list[str] = []
    missing = set().union(*kinds.values())
    while missing:
        best = max(sorted(kinds), key=lambda i: len(kinds[i] & missing))
        chosen.append(best)
        missing -= kinds[best]
    return sorted(chosen)


def test_status_and_date_features_are_those_the_model_was_trained_on():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    cases = _cases()
    assert golden["model"] == visits.load_model().version, "the model was retrained: rewrite the golden file (see the docstring)"
    assert len(golden["cases"]) >= 5
    for case_id, expected in golden["cases"].items():
        assert features_of(cases[case_id]) == expected, f"{case_id}: the features changed (see the docstring)"


def test_the_golden_articles_show_every_kind_of_feature():
    cases = _cases()
    every = set().union(*(_kinds(features_of(case)) for case in cases.values()))
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert every == set().union(*(_kinds(features_of(cases[i])) for i in golden["cases"]))
    assert {"status:cue=cancelled|after", "status:cuew", "date:since", "date:crosses_trigger", "with_date:date_rel=future"} <= every


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_visit_features.py --update")
    all_cases = _cases()
    ids = choose_cases(all_cases)
    GOLDEN.write_text(json.dumps({"model": visits.load_model().version,
                                  "cases": {i: features_of(all_cases[i]) for i in ids}}, indent=1) + "\n", encoding="utf-8")
    print(f"{GOLDEN}: {len(ids)} case articles")
