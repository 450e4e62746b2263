"""The newsevents dashboard (a Streamlit script): who visits whom, read from the warehouse.

Started by ``newsevents dashboard --data-dir DIR``, which runs Streamlit on this script
(``streamlit run app.py -- --data-dir DIR``, through ``python -m newsevents.dashboard``).
Every filter is bound to the page's URL, so a view can be shared by its address. Each query opens the warehouse file read-only and is
cached per filter and per warehouse build: while a pipeline run writes, the page keeps
showing the last complete warehouse (it is replaced by an atomic rename at the end of a run).
"""
from __future__ import annotations

import argparse
import calendar
import datetime as dt
import os
import sys
from typing import Any, Callable

import altair as alt
import duckdb
import pandas as pd
import streamlit as st

from newsevents.dashboard import queries
from newsevents.dashboard.places import capitals, country_names
from newsevents.dashboard.queries import Cell, Filters
from warehouse.build import connect, warehouse_path

MEASURE_LABELS = {"events": "visits (events)", "mentions": "reports (mentions)"}
TOP = 25  # visitors and hosts shown in the heatmap
ARCS = 300  # pairs drawn on the map (the most visits first)


class DashboardError(RuntimeError):
    """A problem to show on the page as a message (never as a traceback)."""


def data_dir_from_argv(argv: list[str]) -> str:
    """The ``--data-dir`` given after ``--`` to ``streamlit run`` (else NEWSEVENTS_DATA_DIR, else ``data``)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data-dir", default=os.environ.get("NEWSEVENTS_DATA_DIR", "data"))
    return parser.parse_known_args(argv)[0].data_dir


def warehouse_stamp(data_dir: str) -> tuple[int, int]:
    """Identifies one build of the warehouse file (a rebuild renames a new file into place)."""
    try:
        info = os.stat(warehouse_path(data_dir))
    except FileNotFoundError:
        raise DashboardError(
            f"No warehouse in {data_dir} yet: run `newsevents run PATH... --data-dir {data_dir}` first."
        ) from None
    return info.st_ino, info.st_mtime_ns


@st.cache_data(show_spinner=False, max_entries=512)
def ask(name: str, data_dir: str, stamp: tuple[int, int], *args: Any) -> Any:
    """Run ``queries.<name>(con, *args)`` on a fresh read-only connection; cached per arguments and build."""
    del stamp  # part of the cache key only
    question: Callable = getattr(queries, name)
    try:
        with connect(data_dir) as con:
            return question(con, *args)
    except duckdb.IOException:  # a file vanished under the query (`newsevents compact`): once more
        with connect(data_dir) as con:
            return question(con, *args)


def label(code: str | None) -> str:
    if not code:
        return "any"
    name = country_names().get(code)
    return f"{code} · {name}" if name else code


def month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


# --- filters -------------------------------------------------------------------------------
def sidebar_filters(data_dir: str, stamp: tuple[int, int]) -> Filters | None:
    first, last = ask("date_bounds", data_dir, stamp)
    all_countries = ask("countries", data_dir, stamp)
    side = st.sidebar
    side.header("Filters")
    today = dt.date.today()
    default = (first or today.replace(day=1), last or today)
    picked = side.date_input("Visit dates", value=default, min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31),
                             key="dates", bind="query-params", format="YYYY-MM-DD")
    if isinstance(picked, dt.date):
        picked = (picked, picked)
    if not picked:
        side.warning("Choose a date range.")
        return None
    start, end = picked[0], picked[-1]
    statuses = side.multiselect("Status", queries.STATUSES, default=["occurred"], key="status", bind="query-params")
    chosen = side.multiselect("Countries (visitor or host)", all_countries, default=[], key="countries",
                              bind="query-params", placeholder="every country")
    confidence = side.slider("Minimum confidence", 0.0, 1.0, 0.0, 0.05, key="confidence", bind="query-params")
    measure = side.radio("Count", queries.MEASURES, captions=["one per visit", "one per report"], key="count",
                         bind="query-params", horizontal=True)
    side.caption("A visit reported by ten articles is one event and ten mentions. "
                 "The page's address keeps the filters: share it to share the view.")
    if not statuses:
        side.warning("Choose at least one status.")
        return None
    return Filters(start, end, tuple(statuses), tuple(chosen), float(confidence), measure)


def empty_message(f: Filters) -> str:
    who = f"to or from {', '.join(f.countries)} " if f.countries else ""
    status = " or ".join(f.statuses)
    return f"No {status} visits {who}between {f.start:%Y-%m-%d} and {f.end:%Y-%m-%d} with these filters."


# --- views ---------------------------------------------------------------------------------
def overview(data_dir: str, stamp: tuple[int, int], f: Filters) -> dict:
    numbers = ask("headline", data_dir, stamp, f)
    cols = st.columns(5)
    cols[0].metric(MEASURE_LABELS[f.measure].capitalize(), f"{numbers['visits']:,}")
    cols[1].metric("Country pairs", f"{numbers['pairs']:,}")
    cols[2].metric("Visiting countries", f"{numbers['visitors']:,}")
    cols[3].metric("Host countries", f"{numbers['hosts']:,}")
    cols[4].metric("Articles behind them", f"{numbers['articles']:,}")
    return numbers


def heatmap(data_dir: str, stamp: tuple[int, int], f: Filters) -> Cell | None:
    pairs = ask("pair_matrix", data_dir, stamp, f)
    if pairs.empty:
        st.info(empty_message(f))
        return None
    visitors = pairs.groupby("visitor_country")["visits"].sum().nlargest(TOP).index
    hosts = pairs.groupby("host_country")["visits"].sum().nlargest(TOP).index
    shown = pairs[pairs.visitor_country.isin(visitors) & pairs.host_country.isin(hosts)]
    if len(visitors) == TOP or len(hosts) == TOP:
        st.caption(f"The {TOP} most active visitors and hosts; filter by country to see others.")
    pick = alt.selection_point(name="cell", fields=["visitor_country", "host_country"])
    base = alt.Chart(shown).encode(
        x=alt.X("host_country:N", title="host", sort=list(hosts), axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("visitor_country:N", title="visitor", sort=list(visitors)),
    )
    rects = base.mark_rect().encode(
        color=alt.Color("visits:Q", title=f.measure, scale=alt.Scale(scheme="blues"), legend=alt.Legend(format="d")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.4)),
        tooltip=[alt.Tooltip("visitor_country", title="visitor"), alt.Tooltip("host_country", title="host"),
                 alt.Tooltip("visits", title=f.measure)],
    ).add_params(pick)
    text = base.mark_text(fontSize=11).encode(text="visits:Q")
    chart = (rects + text).properties(height=90 + 36 * len(visitors))  # the axis at the top takes ~50 px
    event = st.altair_chart(chart, on_select="rerun", key="heat", width="stretch")
    chosen = event.selection.get("cell") or []
    if chosen:
        return Cell(chosen[0].get("visitor_country"), chosen[0].get("host_country"), f.start, f.end)
    st.caption("Click a cell to see the visits behind it.")
    return None


def over_time(data_dir: str, stamp: tuple[int, int], f: Filters, all_countries: list[str]) -> Cell | None:
    if not all_countries:
        st.info(empty_message(f))
        return None
    left, right = st.columns(2)
    default = f.countries[0] if f.countries else all_countries[0]
    country = left.selectbox("Country", all_countries, index=all_countries.index(default) if default in all_countries else 0,
                             key="country", bind="query-params")
    partners = [None] + [c for c in all_countries if c != country]
    partner = right.selectbox("With (optional)", partners, format_func=lambda c: c or "any country", key="partner",
                              bind="query-params")
    series = ask("monthly", data_dir, stamp, f, country, partner)
    if series.empty:
        with_whom = f" with {partner}" if partner else ""
        st.info(f"No visits from or to {country}{with_whom} between {f.start:%Y-%m-%d} and {f.end:%Y-%m-%d} "
                "with these filters.")
        return None
    series = series.groupby(["month", "direction"], as_index=False)["visits"].sum()
    series["month"] = pd.to_datetime(series["month"]).dt.strftime("%Y-%m")
    pick = alt.selection_point(name="bar", fields=["month", "direction"])
    chart = alt.Chart(series).mark_bar().encode(
        x=alt.X("month:O", title="month", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("visits:Q", title=f.measure, axis=alt.Axis(format="d", tickMinStep=1)),
        color=alt.Color("direction:N", title=f"{country}", scale=alt.Scale(domain=["out", "in"])),
        xOffset=alt.XOffset("direction:N", scale=alt.Scale(domain=["out", "in"])),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.4)),
        tooltip=["month", "direction", alt.Tooltip("visits", title=f.measure)],
    ).add_params(pick).properties(height=280)
    event = st.altair_chart(chart, on_select="rerun", key="months", width="stretch")
    chosen = event.selection.get("bar") or []
    if not chosen:
        st.caption(f"out: {country} visits; in: {country} is visited. Click a bar to see the visits behind it.")
        return None
    month = dt.date.fromisoformat(chosen[0]["month"] + "-01")
    start, end = max(month.replace(day=1), f.start), min(month_end(month), f.end)
    if chosen[0].get("direction") == "out":
        return Cell(country, partner, start, end)
    return Cell(partner, country, start, end)


def dyads(data_dir: str, stamp: tuple[int, int], f: Filters) -> Cell | None:
    top = ask("top_dyads", data_dir, stamp, f)
    before = f.previous()
    st.caption(f"Change against {before.start:%Y-%m-%d} – {before.end:%Y-%m-%d}, the period of equal length before. "
               "Select a row to see the visits behind it.")
    if top.empty:
        st.info(empty_message(f))
        return None
    event = st.dataframe(
        top, key="dyads", on_select="rerun", selection_mode="single-row", hide_index=True,
        column_config={
            "visitor_country": "visitor", "host_country": "host", "visits": f.measure,
            "previous": "before", "change": st.column_config.NumberColumn("change", format="%+d"),
        },
    )
    rows = event.selection.rows
    if rows:
        row = top.iloc[rows[0]]
        return Cell(row.visitor_country, row.host_country, f.start, f.end)
    return None


def world(data_dir: str, stamp: tuple[int, int], f: Filters) -> Cell | None:
    pairs = ask("pair_matrix", data_dir, stamp, f)
    if pairs.empty:
        st.info(empty_message(f))
        return None
    where = capitals()
    placed = pairs[pairs.visitor_country.isin(where.keys()) & pairs.host_country.isin(where.keys())].head(ARCS)
    arcs = [
        {"type": "Feature",
         "geometry": {"type": "LineString", "coordinates": [where[r.visitor_country][::-1], where[r.host_country][::-1]]},
         "properties": {"visitor_country": r.visitor_country, "host_country": r.host_country, "visits": int(r.visits)}}
        for r in placed.itertuples()
    ]
    hosted = pairs.groupby("host_country", as_index=False)["visits"].sum()
    dots = pd.DataFrame(
        [{"country": c, "latitude": where[c][0], "longitude": where[c][1],
          "hosted": int(hosted.loc[hosted.host_country == c, "visits"].sum())}
         for c in sorted(set(placed.visitor_country) | set(placed.host_country))]
    )
    projection = {"type": "equalEarth"}
    sphere = alt.Chart(alt.sphere()).mark_geoshape(fill="#f4f7fb", stroke="#c9d3df")
    grid = alt.Chart(alt.graticule(step=[30, 30])).mark_geoshape(stroke="#e1e7ef", strokeWidth=0.5)
    pick = alt.selection_point(name="arc", fields=["properties.visitor_country", "properties.host_country"])
    lines = alt.Chart(alt.Data(values=arcs)).mark_geoshape(filled=False, strokeCap="round").encode(
        strokeWidth=alt.StrokeWidth("properties.visits:Q", title=f.measure, scale=alt.Scale(range=[1, 6]),
                                    legend=alt.Legend(format="d")),
        color=alt.condition(pick, alt.value("#d6604d"), alt.value("#f4a582")),
        tooltip=[alt.Tooltip("properties.visitor_country:N", title="visitor"),
                 alt.Tooltip("properties.host_country:N", title="host"),
                 alt.Tooltip("properties.visits:Q", title=f.measure)],
    ).add_params(pick)
    points = alt.Chart(dots).mark_circle(color="#2166ac").encode(
        longitude="longitude:Q", latitude="latitude:Q",
        size=alt.Size("hosted:Q", title="hosted", scale=alt.Scale(range=[20, 300]), legend=alt.Legend(format="d")),
        tooltip=["country", alt.Tooltip("hosted", title=f"{f.measure} hosted")],
    )
    names = alt.Chart(dots).mark_text(dy=-9, fontSize=10).encode(longitude="longitude:Q", latitude="latitude:Q",
                                                                 text="country")
    chart = (sphere + grid + lines + points + names).project(**projection).properties(height=420)
    st.caption(f"Arcs run from the visitor's capital to the host's, for the {ARCS} pairs with the most visits "
               "(great circles; a base map would need tiles or shapes from the network, so the globe is drawn "
               "with its graticule only). Click an arc for its visits.")
    event = st.altair_chart(chart, on_select="rerun", key="map", width="stretch")
    chosen = event.selection.get("arc") or []
    if chosen:
        props = chosen[0]
        return Cell(props.get("properties.visitor_country"), props.get("properties.host_country"), f.start, f.end)
    return None


def drill_down(data_dir: str, stamp: tuple[int, int], f: Filters, cell: Cell) -> None:
    span = f"{cell.start:%Y-%m-%d} – {cell.end:%Y-%m-%d}" if cell.start and cell.end else ""
    st.subheader(f"Visits {label(cell.visitor)} → {label(cell.host)}, {span}")
    events = ask("drill_events", data_dir, stamp, f, cell)
    if events.empty:
        st.info(f"No visits from {cell.visitor or 'any country'} to {cell.host or 'any country'} in this range "
                "with these filters.")
        return
    st.dataframe(
        events.drop(columns=["event_id", "mention_ids"]), hide_index=True,
        column_config={"visitor_country": "visitor", "host_country": "host",
                       "event_date": st.column_config.DateColumn("date"), "date_precision": "precision",
                       "confidence": st.column_config.NumberColumn("confidence", format="%.2f")},
    )
    mentions = ask("drill_mentions", data_dir, stamp, events)
    st.markdown(f"**The {len(mentions)} report(s) behind {'it' if len(events) == 1 else 'them'}**")
    for m in mentions.itertuples():
        when = pd.Timestamp(m.event_date).date() if pd.notna(m.event_date) else "undated"
        title = m.title or "(untitled article)"
        link = f"[{title}]({m.url})" if isinstance(m.url, str) and m.url.startswith(("http://", "https://")) else title
        outlet = m.publisher or m.source or "unknown outlet"
        reported = f", {pd.Timestamp(m.reported_on).date()}" if pd.notna(m.reported_on) else ""
        with st.container(border=True):
            st.markdown(f"{link} — {outlet}{reported}")
            st.caption(f"{m.visitor_country} → {m.host_country} · {when} ({m.date_precision}) · {m.status} · "
                       f"confidence {m.confidence:.2f}")
            st.markdown(f"> {m.evidence}")


def quarantine(data_dir: str, stamp: tuple[int, int]) -> None:
    reasons = ask("quarantine_reasons", data_dir, stamp)
    if reasons.empty:
        st.success("Nothing is quarantined: every input became an article or a known duplicate.")
        return
    st.caption("Inputs that could not become an article, by stage and reason. Select a reason to list its rows.")
    event = st.dataframe(reasons, key="reasons", on_select="rerun", selection_mode="single-row", hide_index=True)
    reason = reasons.iloc[event.selection.rows[0]].reason if event.selection.rows else None
    rows = ask("quarantine_rows", data_dir, stamp, reason)
    st.dataframe(rows, hide_index=True)


# --- page ----------------------------------------------------------------------------------
def page(data_dir: str) -> None:
    st.title("Who visits whom")
    stamp = warehouse_stamp(data_dir)
    f = sidebar_filters(data_dir, stamp)
    if f is None:
        return
    overview(data_dir, stamp, f)
    heat, months, top, globe, held = st.tabs(
        ["Visitor × host", "Over time", "Top pairs", "Map", "Quarantine"], key="view", bind="query-params"
    )
    all_countries = ask("countries", data_dir, stamp)
    for tab, view in ((heat, lambda: heatmap(data_dir, stamp, f)),
                      (months, lambda: over_time(data_dir, stamp, f, all_countries)),
                      (top, lambda: dyads(data_dir, stamp, f)),
                      (globe, lambda: world(data_dir, stamp, f))):
        if tab.open:  # only the selected tab is computed
            with tab:
                cell = guarded(view)
                if cell is not None:
                    guarded(lambda: drill_down(data_dir, stamp, f, cell))
    if held.open:
        with held:
            guarded(lambda: quarantine(data_dir, stamp))


def guarded(view: Callable[[], Any]) -> Any:
    """Run one view; show what went wrong as a message instead of a traceback."""
    try:
        return view()
    except DashboardError as exc:
        st.info(str(exc))
    except duckdb.Error as exc:
        st.error(f"The warehouse could not answer this view ({type(exc).__name__}: {exc}). "
                 "If a pipeline run or `newsevents compact` is under way, reload the page when it ends.")
    except Exception as exc:  # noqa: BLE001 - the page must never show a traceback
        st.error(f"This view failed: {type(exc).__name__}: {exc}")
    return None


def main() -> None:
    st.set_page_config(page_title="newsevents · visits", layout="wide")
    guarded(lambda: page(data_dir_from_argv(sys.argv[1:])))


main()
