"""Tests of the runtime linear model (tasks.extract.linear) and of two plain feature
functions (tasks.extract.features.relation and .shape).

Every expected value is worked out by hand in the comments. The file needs nothing from
tests/conftest.py (no Prefect server), so it runs under mutation testing with
--noconftest.
"""

import datetime
import json
import math
import re

import pytest

from tasks.extract import features
from tasks.extract.candidates import DateOption
from tasks.extract.linear import Calibration, Head, Model

D = datetime.date
REBUILD = "rebuild it with `python scripts/train_visits.py`"


# --- Head -------------------------------------------------------------------------------

BINARY = Head(("no", "yes"), (0.5,), {"a": (2.0,), "b": (-1.0,)})
THREE = Head(("past", "planned", "none"), (0.0, 1.0, -1.0), {"a": (1.0, 0.0, 2.0), "b": (0.0, -1.0, 0.5)})


def test_scores_are_intercept_plus_weight_times_value():
    # 0.5 + 2*1.5 + (-1)*3 = 0.5
    assert BINARY.scores({"a": 1.5, "b": 3.0}) == [0.5]
    # intercept only
    assert BINARY.scores({}) == [0.5]
    # a=3: (0+3, 1+0, -1+6) = (3, 1, 5); b=2 adds (0, -2, 1): (3, -1, 6)
    assert THREE.scores({"a": 3.0, "b": 2.0}) == [3.0, -1.0, 6.0]


def test_scores_ignore_unknown_features_and_leave_the_head_unchanged():
    assert BINARY.scores({"unknown": 7.0, "a": 1.0}) == [2.5]  # 0.5 + 2
    assert BINARY.scores({"unknown": 7.0}) == [0.5]
    assert BINARY.intercept == (0.5,)  # the scores were not added into the intercept


def test_binary_proba_is_the_logistic_of_the_one_column():
    # score 0.5 + 2*1 - 1*3 = -0.5: p(yes) = 1 / (1 + e^0.5) = 0.3775406687981454
    p = 1.0 / (1.0 + math.exp(0.5))
    assert abs(p - 0.3775406687981454) < 1e-15
    out = BINARY.proba({"a": 1.0, "b": 3.0, "ignored": 100.0})
    assert list(out) == ["no", "yes"]
    assert out["yes"] == pytest.approx(p, rel=1e-12)
    assert out["no"] == pytest.approx(1.0 - p, rel=1e-12)
    # score 0: one half each
    assert Head(("no", "yes"), (0.0,), {}).proba({}) == {"no": 0.5, "yes": 0.5}


def test_binary_proba_feature_value_multiplies_the_weight():
    # a=2.5: 0.5 + 2*2.5 = 5.5 -> p = 1 / (1 + e^-5.5)
    out = BINARY.proba({"a": 2.5})
    assert out["yes"] == pytest.approx(1.0 / (1.0 + math.exp(-5.5)), rel=1e-12)
    assert out["no"] == pytest.approx(math.exp(-5.5) / (1.0 + math.exp(-5.5)), rel=1e-9)


def test_binary_proba_clips_the_score_at_30():
    head = Head(("no", "yes"), (0.0,), {"x": (1.0,)})
    high = head.proba({"x": 1000.0})  # clipped to 30: no overflow, p = 1/(1+e^-30)
    assert high["yes"] == 1.0 / (1.0 + math.exp(-30.0))
    assert high["yes"] < 1.0
    assert high["no"] == pytest.approx(math.exp(-30.0), rel=1e-2)  # 9.36e-14
    low = head.proba({"x": -1000.0})  # clipped to -30
    assert low["yes"] == pytest.approx(1.0 / (1.0 + math.exp(30.0)), rel=1e-12)  # 9.36e-14
    assert low["no"] == 1.0 - 1.0 / (1.0 + math.exp(30.0))
    # just inside the clip: 29.5 is used as is
    assert head.proba({"x": -29.5})["yes"] == pytest.approx(1.0 / (1.0 + math.exp(29.5)), rel=1e-12)
    assert head.proba({"x": 29.5})["no"] == pytest.approx(1.0 - 1.0 / (1.0 + math.exp(-29.5)), rel=1e-9)


