"""Tests of the temporal-expression resolver (tasks.extract.temporal).

Most cases are data: tests/cases/temporal/resolve.jsonl holds (expression, reference
date, context sentence, expected value, precision) and find.jsonl (sentence, reference
date, expected mentions), each with a note on why the value is what it is.
"""

import datetime
import json
import re
from pathlib import Path

import pytest

from tasks.extract.temporal import (
    FUTURE_CUES,
    MONTHS,
    PAST_CUES,
    Resolved,
    TemporalMention,
    _alternation,
    _trie,
    find,
    resolve,
)

D = datetime.date
MON_2014_11_17 = D(2014, 11, 17)  # a Monday, ISO week 2014-W47
FRI_1989_10_27 = D(1989, 10, 27)  # a Friday, ISO week 1989-W43
WED_2010_03_10 = D(2010, 3, 10)  # a Wednesday


def value(expression, reference, context=None):
    result = resolve(expression, reference, context)
    return result.value if result else None


# --- weekdays and tense ---------------------------------------------------


def test_weekday_past_tense_looks_back():
    context = "The two ministers met on Friday in Vienna."
    assert value("Friday", WED_2010_03_10, context) == "2010-03-05"


def test_weekday_future_tense_looks_ahead():
    context = "The two ministers will meet on Friday in Vienna."
    assert value("Friday", WED_2010_03_10, context) == "2010-03-12"


@pytest.mark.parametrize(
    "context",
    [
        "The president is to fly to Seoul on Friday.",
        "The president is set to arrive in Seoul on Friday.",
        "A visit to Seoul is scheduled for Friday.",
    ],
)
def test_weekday_future_cues(context):
    assert value("Friday", WED_2010_03_10, context) == "2010-03-12"


def test_weekday_without_cue_defaults_to_past():
    assert value("Monday", WED_2010_03_10, "Talks in Cairo, Monday.") == "2010-03-08"
    assert value("Monday", WED_2010_03_10) == "2010-03-08"


def test_weekday_of_reference_date_is_the_reference_date():
    context = "The foreign minister said on Wednesday that talks had stalled."
    assert value("Wednesday", WED_2010_03_10, context) == "2010-03-10"


def test_from_monday_on_a_monday_is_that_day():
    context = "The prime minister will make an eight-day visit from Monday."
    assert value("Monday", MON_2014_11_17, context) == "2014-11-17"


def test_last_and_next_weekday():
    assert value("last Wednesday", WED_2010_03_10) == "2010-03-03"
    assert value("next Wednesday", WED_2010_03_10) == "2010-03-17"
    assert value("last Friday", WED_2010_03_10) == "2010-03-05"


def test_weekday_with_part_of_day_and_modifier():
    context = "Rebels attacked the convoy late Sunday night."
    assert value("late Sunday night", WED_2010_03_10, context) == "2010-03-07"


# --- weeks ------------------------------------------------------------------


def test_last_week_is_previous_iso_week():
    assert value("last week", FRI_1989_10_27) == "1989-W42"
    assert value("last week", MON_2014_11_17) == "2014-W46"


def test_this_and_next_week():
    assert value("this week", MON_2014_11_17) == "2014-W47"
    assert value("next week", MON_2014_11_17) == "2014-W48"
    assert value("earlier this week", FRI_1989_10_27) == "1989-W43"


def test_next_week_across_year_boundary():
    assert value("next week", D(2014, 12, 29)) == "2015-W02"
    assert value("last week", D(2010, 1, 6)) == "2009-W53"


# --- months -----------------------------------------------------------------


def test_month_in_past_context_across_year_boundary():
    context = "The envoy visited Moscow in November."
    assert value("in November", D(2010, 3, 15), context) == "2009-11"


def test_month_in_future_context_across_year_boundary():
    context = "The king will visit Madrid in February."
    assert value("February", D(2010, 11, 20), context) == "2011-02"


def test_reference_month_is_the_current_month():
    context = "Elections were held in March."
    assert value("March", D(2010, 3, 28), context) == "2010-03"


def test_last_and_next_month_name():
    assert value("last October", D(2010, 3, 15)) == "2009-10"
    assert value("last February", D(2010, 3, 15)) == "2010-02"
    assert value("next April", D(2010, 3, 15)) == "2010-04"


