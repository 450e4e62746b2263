"""Dated lines such as ``Güncelleme Tarihi: 17 Kasım 2014, 13:16`` in many languages.

Labels and month names are reference data (reference/date_labels.tsv, months.tsv). The
time is local to the publisher; :func:`parse_dateline` returns it timezone-aware.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from tasks.refdata import read_tsv

_REF = Path(__file__).parent / "reference"


@dataclass(frozen=True)
class Dateline:
    meaning: str  # updated | published
    local: dt.datetime  # naive local time
    timezone: str
    language: str | None

    @property
    def aware(self) -> dt.datetime:
        return self.local.replace(tzinfo=ZoneInfo(self.timezone))


@cache
def _months() -> dict[str, int]:
    return {name: int(row["month"]) for row in read_tsv(_REF / "months.tsv") for name in row["names"].split("|")}


@cache
def _labels() -> dict[str, dict[str, str]]:
    return {row["label"]: row for row in read_tsv(_REF / "date_labels.tsv")}


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    month = r"(?P<month>[^\W\d_]{3,12})\.?"
    time = r"(?:[,\s]+(?:saat\s+|um\s+|à\s+|at\s+|a las\s+)?(?P<hour>\d{1,2})[:.h](?P<minute>\d{2}))?"
    label = r"^(?:(?P<label>[^\W\d_][^:\d]{1,40}?)\s*:\s*)?"
    return (
        re.compile(label + r"(?P<day>\d{1,2})\.?\s+(?:de\s+)?" + month + r"\s+(?:de\s+)?(?P<year>\d{4})" + time + r"\s*$", re.I),
        re.compile(label + month + r"\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})" + time + r"\s*$", re.I),
        re.compile(label + r"(?P<day>\d{1,2})[./](?P<nmonth>\d{1,2})[./](?P<year>\d{4})" + time + r"\s*$", re.I),
        re.compile(label + r"(?P<year>\d{4})-(?P<nmonth>\d{2})-(?P<day>\d{2})(?:[T\s]+(?P<hour>\d{2}):(?P<minute>\d{2}))?\s*$", re.I),
    )


def parse_dateline(line: str, default_timezone: str | None = None) -> Dateline | None:
    """The date of a dated line, or None when ``line`` is not one.

    A line with a label must use a known label; a bare date line is taken as ``published``.
    """
    if len(line) > 80:
        return None
    for pattern in _patterns():
        m = pattern.match(line.strip())
        if not m:
            continue
        label = (m.group("label") or "").strip().lower()
        known = _labels().get(label)
        if label and known is None:
            return None
        if "month" in m.groupdict() and m.group("month"):
            month = _months().get(m.group("month").lower())
            if month is None:
                return None
        else:
            month = int(m.group("nmonth"))
        try:
            local = dt.datetime(
                int(m.group("year")), month, int(m.group("day")), int(m.group("hour") or 0), int(m.group("minute") or 0)
            )
        except ValueError:
            return None
        timezone = default_timezone or (known or {}).get("timezone") or "UTC"
        return Dateline(
            meaning=(known or {}).get("meaning", "published"),
            local=local,
            timezone=timezone,
            language=(known or {}).get("language"),
        )
    return None