def test_three_class_proba_is_the_softmax():
    # a=1, b=2: (0+1+0, 1+0-2, -1+2+1) = (1, -1, 2)
    assert THREE.scores({"a": 1.0, "b": 2.0}) == [1.0, -1.0, 2.0]
    total = math.exp(1) + math.exp(-1) + math.exp(2)  # 2.71828 + 0.36788 + 7.38906 = 10.47522
    out = THREE.proba({"a": 1.0, "b": 2.0, "zzz": 9.0})
    assert list(out) == ["past", "planned", "none"]
    assert out["past"] == pytest.approx(math.exp(1) / total, rel=1e-12)  # 0.25950
    assert out["planned"] == pytest.approx(math.exp(-1) / total, rel=1e-12)  # 0.03512
    assert out["none"] == pytest.approx(math.exp(2) / total, rel=1e-12)  # 0.70538
    assert abs(out["past"] - 0.2594964) < 1e-6
    assert abs(out["none"] - 0.7053845) < 1e-6
    # all equal: a third each
    equal = Head(("a", "b", "c"), (0.0, 0.0, 0.0), {}).proba({})
    assert equal == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, rel=1e-12)


def test_three_class_proba_is_stable_for_large_scores():
    # scores (800, 799, -10): e^800 overflows, so the top score must be taken off first;
    # the softmax is (1, e^-1, e^-810 = 0) / (1 + e^-1)
    head = Head(("a", "b", "c"), (800.0, 799.0, -10.0), {})
    out = head.proba({})
    assert out["a"] == pytest.approx(1.0 / (1.0 + math.exp(-1.0)), rel=1e-12)
    assert out["b"] == pytest.approx(math.exp(-1.0) / (1.0 + math.exp(-1.0)), rel=1e-12)
    assert out["c"] == 0.0
    # and for very negative scores: (-800, -801, -1000) gives the same first two
    out = Head(("a", "b", "c"), (-800.0, -801.0, -1000.0), {}).proba({})
    assert out["a"] == pytest.approx(1.0 / (1.0 + math.exp(-1.0)), rel=1e-12)
    assert out["b"] == pytest.approx(math.exp(-1.0) / (1.0 + math.exp(-1.0)), rel=1e-12)


def test_two_columns_are_a_softmax_not_a_logistic():
    # two weight columns: softmax over (0, 1) = (1, e) / (1 + e)
    out = Head(("x", "y"), (0.0, 1.0), {}).proba({})
    assert out["x"] == pytest.approx(1.0 / (1.0 + math.e), rel=1e-12)
    assert out["y"] == pytest.approx(math.e / (1.0 + math.e), rel=1e-12)


def test_head_json_round_trip():
    data = THREE.to_json()
    assert data == {
        "classes": ["past", "planned", "none"],
        "intercept": [0.0, 1.0, -1.0],
        "weights": {"a": [1.0, 0.0, 2.0], "b": [0.0, -1.0, 0.5]},
    }
    assert Head.from_json(data) == THREE
    unsorted = Head(("no", "yes"), (0.0,), {"z": (1.0,), "m": (2.0,), "a": (3.0,)})
    assert list(unsorted.to_json()["weights"]) == ["a", "m", "z"]


# --- Calibration ------------------------------------------------------------------------

CURVE = Calibration((0.2, 0.5, 0.8), (0.1, 0.4, 0.9))


@pytest.mark.parametrize(
    "p, expected",
    [
        (0.2, 0.1),  # at the first point
        (0.5, 0.4),  # at an inner point
        (0.8, 0.9),  # at the last point
        (0.35, 0.25),  # 0.1 + (0.4 - 0.1) * (0.35 - 0.2) / (0.5 - 0.2)
        (0.3, 0.2),  # 0.1 + 0.3 * 0.1 / 0.3
        (0.65, 0.65),  # 0.4 + (0.9 - 0.4) * (0.65 - 0.5) / (0.8 - 0.5)
        (0.74, 0.8),  # 0.4 + 0.5 * 0.24 / 0.3
        (0.0, 0.1),  # below: clipped to the first value
        (0.19, 0.1),
        (0.81, 0.9),  # above: clipped to the last value
        (1.0, 0.9),
    ],
)
def test_calibration_interpolates_and_clips(p, expected):
    assert CURVE(p) == pytest.approx(expected, abs=1e-12)


def test_calibration_with_one_point_and_four_points():
    one = Calibration((0.5,), (0.7,))
    assert one(0.1) == 0.7 and one(0.5) == 0.7 and one(0.9) == 0.7
    four = Calibration((0.0, 0.25, 0.5, 1.0), (0.0, 0.05, 0.6, 0.95))
    assert four(-0.1) == 0.0
    assert four(0.1) == pytest.approx(0.02, abs=1e-12)  # 0.05 * 0.1 / 0.25
    assert four(0.4) == pytest.approx(0.38, abs=1e-12)  # 0.05 + 0.55 * 0.15 / 0.25
    assert four(0.75) == pytest.approx(0.775, abs=1e-12)  # 0.6 + 0.35 * 0.25 / 0.5
    assert four(1.5) == 0.95