def test_last_month_in_january_is_previous_december():
    assert value("last month", D(2010, 1, 12)) == "2009-12"
    assert value("next month", D(2010, 12, 12)) == "2011-01"
    assert value("earlier this month", D(2010, 1, 12)) == "2010-01"


def test_month_with_modifier():
    assert value("late November", D(2010, 12, 2), "It ended in late November.") == "2010-11"
    assert value("mid-June", D(2010, 5, 2), "Talks will resume in mid-June.") == "2010-06"


# --- years and 'ago' ----------------------------------------------------------


def test_relative_years():
    assert resolve("last year", D(2010, 1, 5)) == Resolved("2009", "year")
    assert value("this year", D(2010, 1, 5)) == "2010"
    assert value("next year", D(2010, 1, 5)) == "2011"
    assert value("a year ago", D(2010, 6, 5)) == "2009"


def test_ago_keeps_unit_granularity():
    reference = D(2010, 3, 10)
    assert resolve("two weeks ago", reference) == Resolved("2010-W08", "week")
    assert resolve("10 days ago", reference) == Resolved("2010-02-28", "day")
    assert resolve("five months ago", reference) == Resolved("2009-10", "month")
    assert resolve("three years ago", reference) == Resolved("2007", "year")


def test_deictic_days():
    reference = D(2010, 3, 1)
    assert resolve("yesterday", reference) == Resolved("2010-02-28", "day")
    assert value("today", reference) == "2010-03-01"
    assert value("tomorrow", reference) == "2010-03-02"
    assert value("late yesterday", reference) == "2010-02-28"


# --- explicit dates -----------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("22 March 1987", Resolved("1987-03-22", "day")),
        ("March 22, 1987", Resolved("1987-03-22", "day")),
        ("Sept. 3, 2001", Resolved("2001-09-03", "day")),
        ("November 1985", Resolved("1985-11", "month")),
        ("in 1967", Resolved("1967", "year")),
        ("2011-04-09", Resolved("2011-04-09", "day")),
        ("nineteen ninety-six", Resolved("1996", "year")),
    ],
)
def test_explicit_dates_are_taken_as_written(expression, expected):
    assert resolve(expression, D(2010, 3, 10)) == expected


def test_date_without_year_takes_nearest_year():
    assert value("March 22", D(2010, 3, 10), "He will arrive on March 22.") == "2010-03-22"
    assert value("Aug. 7", D(2010, 8, 18), "The Aug. 7 attack was condemned.") == "2010-08-07"
    assert value("Jan. 4", D(2010, 12, 20), "The deadline is Jan. 4.") == "2011-01-04"
    assert value("Dec. 30", D(2011, 1, 3), "It was signed Dec. 30.") == "2010-12-30"


def test_ordinal_and_two_digit_year():
    assert value("March 3rd", D(2010, 3, 10), "They met on March 3rd.") == "2010-03-03"
    assert value("the 22nd", D(2010, 3, 10), "They will meet on the 22nd.") == "2010-03-22"
    assert value("March '98", D(2010, 3, 10)) == "1998-03"


# --- not resolvable -----------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    ["now", "recently", "soon", "three years", "every week", "that year",
     "the following month", "", "the minister"],
)
def test_unresolvable_expressions_give_none(expression):
    assert resolve(expression, D(2010, 3, 10)) is None


# --- Resolved.start -----------------------------------------------------------


def test_start_of_each_precision():
    assert Resolved("2010-03-05", "day").start == D(2010, 3, 5)
    assert Resolved("2014-W47", "week").start == D(2014, 11, 17)
    assert Resolved("2009-W53", "week").start == D(2009, 12, 28)
    assert Resolved("2010-03", "month").start == D(2010, 3, 1)
    assert Resolved("2010", "year").start == D(2010, 1, 1)


# --- find ---------------------------------------------------------------------


def test_find_offsets_and_order():
    sentence = "The minister, who arrived on Monday, will leave for Rome next week."
    mentions = find(sentence, WED_2010_03_10)
    assert [m.text for m in mentions] == ["Monday", "next week"]
    for mention in mentions:
        assert sentence[mention.start:mention.end] == mention.text
    assert mentions[0].resolved == Resolved("2010-03-08", "day")
    assert mentions[1].resolved == Resolved("2010-W11", "week")
    assert isinstance(mentions[0], TemporalMention)


def test_find_prefers_longest_expression():
    sentence = "The accord was signed on Friday, March 5, 2010, in Geneva."
    mentions = find(sentence, WED_2010_03_10)
    assert [(m.text, m.resolved.value) for m in mentions] == [
        ("Friday, March 5, 2010", "2010-03-05")
    ]


