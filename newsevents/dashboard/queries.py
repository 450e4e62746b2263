"""The dashboard's questions as parameterised DuckDB SQL over the warehouse views.

Every function takes an open (read-only) connection and a :class:`Filters`, binds every
value as a parameter (no value is ever formatted into SQL text) and returns a pandas
DataFrame. Counts come from ``events`` (one row per real-world visit, so a visit reported
by ten articles counts once); "mentions" sums the reports behind those events instead.
The drill-down's mention rows are read with a filter on the ``year`` partition column, so
DuckDB opens only the partitions of the years asked for.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

STATUSES = ("occurred", "planned", "cancelled")
MEASURES = ("events", "mentions")


@dataclass(frozen=True)
class Filters:
    """What the page's filters select; ``countries`` empty means every country."""

    start: dt.date
    end: dt.date
    statuses: tuple[str, ...] = ("occurred",)
    countries: tuple[str, ...] = ()
    min_confidence: float = 0.0
    measure: str = "events"

    def params(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "statuses": list(self.statuses),
            "countries": list(self.countries),
            "min_confidence": float(self.min_confidence),
            "by_mentions": self.measure == "mentions",
        }

    def previous(self) -> "Filters":
        """The same filters over the period of equal length just before this one."""
        days = (self.end - self.start).days + 1
        return Filters(self.start - dt.timedelta(days=days), self.start - dt.timedelta(days=1), self.statuses,
                       self.countries, self.min_confidence, self.measure)


@dataclass(frozen=True)
class Cell:
    """What a drill-down opens: a visitor and/or host over a period (None: any)."""

    visitor: str | None = None
    host: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None


# The filters other than the period, on rows of `events`.
_FILTERS = """list_contains($statuses, status)
        and confidence >= $min_confidence
        and (len($countries) = 0
             or list_contains($countries, actor_country)
             or list_contains($countries, recipient_country))"""

# The visit events the filters select; `value` is 1 per event or its mentions.
_SELECTED = f"""
selected as (
    select
        event_id,
        actor_country as visitor_country,
        recipient_country as host_country,
        event_date,
        date_precision,
        status,
        mentions,
        articles,
        sources,
        confidence,
        evidence,
        mention_ids,
        case when $by_mentions then mentions else 1 end as value
    from events
    where event_type = 'CONSULT' and event_mode = 'visit'
        and event_date between $start and $end
        and {_FILTERS}
        and actor_country is not null and recipient_country is not null
)
"""


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pd.DataFrame:
    return con.execute(sql, params).df()


def date_bounds(con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None]:
    """First and last visit date in the warehouse (None, None when there are no visits)."""
    row = con.execute(
        "select min(event_date), max(event_date) from events "
        "where event_type = 'CONSULT' and event_mode = 'visit' and event_date is not null"
    ).fetchone()
    return row[0], row[1]


def countries(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every country that visits or is visited, sorted."""
    rows = con.execute(
        "select distinct c from (select actor_country as c from events where event_mode = 'visit' "
        "union select recipient_country from events where event_mode = 'visit') where c is not null order by c"
    ).fetchall()
    return [r[0] for r in rows]


def headline(con: duckdb.DuckDBPyConnection, f: Filters) -> dict:
    """The overview's numbers: visits (events or mentions), pairs, visitors, hosts, articles."""
    sql = f"""
    with {_SELECTED}
    select
        cast(coalesce(sum(value), 0) as bigint) as visits,
        cast(count(distinct (visitor_country, host_country)) as bigint) as pairs,
        cast(count(distinct visitor_country) as bigint) as visitors,
        cast(count(distinct host_country) as bigint) as hosts,
        cast(coalesce(sum(articles), 0) as bigint) as articles
    from selected
    """
    cursor = con.execute(sql, f.params())
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone()))


