"""The scorer follows VISITS.md: month-level dates, status classes, optional rows, one match per gold row."""
from __future__ import annotations

import datetime as dt

from newsevents.scoring import score


def gold(visitor, host, when, status="occurred", explicit=True, doc="a"):
    return {"doc_id": doc, "visitor": visitor, "host": host, "when": when, "status": status, "explicit": explicit}


def pred(visitor, host, when, status="occurred", doc="a"):
    return {"doc_id": doc, "visitor": visitor, "host": host, "when": when, "status": status}


def test_month_level_match_and_direction():
    g = [gold("USA", "CHN", "2014-11-10"), gold("RUS", "PRK", "2014-04")]
    p = [pred("USA", "CHN", dt.date(2014, 11, 17)), pred("PRK", "RUS", dt.date(2014, 4, 1))]
    directed = score(p, g, "occurred")
    assert (directed.matched_predictions, directed.matched_gold, directed.gold) == (1, 1, 2)
    free = score(p, g, "occurred", directed=False)
    assert free.f1 == 1.0


def test_year_gold_accepts_any_month_and_each_gold_matches_once():
    g = [gold("SAU", "GBR", "1967")]
    p = [pred("SAU", "GBR", dt.date(1967, 9, 1)), pred("SAU", "GBR", dt.date(1967, 2, 1))]
    s = score(p, g, "occurred")
    assert (s.precision, s.recall) == (0.5, 1.0)


def test_optional_rows_and_status_classes():
    g = [gold("PRK", "RUS", "2014-10", explicit=False), gold("GBR", "SUN", "1987-03", status="planned")]
    p = [pred("PRK", "RUS", dt.date(2014, 10, 1)), pred("GBR", "SUN", dt.date(1987, 3, 30), status="cancelled")]
    assert score(p, g, "occurred").f1 == 1.0  # a matched optional row counts
    assert score([], g, "occurred").gold == 0  # a missed optional row does not
    assert score(p, g, "planned").f1 == 1.0  # cancelled counts with planned


def test_undated_gold_accepts_only_an_undated_prediction():
    g = [gold("ETH", "KEN", None)]
    assert score([pred("ETH", "KEN", None)], g, "occurred").f1 == 1.0
    assert score([pred("ETH", "KEN", dt.date(2020, 1, 1))], g, "occurred").f1 == 0.0
