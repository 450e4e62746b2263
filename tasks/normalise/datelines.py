"""Dated lines such as ``Güncelleme Tarihi: 17 Kasım 2014, 13:16`` in many languages.

A dated line is an optional known label (``Updated``, ``Mis à jour le``, ``Aktualisiert am``,
``Actualizado el``, ``تحديث``, ``Обновлено``...; the colon optional), an optional weekday,
a date (``17 Kasım 2014``, ``3. März 2023``, ``5 de marzo de 2023``, ``November 17, 2014``,
``17.11.2014``, ``11/17/2014``, ``2014-11-17``), an optional time on the 24- or 12-hour
clock (``13:16``, ``20h33``, ``1:16 PM``, ``01:16 م``) and an optional zone (``GMT``,
``UTC+3``, ``+0300``, ``MSK``). Arabic-Indic digits are read as digits.

Labels, month names, the small words between the parts and zone names are reference data
(``reference/date_labels.tsv``, ``months.tsv``, ``dateline_words.tsv``,
``timezone_names.tsv``). The zone of the time is, in this order: the zone written in the
line, the publisher's (``default_timezone``, from ``publishers.tsv``), the label's (its
language's home zone, or UTC for languages spoken across many zones), else UTC.
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
MAX_LINE = 100  # a longer paragraph is not a dated line
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_MARKS = str.maketrans({"،": ",", "–": "-", "—": "-", "\u200e": None, "\u200f": None, "\u061c": None})
_DOTTED_MERIDIEM = re.compile(r"\b([ap])\.\s?m\b\.?", re.I)
_OFFSET = re.compile(r"^(?:gmt|utc)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.I)


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
def _words(kind: str) -> tuple[str, ...]:
    return tuple(row["word"] for row in read_tsv(_REF / "dateline_words.tsv") if row["kind"] == kind)


@cache
def _zone_names() -> dict[str, str]:
    return {row["name"]: row["zone"] for row in read_tsv(_REF / "timezone_names.tsv")}


def _alternatives(words) -> str:
    """A regex alternation of ``words``, longest first, each allowed any run of spaces."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    label = rf"(?:(?P<label>{_alternatives(_labels())})\s*[:\-]?\s*)?"
    weekday = r"(?:[^\W\d_]{2,15},?\s+)?"
    month = rf"(?P<month>{_alternatives(_months())})\.?"
    of = rf"(?:\s+(?:{_alternatives(_words('of'))})\s+|,?\s+)"
    year_word = rf"(?:\s*(?:{_alternatives(_words('year'))})\.?)?"
    dates = (
        rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\.?{of}{month}{of}(?P<year>\d{{4}}){year_word}",
        rf"{month}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})",
        rf"(?P<first>\d{{1,2}})(?P<sep>[./-])(?P<second>\d{{1,2}})(?P=sep)(?P<year>\d{{4}}){year_word}",
        r"(?P<year>\d{4})-(?P<nmonth>\d{2})-(?P<day>\d{2})",
    )
    meridiem = _alternatives(_words("am") + _words("pm"))
    time = (
        rf"(?:(?:\s*[,|-]\s*|\s+|T)(?:(?:{_alternatives(_words('at'))})\s+)?"
        rf"(?P<hour>\d{{1,2}})(?:\s*[:.]\s*|\s*h\s*)(?P<minute>\d{{2}})(?::\d{{2}})?"
        rf"(?:\s*(?P<meridiem>{meridiem})(?!\w))?(?:\s*(?:{_alternatives(_words('hours'))})\.?(?!\w))?)?"
    )
    zone = rf"(?:\s*\(?(?P<zone>(?:gmt|utc)\s*[+-]\s*\d{{1,2}}(?::?\d{{2}})?|[+-]\d{{2}}:?\d{{2}}|{_alternatives(_zone_names())})\)?)?"
    return tuple(re.compile("^" + label + weekday + d + time + zone + r"\s*$", re.I) for d in dates)


def zone_of(text: str) -> str | None:
    """The IANA zone of a zone written in a dated line (``GMT``, ``UTC+3``, ``+0300``, ``MSK``), if known."""
    text = text.strip().lower()
    if text in _zone_names():
        return _zone_names()[text]
    m = _OFFSET.match(text)
    if not m or (m.group(3) or "00") != "00" or int(m.group(2)) > 14:
        return None  # Etc zones have whole hours only
    hours = int(m.group(2))
    if hours == 0:
        return "UTC"
    return f"Etc/GMT{'-' if m.group(1) == '+' else '+'}{hours}"  # Etc signs are inverted


def _month_day(m: re.Match[str], order: str) -> tuple[int, int] | None:
    """(month, day) of the match; an all-numeric date is read by the rule in date_labels.tsv."""
    groups = m.groupdict()
    if groups.get("month"):
        month = _months().get(re.sub(r"\s+", " ", groups["month"].lower()))
        return (month, int(groups["day"])) if month else None
    if groups.get("nmonth"):
        return int(groups["nmonth"]), int(groups["day"])
    first, second = int(groups["first"]), int(groups["second"])
    if groups["sep"] == "." or first > 12:
        return second, first
    if second > 12 or order == "mdy":
        return first, second
    return second, first


def _hour(m: re.Match[str]) -> int:
    hour = int(m.group("hour") or 0)
    meridiem = (m.group("meridiem") or "").lower()
    if meridiem in _words("pm") and hour < 12:
        return hour + 12
    if meridiem in _words("am") and hour == 12:
        return 0
    return hour


def parse_dateline(line: str, default_timezone: str | None = None) -> Dateline | None:
    """The date of a dated line, or None when ``line`` is not one.

    A labelled line must use a known label; a bare date line is taken as ``published``.
    """
    if len(line) > MAX_LINE:
        return None
    text = _DOTTED_MERIDIEM.sub(r"\1m", line.translate(_DIGITS).translate(_MARKS)).strip()
    for pattern in _patterns():
        m = pattern.match(text)
        if not m:
            continue
        known = _labels().get(re.sub(r"\s+", " ", (m.group("label") or "").lower())) or {}
        found = _month_day(m, known.get("date_order", "dmy"))
        if found is None:
            return None
        try:
            local = dt.datetime(int(m.group("year")), found[0], found[1], _hour(m), int(m.group("minute") or 0))
        except ValueError:
            return None
        written = zone_of(m.group("zone")) if m.group("zone") else None
        return Dateline(
            meaning=known.get("meaning", "published"),
            local=local,
            timezone=written or default_timezone or known.get("timezone") or "UTC",
            language=known.get("language"),
        )
    return None