def test_empty_calibration_is_the_identity():
    identity = Calibration((), ())
    for p in (0.0, 0.123, 0.5, 0.999, 1.0):
        assert identity(p) == p


# --- Model ------------------------------------------------------------------------------

MODEL = Model(
    "2024-05-01",
    {"visit": BINARY, "status": THREE},
    Calibration((0.1, 0.9), (0.05, 0.95)),
    {"trained_on": 123, "note": "Zürich"},
)


def test_model_save_load_round_trip(tmp_path):
    path = tmp_path / "model.json"
    MODEL.save(path)
    loaded = Model.load(path)
    assert loaded == MODEL
    assert loaded.heads["visit"].proba({"a": 1.0}) == MODEL.heads["visit"].proba({"a": 1.0})
    assert loaded.calibration(0.5) == pytest.approx(0.5)  # 0.05 + 0.9 * 0.4 / 0.8
    Model.load(str(path))  # a str path works too


def test_model_file_layout(tmp_path):
    model = Model("v1", {"visit": Head(("no", "yes"), (0.5,), {"b": (1.0,), "a": (-2.0,)})}, Calibration((0.0, 1.0), (0.0, 1.0)), {"note": "é"})
    path = tmp_path / "m.json"
    model.save(path)
    # keys in the order written, no indentation, non-ASCII as is, one final newline
    expected = "\n".join(
        [
            "{",
            '"version": "v1",',
            '"meta": {',
            '"note": "é"',
            "},",
            '"calibration": {',
            '"x": [', "0.0,", "1.0", "],",
            '"y": [', "0.0,", "1.0", "]",
            "},",
            '"heads": {',
            '"visit": {',
            '"classes": [', '"no",', '"yes"', "],",
            '"intercept": [', "0.5", "],",
            '"weights": {',
            '"a": [', "-2.0", "],",
            '"b": [', "1.0", "]",
            "}",
            "}",
            "}",
            "}",
        ]
    ) + "\n"
    assert path.read_bytes() == expected.encode("utf-8")


def test_model_heads_are_saved_in_name_order(tmp_path):
    path = tmp_path / "m.json"
    MODEL.save(path)
    assert list(json.loads(path.read_text(encoding="utf-8"))["heads"]) == ["status", "visit"]


