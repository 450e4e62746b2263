"""The learned visit extractor as a user of it relies on: features that never name who the
parties are, confidence that is a probability, the ``min_confidence`` and ``visit_model``
settings, and a clear error for a broken model file."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from newsevents.config import Settings
from tasks.extract import visits

CASES = Path(__file__).parent / "cases" / "visits"
TEXT = (
    "Kenyan President William Ruto arrived in Addis Ababa on Monday for a two-day state visit, "
    "his office said. Ruto will travel on to Djibouti on Wednesday."
)
PUBLISHED = dt.date(2023, 5, 10)


def _cases() -> list[dict]:
    return [json.loads(line) for path in sorted(CASES.glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_features_describe_the_wording_never_the_parties():
    named = 0
    for case in _cases():
        reference = dt.date.fromisoformat(case["published"]) if case["published"] else None
        prepared = visits.prepare(case["text"], reference)
        if prepared is None:
            continue
        for c, f in zip(prepared.candidates, prepared.features):
            names = {a.text.lower() for a in prepared.analysis.actors[c.index] if len(a.text) >= 4}
            keys = " ".join(f)
            for name in names:
                named += 1
                assert not re.search(rf"\b{re.escape(name)}\b", keys), f"{case['id']}: a feature names {name!r}"
            assert c.visitor.country not in keys and c.host.country not in keys, f"{case['id']}: a feature names a country code"
    assert named > 100  # the check looked at the names of many parties


def test_confidence_is_a_probability_and_min_confidence_decides_what_is_kept():
    everything = visits.extract_visits(TEXT, PUBLISHED, min_confidence=0.0)
    default = visits.extract_visits(TEXT, PUBLISHED)
    assert all(0.0 <= v.confidence <= 1.0 for v in everything)
    assert {(v.visitor, v.host) for v in default} <= {(v.visitor, v.host) for v in everything}
    assert ("KEN", "ETH") in {(v.visitor, v.host) for v in default}
    assert visits.extract_visits(TEXT, PUBLISHED, min_confidence=1.01) == []
    threshold = visits.load_model().meta["min_confidence"]
    assert all(v.confidence >= threshold for v in default)


def test_the_settings_name_the_threshold_and_the_model(monkeypatch):
    monkeypatch.setenv("NEWSEVENTS_MIN_CONFIDENCE", "0.7")
    monkeypatch.setenv("NEWSEVENTS_VISIT_MODEL", "/models/visits-2.json")
    settings = Settings.from_env()
    assert settings.min_confidence == 0.7 and settings.visit_model == "/models/visits-2.json"
    monkeypatch.setenv("NEWSEVENTS_MIN_CONFIDENCE", "high")
    with pytest.raises(ValueError, match="NEWSEVENTS_MIN_CONFIDENCE='high'"):
        Settings.from_env()
    monkeypatch.delenv("NEWSEVENTS_MIN_CONFIDENCE")
    monkeypatch.delenv("NEWSEVENTS_VISIT_MODEL")
    assert Settings.from_env().min_confidence is None  # the model's own, chosen by cross-validation


def test_another_model_file_is_used_and_stamped_on_rows(tmp_path):
    from tasks.extract.linear import Model
    from tasks.extract.mentions import extract_mentions

    shipped = visits.load_model()
    other = tmp_path / "visits.json"
    Model("9.9-test", shipped.heads, shipped.calibration, dict(shipped.meta)).save(other)
    article = {"duplicate_of": None, "body": TEXT, "reference_date": PUBLISHED, "title": "Ruto in Ethiopia",
               "article_id": "a1", "content_hash": "h1", "doc_id": "ruto", "source": "test"}
    rows = extract_mentions([article], "run", Settings(visit_model=str(other)))
    assert rows and {r["extractor_version"] for r in rows} == {"visits/9.9-test"}
    assert extract_mentions([article], "run", Settings())[0]["extractor_version"] == f"visits/{shipped.version}"


def test_a_broken_model_file_is_a_clear_error(tmp_path):
    broken = tmp_path / "visits.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"cannot read the model file .*visits.json.*scripts/train_visits.py"):
        visits.extract_visits(TEXT, PUBLISHED, model_path=str(broken))


def test_work_per_article_is_bounded():
    from tasks.extract import sentences

    run_on = "the envoy flew to Lima and met officials " * 200
    pieces = sentences.bounded(run_on, 1000)
    assert all(len(p) <= 1000 for p in pieces) and len(pieces) == 9
    assert " ".join(pieces).split() == run_on.split()  # cut at spaces, nothing lost
    filler = "Markets were calm and trading was thin. " * (visits.MAX_ARTICLE_CHARS // 40)
    assert visits.extract_visits(filler + TEXT, PUBLISHED) == []  # past the cap: not read
    assert visits.extract_visits(TEXT + " " + filler, PUBLISHED) == visits.extract_visits(TEXT, PUBLISHED)


def _mention(status: str, when: dt.date, confidence: float) -> visits.Visit:
    return visits.Visit("FRA", "DZA", when, "day", status, True, None, None, "", confidence, None)


def test_mentions_of_one_visit_take_one_status_by_weighted_vote():
    day = dt.date(2015, 6, 16)
    scored = [(_mention("planned", day, 0.3), {"occurred": 0.2}), (_mention("occurred", day, 0.9), {"occurred": 0.8}),
              (_mention("planned", dt.date(2015, 9, 1), 0.5), {"occurred": 0.1})]
    out = visits.one_status_per_visit(scored, day)
    # the June mentions: (0.3 * 0.2 + 0.9 * 0.8) / 1.2 = 0.65 -> occurred; September is another visit
    assert [v.status for v in out] == ["occurred", "occurred", "planned"]
    # (0.3 * 0.2 + 0.9 * 0.3) / 1.2 = 0.275 -> planned; called off, as one of them says
    scored[:2] = [(_mention("cancelled", day, 0.3), {"occurred": 0.2}), (_mention("occurred", day, 0.9), {"occurred": 0.3})]
    assert [v.status for v in visits.one_status_per_visit(scored, day)] == ["cancelled", "cancelled", "planned"]
