"""The checks of warehouse/views/checks.tsv (keys unique, accepted values, every reference
present) hold on a lake built by a real pipeline run, and each check fails on a violation."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import query
from tasks.refdata import read_tsv
from warehouse.build import VIEWS

CHECKS = read_tsv(Path(__file__).resolve().parent.parent / "warehouse" / "views" / "checks.tsv")


def check_sql(check: dict[str, str]) -> str:
    """SQL returning the rows that break ``check`` (none when it holds)."""
    view, column, kind, argument = check["view"], check["column"], check["check"], check["argument"]
    if kind == "unique":
        return f"select {column}, count(*) from {view} group by {column} having count(*) > 1"
    if kind == "not_null":
        return f"select * from {view} where {column} is null"
    if kind == "accepted_values":
        values = ", ".join(f"'{v}'" for v in argument.split("|"))
        return f"select distinct {column} from {view} where {column} is not null and {column} not in ({values})"
    other_view, other_column = argument.split(".")
    if kind == "relationship":
        return (f"select distinct value from (select {column} as value from {view} where {column} is not null) "
                f"anti join (select {other_column} as value from {other_view}) using (value)")
    if kind == "each_relationship":
        return (f"select distinct value from (select unnest({column}) as value from {view}) "
                f"anti join (select {other_column} as value from {other_view}) using (value)")
    raise ValueError(f"checks.tsv: unknown check {kind!r} on {view}.{column}")


def name(check: dict[str, str]) -> str:
    return f"{check['view']}.{check['column']}:{check['check']}"


def test_the_checks_cover_the_keys_and_codes():
    declared = {(c["view"], c["column"], c["check"]) for c in CHECKS}
    for view, key in (("articles", "article_id"), ("event_mentions", "mention_id"), ("events", "event_id")):
        assert {(view, key, "unique"), (view, key, "not_null")} <= declared
    for view in ("event_mentions", "events"):
        assert {(view, c, "accepted_values") for c in ("status", "date_precision", "event_type")} <= declared
    assert ("event_mentions", "article_id", "relationship") in declared
    assert {c["view"] for c in CHECKS} <= set(VIEWS)


@pytest.mark.parametrize("check", CHECKS, ids=name)
def test_check_holds_on_a_pipeline_run(pipeline_run, check):
    data_dir = pipeline_run["data_dir"]
    assert query(data_dir, f"select count(*) from {check['view']}")[0][0] > 0  # a check on nothing proves nothing
    assert query(data_dir, check_sql(check)) == []


def violating_views(check: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """Views of the checked names over a few rows, one of which breaks ``check``."""
    con = duckdb.connect()
    good = {"article_id": "'a1'", "mention_id": "'m1'", "event_id": "'e1'", "duplicate_of": "null", "status": "'occurred'",
            "date_precision": "'day'", "event_type": "'CONSULT'", "mention_ids": "['m1']"}
    bad = {"unique": None, "not_null": "null", "accepted_values": "'sometime'", "relationship": "'gone'",
           "each_relationship": "['m1', 'gone']"}[check["check"]]
    for view in {check["view"], *(c["argument"].split(".")[0] for c in CHECKS if "relationship" in c["check"])}:
        rows = [dict(good)]
        if view == check["view"]:
            broken = dict(good)
            if bad is not None:
                broken[check["column"]] = bad
            rows.append(broken)
        selects = " union all ".join("select " + ", ".join(f"{v} as {k}" for k, v in r.items()) for r in rows)
        con.execute(f"create view {view} as {selects}")
    return con


@pytest.mark.parametrize("check", CHECKS, ids=name)
def test_check_fails_on_a_violation(check):
    with violating_views(check) as con:
        assert len(con.sql(check_sql(check)).fetchall()) == 1
