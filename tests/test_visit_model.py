"""The learned visit extractor as a user of it relies on: features that never name who the
parties are, confidence that is a probability, the ``min_confidence`` and ``visit_model``
settings, a clear error for a broken model file, and what makes the mentions of one visit
one row: their status vote, their date compatibility and their merge."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from newsevents.config import Settings
from tasks.extract import rules, visits

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


def test_a_vote_at_exactly_one_half_is_occurred_and_a_lost_vote_without_a_cancel_is_planned():
    day = dt.date(2015, 6, 16)
    tie = [(_mention("planned", day, 0.5), {"occurred": 0.4}), (_mention("planned", day, 0.5), {"occurred": 0.6})]
    assert [v.status for v in visits.one_status_per_visit(tie, day)] == ["occurred", "occurred"]  # (0.2 + 0.3) / 1.0
    lost = [(_mention("occurred", day, 0.9), {"occurred": 0.3}), (_mention("planned", day, 0.3), {"occurred": 0.2})]
    assert [v.status for v in visits.one_status_per_visit(lost, day)] == ["planned", "planned"]


def test_a_mention_dated_by_the_article_votes_only_with_mentions_of_its_month():
    published = dt.date(2015, 6, 16)
    undated = visits.Visit("FRA", "DZA", published, "article", "planned", True, None, None, "", 0.9, None)
    scored = [(undated, {"occurred": 0.1}), (_mention("occurred", dt.date(2015, 3, 2), 0.5), {"occurred": 0.9})]
    # March is more than 31 days before publication: two visits, each keeps its own status
    assert [v.status for v in visits.one_status_per_visit(scored, published)] == ["planned", "occurred"]
    # without a publication date the article's own date says nothing: one visit, one vote
    assert [v.status for v in visits.one_status_per_visit(scored, None)] == ["planned", "planned"]


@pytest.mark.parametrize("second, when, status", [
    ("Abiy also visited Kenya in January.", dt.date(2023, 1, 1), "occurred"),  # not merged into the visit under way
    ("Abiy will visit Kenya again in December.", dt.date(2023, 12, 1), "planned"),  # and not voting with it
])
def test_a_visit_under_way_and_another_months_away_stay_two_visits(second, when, status):
    text = "Ethiopian Prime Minister Abiy Ahmed is in Nairobi, his office said. " + second
    found = visits.extract_visits(text, PUBLISHED, min_confidence=0.2)
    assert [(v.visitor, v.host, v.when, v.precision, v.status) for v in found] == [
        ("ETH", "KEN", PUBLISHED, "article", "occurred"), ("ETH", "KEN", when, "month", status)]


def test_a_visit_at_exactly_min_confidence_is_kept():
    def key(v: visits.Visit) -> tuple:
        return v.visitor, v.host, v.when, v.status, v.confidence

    everything = visits.extract_visits(TEXT, PUBLISHED, min_confidence=0.0)
    assert len(everything) >= 2
    for v in everything:
        assert key(v) in map(key, visits.extract_visits(TEXT, PUBLISHED, min_confidence=v.confidence))


@pytest.mark.parametrize("text, found", [
    (TEXT, ("KEN", "ETH", dt.date(2023, 5, 8), "day", "occurred", True, "William Ruto", "Addis Ababa",
            "Kenyan President William Ruto arrived in Addis Ababa on Monday for a two-day state visit, his office said.", "Monday")),
    # the host is the dateline's: not named in the sentence, so not explicit; the visitor a demonym
    ("ADDIS ABABA (AP) - The visiting Kenyan delegation held talks on Monday.",
     ("KEN", "ETH", dt.date(2023, 5, 8), "day", "occurred", False, "Kenyan", None,
      "The visiting Kenyan delegation held talks on Monday.", "Monday")),
    # no date expression: dated by the article
    ("Ethiopia's prime minister arrived in Nairobi for talks.",
     ("ETH", "KEN", PUBLISHED, "article", "occurred", True, "Ethiopia", "Nairobi", "Ethiopia's prime minister arrived in Nairobi for talks.", None)),
])
def test_a_visit_carries_its_names_sentence_and_date_expression(text, found):
    out = {(v.visitor, v.host): v for v in visits.extract_visits(text, PUBLISHED, min_confidence=0.0)}
    v = out[found[:2]]
    assert (v.visitor, v.host, v.when, v.precision, v.status, v.explicit, v.visitor_name, v.host_name, v.sentence, v.date_expression) == found
    assert v.confidence == round(v.confidence, 4)


@pytest.mark.parametrize("lowered, start, end, cancelled", [
    ("postponed visit", 10, 15, True),  # a cue at the start of the sentence
    (" " * 5 + "postponed" + " " * 71 + "visit", 85, 90, True),  # starts CUE_BEFORE before the visit word
    (" " * 5 + "postponed" + " " * 72 + "visit", 86, 91, False),  # one character further
    ("visit" + " " * 51 + "postponed", 0, 5, True),  # ends CUE_AFTER after the visit word
    ("visit" + " " * 52 + "postponed", 0, 5, False),
    ("visit" + " " * 20 + "planned", 0, 5, False),  # a cue of another status
])
def test_a_cancel_cue_counts_within_its_window_around_the_visit_word(lowered, start, end, cancelled):
    from types import SimpleNamespace

    assert visits.CUE_BEFORE == 80 and visits.CUE_AFTER == 60
    candidate = SimpleNamespace(trigger=SimpleNamespace(start=start, end=end))
    assert visits._cancelled(lowered, candidate) is cancelled


def test_the_article_context_of_a_candidate_follows_the_sentences_read_so_far():
    text = ("Kenyan President William Ruto met Ethiopian officials on Monday. "
            "Leaders met at a summit in Addis Ababa on Tuesday. Ruto attended the summit.")
    prepared = visits.prepare(text, PUBLISHED)
    venue_keys = {"h.is_venue", "h.not_venue", "v.is_venue"}
    seen = {}
    for c, f in zip(prepared.candidates, prepared.features):
        seen.setdefault(c.index, set()).update(f"{c.visitor.country}>{c.host.country}:{k}" for k in f if k in venue_keys)
        assert f["pair_sentences=3"] == 1.0  # both pairs are in all three sentences
        assert f["h.in_lead"] == f["v.in_lead"] == 1.0  # both countries are named in the first
    # the summit's place is known from the sentence that names it on, up to the last sentence
    assert seen == {0: set(), 1: {"KEN>ETH:h.is_venue", "ETH>KEN:h.not_venue", "ETH>KEN:v.is_venue"},
                    2: {"KEN>ETH:h.is_venue", "ETH>KEN:h.not_venue", "ETH>KEN:v.is_venue"}}


def test_confidence_is_given_to_four_decimals():
    confidences = [v.confidence for case in _cases()
                   for v in visits.extract_visits(case["text"], dt.date.fromisoformat(case["published"]) if case["published"] else None,
                                                  min_confidence=0.0)]
    assert len(confidences) > 100 and all(c == round(c, 4) for c in confidences)


def _dated(when: dt.date | None, precision: str) -> visits.Visit:
    return replace(_mention("occurred", when, 0.5), precision=precision)


@pytest.mark.parametrize("a, b, compatible", [
    ((None, "article"), (dt.date(2015, 1, 5), "day"), True),  # an undated mention fits any date
    ((dt.date(2015, 1, 5), "day"), (None, "article"), True),
    ((dt.date(2015, 6, 16), "article"), (dt.date(2015, 7, 17), "day"), True),  # 31 days from publication
    ((dt.date(2015, 6, 16), "article"), (dt.date(2015, 7, 18), "day"), False),  # 32
    ((dt.date(2015, 6, 1), "month"), (dt.date(2015, 6, 16), "article"), True),  # a period counts from its start
    ((dt.date(2015, 5, 1), "month"), (dt.date(2015, 6, 16), "article"), False),  # 46 days
    ((dt.date(2015, 3, 2), "day"), (dt.date(2015, 6, 16), "article"), False),
    ((dt.date(2015, 1, 1), "article"), (dt.date(2015, 9, 1), "article"), True),  # two article dates: the same article
    ((dt.date(2015, 1, 1), "year"), (dt.date(2015, 11, 3), "day"), True),  # a year holds its days
    ((dt.date(2015, 11, 3), "day"), (dt.date(2016, 1, 1), "year"), False),
    ((dt.date(2015, 11, 3), "day"), (dt.date(2015, 11, 30), "day"), True),  # otherwise: the same month
    ((dt.date(2015, 11, 30), "day"), (dt.date(2015, 12, 1), "week"), False),
])
def test_two_mentions_are_one_visit_only_with_compatible_dates(a, b, compatible):
    assert rules._compatible(_dated(*a), _dated(*b), dt.date(2015, 6, 16)) is compatible


def test_merged_mentions_keep_the_best_date_the_best_confidence_and_any_name():
    vague = replace(_dated(dt.date(2015, 6, 1), "month"), explicit=True, visitor_name="Hollande", confidence=0.9)
    exact = replace(_dated(dt.date(2015, 6, 15), "day"), explicit=False, visitor_name=None, confidence=0.4, sentence="On Monday ...")
    for order in ([vague, exact], [exact, vague]):
        assert rules.merge(order, dt.date(2015, 6, 16)) == [replace(exact, explicit=True, visitor_name="Hollande", confidence=0.9)]
    implicit = replace(vague, explicit=False)
    assert rules.merge([implicit, replace(implicit, when=dt.date(2015, 6, 2), precision="day")], None)[0].explicit is False
    # another status class or another month is another visit
    assert len(rules.merge([exact, replace(exact, status="planned")], None)) == 2
    assert len(rules.merge([exact, replace(exact, when=dt.date(2015, 7, 1))], None)) == 2