def test_model_without_meta_loads_with_empty_meta(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(
        json.dumps({"version": "v", "heads": {}, "calibration": {"x": [], "y": []}}), encoding="utf-8"
    )
    model = Model.load(path)
    assert model.meta == {}
    assert model.version == "v"
    assert model.heads == {}
    assert model.calibration == Calibration((), ())


def _load_error(path) -> ValueError:
    with pytest.raises(ValueError) as info:
        Model.load(path)
    message = str(info.value)
    assert message.startswith(f"cannot read the model file {path}: ")
    assert message.endswith("; " + REBUILD)
    return info.value


def test_load_missing_file_names_the_path_and_how_to_rebuild(tmp_path):
    error = _load_error(tmp_path / "absent.json")
    assert isinstance(error.__cause__, FileNotFoundError)


def test_load_invalid_json_names_the_path_and_how_to_rebuild(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"version": "v", "heads": {', encoding="utf-8")
    error = _load_error(path)
    assert isinstance(error.__cause__, json.JSONDecodeError)


def test_load_json_without_heads_names_the_path_and_how_to_rebuild(tmp_path):
    path = tmp_path / "noheads.json"
    path.write_text(json.dumps({"version": "v", "calibration": {"x": [], "y": []}}), encoding="utf-8")
    error = _load_error(path)
    assert isinstance(error.__cause__, KeyError)
    assert re.search(r"'heads'", str(error))


@pytest.mark.parametrize(
    "content",
    [
        "[1, 2]",  # not an object
        '{"version": "v", "heads": [], "calibration": {"x": [], "y": []}}',  # heads not an object
        '{"version": "v", "heads": {"h": {"classes": ["a"], "intercept": [0], "weights": []}}, "calibration": {"x": [], "y": []}}',
        '{"version": "v", "heads": {}, "calibration": {"x": 1, "y": []}}',
        '{"version": "v", "heads": {}}',  # no calibration
        '{"heads": {}, "calibration": {"x": [], "y": []}}',  # no version
    ],
)
def test_load_malformed_model_raises_value_error(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    _load_error(path)


def test_load_error_names_a_str_path(tmp_path):
    _load_error(str(tmp_path / "missing" / "model.json"))


# --- features.relation ------------------------------------------------------------------


def rel(when, precision, reference):
    return features.relation(DateOption(when, precision, None), reference)


@pytest.mark.parametrize(
    "when, precision, reference, expected",
    [
        # day
        (D(2014, 11, 17), "day", D(2014, 11, 17), "current"),
        (D(2014, 11, 16), "day", D(2014, 11, 17), "past"),
        (D(2014, 11, 18), "day", D(2014, 11, 17), "future"),
        # week Monday 2014-11-10 .. Sunday 2014-11-16
        (D(2014, 11, 10), "week", D(2014, 11, 16), "current"),  # its Sunday is the reference
        (D(2014, 11, 10), "week", D(2014, 11, 10), "current"),  # its Monday is the reference
        (D(2014, 11, 10), "week", D(2014, 11, 17), "past"),  # ended the day before
        (D(2014, 11, 10), "week", D(2014, 11, 9), "future"),  # starts the day after
        # month October 2014: 1 .. 31
        (D(2014, 10, 1), "month", D(2014, 11, 1), "past"),  # ended the day before
        (D(2014, 10, 1), "month", D(2014, 10, 31), "current"),
        (D(2014, 10, 1), "month", D(2014, 10, 1), "current"),
        (D(2014, 10, 1), "month", D(2014, 9, 30), "future"),
        # months of 28, 29, 30 days and December
        (D(2014, 2, 1), "month", D(2014, 2, 28), "current"),
        (D(2014, 2, 1), "month", D(2014, 3, 1), "past"),
        (D(2012, 2, 1), "month", D(2012, 2, 29), "current"),
        (D(2012, 2, 1), "month", D(2012, 3, 1), "past"),
        (D(2014, 4, 1), "month", D(2014, 4, 30), "current"),
        (D(2014, 4, 1), "month", D(2014, 5, 1), "past"),
        (D(2014, 12, 1), "month", D(2014, 12, 31), "current"),
        (D(2014, 12, 1), "month", D(2015, 1, 1), "past"),
        # year 2014
        (D(2014, 1, 1), "year", D(2014, 12, 31), "current"),
        (D(2014, 1, 1), "year", D(2014, 1, 1), "current"),
        (D(2014, 1, 1), "year", D(2015, 1, 1), "past"),
        (D(2014, 1, 1), "year", D(2013, 12, 31), "future"),
        # the publication date itself, or nothing to compare with
        (D(2014, 11, 17), "article", D(2014, 11, 17), "article"),
        (D(2010, 1, 1), "article", D(2014, 11, 17), "article"),
        (None, "day", D(2014, 11, 17), "article"),
        (D(2014, 11, 17), "day", None, "article"),
        (D(2014, 10, 1), "month", None, "article"),
    ],
)
def test_relation(when, precision, reference, expected):
    assert rel(when, precision, reference) == expected


# --- features.shape ---------------------------------------------------------------------


def test_shape_of_nothing_is_underscore():
    assert features.shape("", [], 0) == "_"
    assert features.shape("  . ", [], 0) == "_"  # a full stop is no token


def test_shape_marks_the_visit_word_by_its_position():
    text = " will visit "
    # "will" at 101, "visit" at 106..111 with the text starting at offset 100
    assert features.shape(text, [(106, 111)], 100) == "MT"
    # the same span without the offset points before the text: "visit" is other
    assert features.shape(text, [(106, 111)], 0) == "Mo"
    # a span covering only the token's first letter still marks it
    assert features.shape(text, [(106, 107)], 100) == "MT"
    # a span ending where the token starts does not
    assert features.shape(text, [(105, 106)], 100) == "Mo"


def test_shape_token_classes():
    # said R, he H, would M, not N, go o, to P
    assert features.shape(" said he would not go to ", [], 0) == "RHMNoP"
    # "," C, quote Q, "never" N, "(" C, "in" P
    assert features.shape(', "never (in', [], 0) == "CQNCP"
    # "to" is a preposition before it is a modal
    assert features.shape("to", [], 0) == "P"
    assert features.shape("They, who", [], 0) == "HCH"


def test_shape_collapses_runs_of_other_and_visit_words_only():
    assert features.shape("the big old city; the", [], 0) == "oCo"
    # two visit words in a row: one T
    assert features.shape("visit tour", [(0, 5), (6, 10)], 0) == "T"
    # prepositions and commas are not collapsed
    assert features.shape("to in ,,", [], 0) == "PPCC"


def test_shape_stops_at_the_limit():
    # P o P o P o P o P o: the first eight classes, then "+"
    text = "to a to b to c to d to e"
    assert features.shape(text, [], 0) == "PoPoPoPo+"
    assert features.shape(text, [], 0, limit=3) == "PoP+"
