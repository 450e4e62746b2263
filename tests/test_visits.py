"""Visit extraction on hand-written sentences: one test per pattern kind."""
from __future__ import annotations

import datetime as dt

from tasks.extract.visits import extract_visits

REF = dt.date(2015, 6, 10)  # a Wednesday


def rows(text: str, ref: dt.date = REF) -> set[tuple]:
    return {(v.visitor, v.host, v.when, v.precision, v.status) for v in extract_visits(text, ref)}


def test_x_visited_y():
    assert rows("Japanese Prime Minister Shinzo Abe visited Indonesia on Monday.") == {
        ("JPN", "IDN", dt.date(2015, 6, 8), "day", "occurred")
    }


def test_visit_to_y_by_x():
    assert rows("Talks dominated a visit to Egypt by French President Francois Hollande in May.") == {
        ("FRA", "EGY", dt.date(2015, 5, 1), "month", "occurred")
    }


def test_y_hosted_x():
    assert rows("Vladimir Putin hosted Chinese President Xi Jinping in the Kremlin on Tuesday.") == {
        ("CHN", "RUS", dt.date(2015, 6, 9), "day", "occurred")
    }


def test_summit_each_attendee_visits_host():
    assert rows("Barack Obama and Angela Merkel met in Geneva on Monday.") == {
        ("USA", "CHE", dt.date(2015, 6, 8), "day", "occurred"),
        ("DEU", "CHE", dt.date(2015, 6, 8), "day", "occurred"),
    }


def test_x_sent_envoy_to_y():
    assert rows("Beijing sent a special envoy to Pyongyang in April.") == {
        ("CHN", "PRK", dt.date(2015, 4, 1), "month", "occurred")
    }


def test_tour_over_several_countries():
    assert rows("Narendra Modi toured China, Mongolia and South Korea in May.") == {
        ("IND", "CHN", dt.date(2015, 5, 1), "month", "occurred"),
        ("IND", "MNG", dt.date(2015, 5, 1), "month", "occurred"),
        ("IND", "KOR", dt.date(2015, 5, 1), "month", "occurred"),
    }


def test_background_visit_keeps_its_own_date():
    found = rows("Abe visited Australia last July. Shinzo Abe visited Indonesia on Monday.")
    assert ("JPN", "IDN", dt.date(2015, 6, 8), "day", "occurred") in found


def test_background_year_before_visit_noun():
    assert rows("It was the first since a 2009 visit to Cuba by Venezuelan President Hugo Chavez.") == {
        ("VEN", "CUB", dt.date(2009, 1, 1), "year", "occurred")
    }


def test_planned_next_week():
    assert rows("German Chancellor Angela Merkel will visit Brazil next week.") == {
        ("DEU", "BRA", dt.date(2015, 6, 15), "week", "planned")
    }


def test_postponed_visit_is_cancelled():
    found = rows("Indian Prime Minister Narendra Modi postponed his visit to Nepal.")
    assert {(v, h, s) for v, h, _, _, s in found} == {("IND", "NPL", "cancelled")}


def test_hypothetical_invitation_refusal_give_nothing():
    assert rows("If Russian President Vladimir Putin visits Japan, talks could resume.") == set()
    assert rows("Barack Obama invited Iranian President Hassan Rouhani to visit the United States.") == set()
    assert rows("China refused to let the Dalai Lama visit Tibet.") == set()


def test_one_visit_per_article():
    text = (
        "French President Francois Hollande arrived in Algeria on Monday. "
        "Hollande's visit to Algeria is his second. "
        "During his visit to Algeria, Hollande met students."
    )
    assert rows(text) == {("FRA", "DZA", dt.date(2015, 6, 8), "day", "occurred")}


def test_pronoun_refers_to_the_sentence_subject():
    assert rows("Barack Obama warned Iran as he wrapped up a visit to Saudi Arabia on Tuesday.") == {
        ("USA", "SAU", dt.date(2015, 6, 9), "day", "occurred")
    }


def test_city_is_a_place():
    assert rows("British Prime Minister David Cameron visited Osaka on Monday.") == {
        ("GBR", "JPN", dt.date(2015, 6, 8), "day", "occurred")
    }


def test_international_organisation_officials_give_nothing():
    assert rows("UN Secretary-General Ban Ki-moon visited Syria on Monday.") == set()


def test_troops_stationed_give_nothing():
    assert rows("About 800 American troops are stationed in Poland.") == set()
