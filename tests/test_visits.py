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


def test_unknown_name_placed_by_demonym_and_title():
    text = "Ruritanian talks were held. Malian Trade Minister Oumar Kedala arrived on Monday. Kedala left Paris on Tuesday for Madrid."
    found = rows(text)
    assert ("MLI", "FRA", dt.date(2015, 6, 9), "day", "occurred") in found
    assert ("MLI", "ESP", dt.date(2015, 6, 9), "day", "occurred") in found


def test_surname_with_title_and_possessive():
    text = "Prime Minister Tony Blair spoke in London. Mr Blair's talks in Cairo ended on Monday."
    assert ("GBR", "EGY", dt.date(2015, 6, 8), "day", "occurred") in rows(text)


def test_opening_clause_names_the_visitor_after_it():
    assert rows("During her visit to Chile, the Peruvian foreign minister met students.") == {
        ("PER", "CHL", REF, "article", "occurred")
    }
    assert rows("Speaking during a visit to the Indian city of Mumbai, Canadian Prime Minister Stephen Harper praised trade.") == {
        ("CAN", "IND", REF, "article", "occurred")
    }


def test_cues_after_an_opening_clause_are_not_the_visits():
    assert rows("During his visit to Peru, the Chilean president will not sign anything.") == {
        ("CHL", "PER", REF, "article", "occurred")
    }


def test_arrival_from_a_place_visited_before():
    assert rows("Angela Merkel arrived in Tokyo on Monday from South Korea.") == {
        ("DEU", "JPN", dt.date(2015, 6, 8), "day", "occurred"),
        ("DEU", "KOR", dt.date(2015, 6, 8), "day", "occurred"),
    }


def test_flying_in_from_a_place():
    text = "Jacob Zuma held talks in Rome on Monday. He arrived after flying from Egypt, where he met officials."
    assert ("ZAF", "EGY", REF, "article", "occurred") in rows(text)


def test_pronoun_refers_to_the_subject_of_the_previous_sentence():
    text = "Jacob Zuma met David Cameron on Monday. He later visited Ireland."
    assert rows(text) == {("ZAF", "IRL", REF, "article", "occurred")}


def test_companion_and_accompanied_visit():
    assert rows("Spanish Foreign Minister Jose Garcia-Margallo accompanied King Felipe to Mexico in May.") >= {
        ("ESP", "MEX", dt.date(2015, 5, 1), "month", "occurred")
    }


def test_landed_at_and_en_route_to():
    assert rows("An Iraqi delegation was en route to Tehran on Monday.") == {("IRQ", "IRN", dt.date(2015, 6, 8), "day", "occurred")}
    assert rows("Greek Prime Minister Alexis Tsipras landed at Moscow airport on Monday.") == {
        ("GRC", "RUS", dt.date(2015, 6, 8), "day", "occurred")
    }


def test_date_of_a_later_visit_is_not_taken():
    text = "Plans by a Swedish minister to visit Cuba are talked about, as is a visit to Sweden next month by Ukrainian President Petro Poroshenko."
    found = rows(text)
    assert ("SWE", "CUB", REF, "article", "planned") in found
    assert ("UKR", "SWE", dt.date(2015, 7, 1), "month", "planned") in found


def test_visit_by_someone_unplaced_is_left_out():
    assert rows("Washington and Canberra discussed a visit to Australia next month by the Dalai Lama.") == set()


def test_summit_participants_visit_the_dateline_country():
    text = "HANOI (Wire) - Trade led the agenda at the summit, which brought Vietnam together with Chile, Peru and Mexico."
    assert rows(text) == {
        ("CHL", "VNM", REF, "article", "occurred"),
        ("PER", "VNM", REF, "article", "occurred"),
        ("MEX", "VNM", REF, "article", "occurred"),
    }


def test_meeting_with_a_host_leader_at_the_dateline():
    text = "LIMA (Wire) - Peruvian President Ollanta Humala spoke. Angela Merkel said her talks with Humala went well."
    assert rows(text) == {("DEU", "PER", REF, "article", "occurred")}


def test_meeting_placed_elsewhere_ignores_the_dateline():
    text = "LIMA (Wire) - Peruvian President Ollanta Humala proposed talks with Angela Merkel to take place in Mexico in May."
    assert ("DEU", "PER", dt.date(2015, 5, 1), "month", "occurred") not in rows(text)


def test_hosting_at_a_venue_gives_the_host():
    text = "The chancellor spoke about trade while hosting Japanese Prime Minister Shinzo Abe at her Meseberg retreat in Germany on Monday."
    assert rows(text) == {("JPN", "DEU", dt.date(2015, 6, 8), "day", "occurred")}


def test_place_before_talks_is_their_venue():
    text = "A deal came out of Secretary of State John Kerry's Vienna talks with Iranian Foreign Minister Javad Zarif on Monday."
    assert ("USA", "AUT", dt.date(2015, 6, 8), "day", "occurred") in rows(text)


def test_welcoming_a_countrys_decision_is_no_visit():
    assert rows("Seoul welcomed Pyongyang's decision on Monday.") == set()


def test_uppercase_possessive_names_an_unplaced_visitor():
    assert rows("THE OPPOSITION'S TRIP TO GUATEMALA WAS CRITICISED BY MEXICO.") == set()


def test_date_after_since_is_not_the_visits():
    assert rows("Li is the first Chinese minister to visit Chile since a new government took office in March.") == {
        ("CHN", "CHL", REF, "article", "occurred")
    }