def pair_matrix(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Visitor x host: one row per pair with its count, largest first."""
    sql = f"""
    with {_SELECTED}
    select visitor_country, host_country, cast(sum(value) as bigint) as visits
    from selected
    group by all
    order by visits desc, visitor_country, host_country
    """
    return _df(con, sql, f.params())


def monthly(con: duckdb.DuckDBPyConnection, f: Filters, country: str, partner: str | None = None) -> pd.DataFrame:
    """Visits by month of ``country`` out (as visitor) and in (as host); with ``partner``, the pair both ways."""
    sql = f"""
    with {_SELECTED}
    select
        cast(date_trunc('month', event_date) as date) as month,
        case when visitor_country = $country then 'out' else 'in' end as direction,
        visitor_country,
        host_country,
        cast(sum(value) as bigint) as visits
    from selected
    where (visitor_country = $country and ($partner is null or host_country = $partner))
       or (host_country = $country and ($partner is null or visitor_country = $partner))
    group by all
    order by month, direction, visitor_country, host_country
    """
    return _df(con, sql, {**f.params(), "country": country, "partner": partner})


def top_dyads(con: duckdb.DuckDBPyConnection, f: Filters, limit: int = 20) -> pd.DataFrame:
    """The pairs with the most visits in the period, with their count in the period before."""
    before = f.previous()
    sql = f"""
    with {_SELECTED},
    now as (
        select visitor_country, host_country, cast(sum(value) as bigint) as visits
        from selected group by all
    ),
    earlier as (
        select actor_country as visitor_country, recipient_country as host_country,
               cast(sum(case when $by_mentions then mentions else 1 end) as bigint) as previous
        from events
        where event_type = 'CONSULT' and event_mode = 'visit'
            and event_date between $prev_start and $prev_end
            and {_FILTERS}
        group by all
    )
    select
        now.visitor_country,
        now.host_country,
        now.visits,
        coalesce(earlier.previous, 0) as previous,
        now.visits - coalesce(earlier.previous, 0) as change
    from now left join earlier using (visitor_country, host_country)
    order by now.visits desc, change desc, now.visitor_country, now.host_country
    limit $limit
    """
    return _df(con, sql, {**f.params(), "prev_start": before.start, "prev_end": before.end, "limit": limit})


def drill_events(con: duckdb.DuckDBPyConnection, f: Filters, cell: Cell) -> pd.DataFrame:
    """The visit events behind a cell, bar or row (newest first)."""
    sql = f"""
    with {_SELECTED}
    select event_id, visitor_country, host_country, event_date, date_precision, status,
           mentions, articles, sources, confidence, evidence, mention_ids
    from selected
    where ($visitor is null or visitor_country = $visitor)
      and ($host is null or host_country = $host)
      and ($cell_start is null or event_date >= $cell_start)
      and ($cell_end is null or event_date <= $cell_end)
    order by event_date desc, visitor_country, host_country, event_id
    limit 500
    """
    return _df(con, sql, {**f.params(), "visitor": cell.visitor, "host": cell.host,
                          "cell_start": cell.start, "cell_end": cell.end})


def _months(start: dt.date, end: dt.date) -> list[int]:
    """year * 100 + month for every month from ``start`` to ``end``."""
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(y * 100 + m)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# The visit mentions asked for, as the `visits` view names them, read straight from the lake's
# mention files (`raw_event_mentions`) so that the partition filter applies.
_MENTIONS = """
select distinct on (mention_id)
    mention_id, article_id, content_hash,
    actor_country as visitor_country, recipient_country as host_country,
    event_date, date_precision, status, actor_name as visitor_name, sentence as evidence,
    confidence, date_expression
from raw_event_mentions
where list_contains($ids, mention_id)
  -- a plain range on `year` is what DuckDB prunes partitions by; the month list then narrows it
  and ($all_months or ((year between $first_year and $last_year or year = 0)
                       and list_contains($months, year * 100 + month)))
"""

_ARTICLES = """
select article_id, content_hash, title, publisher, source, url, reference_date as reported_on
from articles
where list_contains($article_ids, article_id)
"""


def drill_mentions(con: duckdb.DuckDBPyConnection, events: pd.DataFrame) -> pd.DataFrame:
    """The reports behind ``events`` (rows of :func:`drill_events`): one row per mention, with its article.

    The same rows as the ``visits`` view gives for these mentions (those of each article's
    current version), found without the view's pass over every article: the mention files
    are read with a partition filter, then the ``articles`` view for just their articles
    (DuckDB pushes that filter below the latest-version step; 0.2 s instead of 1-2 s at 1M
    articles). A mention lies in its event's month or a month next to it (mentions of one
    event are at most a few days apart), in the year's January (dated only to a year), or
    is undated: only the partitions of those years are read. Should a long chain of
    mentions reach further, the lookup is repeated over every partition.
    """
    if events.empty:
        return pd.DataFrame()
    ids = sorted({m for ids in events["mention_ids"] for m in ids})
    dates = [d for d in pd.to_datetime(events["event_date"]).dt.date if d is not None]
    months = {0}
    for d in dates:
        first = (d.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        last = (d.replace(day=28) + dt.timedelta(days=8)).replace(day=1)
        months.update(_months(first, last))
        months.add(d.year * 100 + 1)
    years = [m // 100 for m in months if m]
    params = {"ids": ids, "months": sorted(months), "all_months": False,
              "first_year": min(years, default=0), "last_year": max(years, default=0)}
    mentions = _df(con, _MENTIONS, params)
    if len(mentions) < len(ids):
        mentions = _df(con, _MENTIONS, {**params, "all_months": True})
    articles = _df(con, _ARTICLES, {"article_ids": sorted(set(mentions["article_id"]))})
    rows = mentions.merge(articles, on=["article_id", "content_hash"])  # current versions only
    return rows.drop(columns="content_hash").sort_values(["event_date", "reported_on", "mention_id"],
                                                          ignore_index=True)


def quarantine_reasons(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """How many inputs were quarantined, by stage and reason."""
    return _df(con, "select stage, reason, cast(count(*) as bigint) as inputs from quarantine "
                    "group by all order by inputs desc, stage, reason", {})


def quarantine_rows(con: duckdb.DuckDBPyConnection, reason: str | None = None, limit: int = 1000) -> pd.DataFrame:
    """The quarantined inputs (newest first), of one reason or all."""
    return _df(con, "select quarantined_at, stage, reason, source, detail from quarantine "
                    "where $reason is null or reason = $reason order by quarantined_at desc, source limit $limit",
               {"reason": reason, "limit": limit})