def test_find_uses_sentence_tense():
    mentions = find("The president will visit Japan on Friday.", WED_2010_03_10)
    assert [m.resolved.value for m in mentions] == ["2010-03-12"]
    mentions = find("The president visited Japan on Friday.", WED_2010_03_10)
    assert [m.resolved.value for m in mentions] == ["2010-03-05"]


def test_find_several_kinds():
    sentence = (
        "Talks begun in 1998 stalled last month but will resume on Aug. 2, "
        "officials said yesterday."
    )
    mentions = find(sentence, WED_2010_03_10)
    assert [(m.text, m.resolved.value) for m in mentions] == [
        ("1998", "1998"),
        ("last month", "2010-02"),
        ("Aug. 2", "2010-08-02"),
        ("yesterday", "2010-03-09"),
    ]


def test_find_eight_day_visit_from_monday():
    sentence = "The prime minister will make an eight-day visit from Monday."
    mentions = find(sentence, MON_2014_11_17)
    assert [(m.text, m.resolved.value) for m in mentions] == [("Monday", "2014-11-17")]


@pytest.mark.parametrize(
    "sentence",
    [
        "",
        "The minister praised the agreement as a breakthrough.",
        "She may decide to march on the capital with 2,000 supporters.",
        "Trade grew by 12 percent over three years.",
        "The council meets every Friday.",
        "The 3rd Division crossed the river.",
        "He has lived there for more than two thousand days.",
    ],
)
def test_find_nothing(sentence):
    assert find(sentence, WED_2010_03_10) == []


def test_find_month_words_need_date_context():
    assert find("Thousands joined the March for Peace.", WED_2010_03_10) == []
    mentions = find("The vote was postponed until May.", WED_2010_03_10)
    assert [(m.text, m.resolved.value) for m in mentions] == [("May", "2010-05")]


# --- cases as data ---------------------------------------------------------------

CASES = Path(__file__).parent / "cases" / "temporal"


def load_cases(name, label):
    with open(CASES / name, encoding="utf-8") as f:
        rows = [(number, json.loads(line)) for number, line in enumerate(f, 1) if line.strip()]
    return [pytest.param(row, id=f"{number}:{row[label][:48]}") for number, row in rows]


@pytest.mark.parametrize("case", load_cases("resolve.jsonl", "expression"))
def test_resolve_case(case):
    expected = Resolved(case["value"], case["precision"]) if case["value"] is not None else None
    reference = D.fromisoformat(case["reference"])
    assert resolve(case["expression"], reference, case["context"]) == expected, case.get("why")


@pytest.mark.parametrize("case", load_cases("find.jsonl", "sentence"))
def test_find_case(case):
    sentence = case["sentence"]
    mentions = find(sentence, D.fromisoformat(case["reference"]))
    assert [[m.text, m.resolved.value] for m in mentions] == case["mentions"], case.get("why")
    for m in mentions:
        assert sentence[m.start:m.end] == m.text


# --- the regular-expression builders -----------------------------------------------


def test_alternation_puts_longer_words_first():
    assert _alternation(["b", "aa", "b"]) == "aa|b"
    assert _alternation(["new year", "new"]) == r"new\s+year|new"
    assert _alternation(["a.m"]) == r"a\.m"


def test_trie_factors_common_prefixes():
    assert _trie(["ab", "ac", "a"]) == "a(?:(?:b|c))?"
    assert _trie(["ab", "ac"]) == "a(?:b|c)"
    assert _trie(["b", "a"]) == "(?:a|b)"
    assert _trie(["is to", "is"]) == r"is(?:\s+to)?"
    assert _trie(["a.b"]) == r"a\.b"
    assert _trie([]) == ""


@pytest.mark.parametrize("words", [FUTURE_CUES, PAST_CUES, list(MONTHS)], ids=["future", "past", "months"])
def test_trie_matches_what_the_alternation_matches(words):
    trie = re.compile(rf"(?:{_trie(words)})")
    alternation = re.compile(rf"(?:{_alternation(words)})")
    for word in words:
        assert trie.fullmatch(word) and alternation.fullmatch(word)
        assert trie.fullmatch(word.replace(" ", "   "))
        assert not trie.fullmatch(word[:-1]) or word[:-1] in words
        assert not trie.fullmatch(word + "x")