def test_tours_of_countries_including_a_named_one():
    assert rows("Kenyan President Uhuru Kenyatta visited several African countries, including Ghana, in May.") == {
        ("KEN", "GHA", dt.date(2015, 5, 1), "month", "occurred")
    }


def test_cues_inside_a_quote_are_not_the_visits():
    text = '"We will act," Barack Obama said during a meeting with Angela Merkel in Berlin on Monday.'
    assert ("USA", "DEU", dt.date(2015, 6, 8), "day", "occurred") in rows(text)


def test_a_visit_being_concluded_is_under_way():
    text = "Francois Hollande, who upon concluding his visit to Peru will fly home, praised the talks."
    assert rows(text) == {("FRA", "PER", REF, "article", "occurred")}


def test_welcoming_a_countrys_titled_official_is_a_visit():
    assert rows("Cuba welcomed Russia's Deputy Prime Minister Dmitry Rogozin in April.") == {
        ("RUS", "CUB", dt.date(2015, 4, 1), "month", "occurred")
    }


def test_talks_with_someone_in_a_place():
    text = "Angela Merkel came home from talks with French President Francois Hollande in Normandy on Monday."
    assert ("DEU", "FRA", dt.date(2015, 6, 8), "day", "occurred") in rows(text)


def test_cues_of_another_clause_do_not_make_a_visit_planned():
    text = "A state visit was proposed in January when Shinzo Abe visited the White House."
    assert ("JPN", "USA", dt.date(2015, 1, 1), "month", "occurred") in rows(text)
    text = "Malian Trade Minister Oumar Kedala, who attended the summit in Vienna, would stay on, officials said."
    assert rows(text) == {("MLI", "AUT", REF, "article", "occurred")}


def test_country_before_title_introduces_a_name_with_particle():
    text = "UAE Energy Minister Suhail al-Mazrui arrived in Oslo on Monday. Mazrui later flew to Madrid."
    assert ("ARE", "ESP", REF, "article", "occurred") in rows(text)


def test_all_capitals_introduction_stops_at_common_words():
    text = "ARGENTINE FOREIGN MINISTER DOMINGO FERRARI TODAY SPOKE. FERRARI WENT TO PERU ON MONDAY."
    assert rows(text) == {("ARG", "PER", dt.date(2015, 6, 8), "day", "occurred")}


def test_participle_clause_visit_belongs_to_the_subject():
    text = "BEIJING (Wire) - Canadian Prime Minister Justin Trudeau praised talks on trade and Iran, ending a visit that began on Monday."
    assert rows(text) == {("CAN", "CHN", dt.date(2015, 6, 8), "day", "occurred")}


def test_dates_of_the_main_clause_are_not_those_of_an_opening_clause():
    text = "After Shinzo Abe left Manila, trade ministers agreed to meet again in 2016."
    assert rows(text) == {("JPN", "PHL", REF, "article", "occurred")}


def test_coordinated_subjects_each_visit():
    assert rows("Chilean President Michelle Bachelet and Peruvian President Ollanta Humala visited Bolivia in May.") == {
        ("CHL", "BOL", dt.date(2015, 5, 1), "month", "occurred"),
        ("PER", "BOL", dt.date(2015, 5, 1), "month", "occurred"),
    }


def test_attending_the_summit_named_earlier():
    text = (
        "Leaders will meet at a trade summit in Lima on Friday. "
        "Chilean President Michelle Bachelet and Mexican President Enrique Pena Nieto will also attend the summit."
    )
    found = rows(text)
    assert ("CHL", "PER", REF, "article", "planned") in found
    assert ("MEX", "PER", REF, "article", "planned") in found


def test_phone_talks_are_no_visit():
    assert rows("MOSCOW (Wire) - Vladimir Putin held phone talks with Angela Merkel on Monday.") == set()
    assert rows("BERLIN (Wire) - Angela Merkel received a call from Vladimir Putin on Monday, officials said.") == set()
    assert rows("MOSCOW (Wire) - Vladimir Putin held talks with Angela Merkel on Monday.") == {
        ("DEU", "RUS", dt.date(2015, 6, 8), "day", "occurred")
    }


def test_goods_crowds_and_modifiers_are_not_visitors():
    assert rows("Beijing was accused on Friday of sending oil to Pyongyang.") == set()
    assert rows("The minister welcomed the restraint Pyongyang had shown since July.") == set()
    assert rows("A Tokyo-bound jet returned to Los Angeles on Tuesday after a passenger mix-up.") == set()
    assert rows("Seoul sent a senior delegation to Tokyo on Monday.") == {("KOR", "JPN", dt.date(2015, 6, 8), "day", "occurred")}


def test_the_date_of_the_telling_is_not_the_date_of_the_visit():
    assert rows("British Prime Minister David Cameron revealed on Monday that he plans to visit Brazil in September.") == {
        ("GBR", "BRA", dt.date(2015, 9, 1), "month", "planned")
    }
    assert rows("Mexican President Enrique Pena Nieto said on Tuesday he will visit Japan next week.") == {
        ("MEX", "JPN", dt.date(2015, 6, 15), "week", "planned")
    }


def test_a_country_before_talks_is_the_other_party_not_the_venue():
    assert rows("WASHINGTON (Wire) - The White House delayed tariffs on Canada and Mexico ahead of tense China talks.") == set()
