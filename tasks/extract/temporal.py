"""Resolve temporal expressions in news text to calendar values.

A news sentence such as "The minister arrived on Friday" or "He will visit Japan in
April" refers to a date relative to the article's publication date.  This module finds
such expressions (``find``) and resolves them (``resolve``) to a TIMEX3-style value:

* day    ``'1998-08-07'``
* week   ``'1998-W32'`` (ISO-8601 week numbering)
* month  ``'1998-08'``
* year   ``'1998'``

Conventions
-----------
* The reference date is the publication date of the article.
* Weekday names resolve to the nearest such day in the direction given by the tense of
  the sentence: past tense looks back, future cues (``will``, ``is to``, ``set to``,
  ``scheduled`` ...) look forward.  Without a cue the past is assumed, since news
  mostly reports what has happened.  A weekday equal to the reference date's weekday
  means the reference date itself, unless ``last``/``next`` says otherwise.
* Month names and dates without a year ("in April", "March 22") resolve to the nearest
  occurrence; an occurrence that goes against the tense of the sentence must be
  closer by more than about four months to win.  A month equal to the reference
  month means the reference month.  ``last April`` is the most recent April before the
  reference month, ``next April`` the first one after it.
* ``last week``/``this week``/``next week`` are ISO weeks; ``last month``/``last year``
  are the previous calendar month/year; ``N days/weeks/months/years ago`` keep the
  granularity of their unit.  ``a year ago``, ``a year earlier``, ``year-earlier`` and
  ``the past year`` are the previous calendar year.
* Modifiers such as ``early``, ``late``, ``mid-``, ``the end of`` are accepted and do
  not change the value (as in TIMEX3, which puts them in a separate ``mod`` attribute).
* Expressions that are not calendar positions (durations such as "three years", sets
  such as "every week", vague references such as "now", "recently", "soon") and
  anaphoric ones ("that year", "the following month") resolve to ``None``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

__all__ = ["Resolved", "TemporalMention", "resolve", "find"]

# ---------------------------------------------------------------------------
# Word lists
# ---------------------------------------------------------------------------

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
    "december": 12,
}
# Abbreviations: "Aug." on its own, "Aug 7" / "Aug. 7" before a day number.
MONTH_ABBREVIATIONS: dict[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}
NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
ORDINAL_WORDS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11,
    "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}
# Fixed-date holidays (month, day); Thanksgiving (US) is computed.
HOLIDAYS: dict[str, tuple[int, int]] = {
    "new year's day": (1, 1), "christmas eve": (12, 24), "christmas day": (12, 25),
    "christmas": (12, 25), "new year's eve": (12, 31),
}
# Month names that are also common words, and the words that mark them as months.
AMBIGUOUS_MONTHS = frozenset({"may", "march"})
MONTH_PREPOSITIONS = frozenset({
    "in", "since", "until", "till", "by", "of", "during", "before", "after", "from",
    "through", "throughout",
})
ORDINAL_DAY_PREPOSITIONS = frozenset({"on", "by", "since", "until", "till", "from"})
# Phrases that name the current year only when they stand alone.  ``find`` does not
# look for them, since in running text they are often anaphoric ("the year after").
CURRENT_YEAR_PHRASES = frozenset({"the year", "the fiscal year", "the full year"})

# Tense cues: words of the sentence telling whether an expression is ahead or behind.
FUTURE_CUES = (
    "will", "won't", "shall", "is to", "are to", "am to", "was to", "were to",
    "set to", "scheduled", "due", "expected", "expects", "expect", "plans to",
    "plan to", "planning", "intends to", "going to", "upcoming", "to begin",
    "to start", "begins", "starts", "opens", "is to be", "would", "might",
    "as soon as", "as early as", "payable", "expire", "expires", "later this",
)
PAST_CUES = (
    "was", "were", "had", "did", "said", "says", "told", "ago", "earlier", "has",
    "have", "met", "went", "came", "began", "held", "made", "took", "gave", "saw",
    "won", "lost", "fell", "rose", "sold", "bought", "paid", "spoke", "left", "got",
    "found", "became", "brought", "sent", "ran", "led", "hit", "struck", "fled", "flew",
    "shot", "broke", "chose", "drove", "fought", "wrote", "knew", "thought", "heard",
    "kept", "since",
)
# Words ending in -ed that are not past-tense verbs (other -ed words are).
NOT_PAST_ED = frozenset({
    "united", "hundred", "red", "bed", "shed", "wed", "need", "speed", "proceed",
    "exceed", "succeed", "indeed", "sacred", "naked", "wicked", "alleged", "armed",
    "based", "related", "limited", "detailed", "proposed", "expected", "scheduled",
    "planned", "unexpected", "unidentified", "unnamed", "combined", "advanced",
    "concerned", "interested", "supposed", "used",
})
# A participle after one of these words is passive or adjectival, not a past tense.
PASSIVE_AUXILIARIES = frozenset(
    {"be", "being", "is", "are", "am", "to", "the", "a", "an"}
)
# A date that goes against the tense of its sentence must be closer than the one that
# agrees with it by more than this (about four months) to be chosen.
TENSE_BIAS_DAYS = 120
TENSE_BIAS_MONTHS = 4

# ---------------------------------------------------------------------------
# Regular expressions (compiled once, applied to lower-cased text)
# ---------------------------------------------------------------------------


def _alternation(words) -> str:
    """Regex alternation of the given words, longest first, spaces as \\s+."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


def _trie(words) -> str:
    """Regex matching any of the words, factored by common prefixes.

    Equivalent to ``_alternation(words)`` but faster to scan with, since the regex
    engine does not retry every word at each position.
    """
    tree: dict = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + build(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(tree)


_MONTH_FULL = _alternation(MONTHS)
_MONTH_ABBR = _alternation(MONTH_ABBREVIATIONS)
# A month on its own: full name or an abbreviation with its period.
_MONTH = rf"(?:\b(?:{_MONTH_FULL})\b|\b(?:{_MONTH_ABBR})\.)"
# A month before a day number: the period of an abbreviation is optional.
_MONTH_D = rf"(?:\b(?:{_MONTH_FULL}|{_MONTH_ABBR})\b\.?)"
_WEEKDAY = rf"\b(?:{_alternation(WEEKDAYS)})\b"
_DAY_NUM = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d:,.]\d|\d|%)"
_DAY_ORD = rf"(?:(?:twenty|thirty)-?)?(?:{_alternation(ORDINAL_WORDS)})"
_DAY = rf"(?:{_DAY_NUM}|{_DAY_ORD}\b)"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_DIGIT_WORDS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_SPELLED_CENTURY_YEAR = (
    rf"\b(?:nineteen|twenty)[\s-]+(?:(?:{_TENS})(?:-(?:{_DIGIT_WORDS}))?|{_TEENS})\b"
)
_SPELLED_MILLENNIUM_YEAR = (
    rf"\btwo\s+thousand(?:\s+(?:and\s+)?(?:{_DIGIT_WORDS}|{_TEENS}))?\b"
)
_SPELLED_YEAR = rf"(?:{_SPELLED_CENTURY_YEAR}|{_SPELLED_MILLENNIUM_YEAR})"
_YEAR = rf"(?:(?<![\d,.$])(?:1[6-9]|20)\d\d(?![\d%]|[.,]\d)|'\d\d\b|{_SPELLED_YEAR})"
_NUM = rf"(?:\d{{1,3}}|{_alternation(NUMBER_WORDS)}|a\s+couple\s+of)"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))"
# Modifiers that do not change the value ("late November", "the end of this week").
_MOD = (
    r"(?:(?:early|late|mid|earlier|later|"
    r"the\s+(?:end|beginning|start|middle|close)\s+of(?:\s+the)?)(?:\s+|-))"
)
_REL = (
    r"(?:this\s+(?:coming|past)|the\s+(?:previous|past|coming|next)"
    r"|last|next|this|coming|past)"
)

# One pattern per kind of expression, in order of preference; named groups carry the
# parts.  Longer forms come first so that the longest expression wins.
_KIND_PATTERNS: dict[str, str] = {
    "iso_date": r"\b(?P<y>\d{4})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])\b",
    # [Friday,] Aug. 7[, 1998] / Friday Oct. 13 / last Oct. 23
    "month_day": (
        rf"(?:around\s+)?(?:(?P<rel>{_REL})\s+)?(?:(?P<wd>{_WEEKDAY}),?\s+)?(?:{_MOD})?"
        rf"(?P<mon>{_MONTH_D})\s*(?P<day>{_DAY})(?:,?\s+(?P<year>{_YEAR}))?"
    ),
    # [Friday,] [the] 7[th] [of] August[ 1998]
    "day_month": (
        rf"(?:(?P<wd>{_WEEKDAY}),?\s+)?(?:the\s+)?(?P<day>{_DAY})(?:\s+of)?\s+"
        rf"(?P<mon>{_MONTH})(?:,?\s+(?P<year>{_YEAR}))?"
    ),
    # the 22nd (of the current or an adjacent month)
    "ordinal_day": (
        r"the\s+(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)(?![\w-])"
        r"(?!\s+(?!(?:and|or|to|at|in|when|after|before)\b)[a-z])"
    ),
    # [early] August 1998 / June last year
    "month_year": (
        rf"(?:{_MOD})?(?P<mon>{_MONTH})(?:\s+of)?,?\s+(?:(?P<year>{_YEAR})|"
        r"(?P<rel>this|last|next)\s+year\b)"
    ),
    # [late] [last] November
    "month": rf"(?:{_MOD})?(?:(?P<rel>{_REL})\s+)?(?:{_MOD})?(?P<mon>{_MONTH})",
    # [early] [last] Friday['s] [morning]
    "weekday": (
        rf"(?:{_MOD})?(?:(?P<rel>{_REL})\s+)?(?P<wd>{_WEEKDAY})(?:'s)?{_PART_OF_DAY}?"
    ),
    # [late] yesterday [afternoon] / the day after tomorrow / last night
    "deictic": (
        rf"(?:{_MOD})?(?:(?P<word>yesterday|today|tomorrow|tonight){_PART_OF_DAY}?"
        r"|the\s+day\s+(?P<shift>before\s+yesterday|after\s+tomorrow)"
        r"|(?P<phrase>last\s+night|this\s+(?:morning|afternoon|evening)))\b"
    ),
    # [earlier] this week / the end of the month / last year / the past year
    "unit": (
        rf"(?:{_MOD})?(?P<rel>{_REL}|the\s+(?:current|latest|same))\s+"
        r"(?P<fiscal>fiscal\s+)?(?P<unit>week|month|year)(?![-\w])(?:\s+or\s+so\b)?"
    ),
    # the end of the month, earlier in the year: the current period
    "unit_part": (
        r"(?:the\s+(?:end|beginning|start|middle|close)\s+of|(?:earlier|later)\s+in)"
        r"(?:\s+the)?\s+(?P<unit>week|month|year)(?![-\w'])"
    ),
    # the week of March 6
    "week_of": rf"the\s+week\s+of\s+(?P<mon>{_MONTH_D})\s*(?P<day>{_DAY})",
    # year-end, year end, year's end
    "year_end": r"(?:around\s+)?\byear(?:'s\s+|-|\s+)end\b",
    # two weeks ago, a year earlier, year-earlier, year-ago
    "ago": (
        r"(?:(?:nearly|almost|about|some|roughly|more\s+than|less\s+than|just|"
        r"only|over)\s+)?"
        rf"\b(?P<num>{_NUM})[\s-]+(?P<unit>day|week|month|year)s?(?:\s+or\s+so)?"
        r"\s+ago\b"
        r"|\b(?P<earlier>a\s+year\s+earlier|year-(?:earlier|ago))\b"
    ),
    # nineteen ninety-six, the year two thousand ("two thousand" alone is a number)
    "spelled_year": (
        rf"(?:the\s+year\s+)?(?P<year>{_SPELLED_CENTURY_YEAR})"
        rf"|the\s+year\s+(?P<year2>{_SPELLED_MILLENNIUM_YEAR})"
    ),
    # in 1998: a bare number counts as a year only after one of these words
    "year": (
        r"(?:(?<=\bin\s)|(?<=\bof\s)|(?<=\bsince\s)|(?<=\bduring\s)|(?<=\buntil\s)"
        r"|(?<=\bby\s)|(?<=\bbefore\s)|(?<=\bafter\s)|(?<=\bfrom\s)|(?<=\bthe year )"
        rf"|(?<=\bthrough\s)|(?<=\bfiscal\s))(?P<year>{_YEAR})"
    ),
    "holiday": (
        rf"(?:(?P<rel>{_REL})\s+)?\b(?P<name>{_alternation(HOLIDAYS)}"
        r"|thanksgiving(?:\s+day)?)\b"
    ),
}

_KIND_RES = {kind: re.compile(p) for kind, p in _KIND_PATTERNS.items()}
# The master pattern: one alternative per kind, inner groups made non-capturing, so
# that ``match.lastgroup`` names the kind.
_MASTER = re.compile(
    "|".join(
        f"(?P<{kind}>{re.sub(r'[(][?]P<[a-z]+>', '(?:', p)})"
        for kind, p in _KIND_PATTERNS.items()
    )
)
# Every expression contains one of these words; ``find`` only looks around them.
_ANCHOR_WORDS = (
    *MONTHS, *MONTH_ABBREVIATIONS, *WEEKDAYS, "yesterday", "today", "tomorrow",
    "tonight", "night", "morning", "afternoon", "evening", "nineteen", "thousand",
    "christmas", "thanksgiving", "days", "week", "weeks", "month", "months", "year",
    "years",
)
_ANCHOR = re.compile(
    rf"\b{_trie(_ANCHOR_WORDS)}\b|(?<!\d)\d{{4}}(?!\d)|\b\d\d?(?:st|nd|rd|th)\b"
)
_WORD = re.compile(r"(?<![\w'])[\w']+")
# Words an expression can start with (besides digits and the anchor itself).
_START_WORDS = frozenset({
    *MONTHS, *MONTH_ABBREVIATIONS, *WEEKDAYS, *NUMBER_WORDS, *ORDINAL_WORDS,
    "the", "this", "last", "next", "coming", "past", "early", "late", "mid", "earlier",
    "later", "around", "nearly", "almost", "about", "some", "roughly", "more", "less",
    "just", "only", "over", "year", "yesterday", "today", "tomorrow", "tonight",
    "christmas", "new", "thanksgiving",
})
# How far before an anchor an expression may start (in words and characters).
_MAX_WORDS_BEFORE = 6
_MAX_CHARS_BEFORE = 48

_BARE_YEAR = re.compile(r"(?:1[6-9]|20)\d\d")
_ABBREVIATION_AT_END = re.compile(rf"\b(?:{_MONTH_ABBR})\.$")
_SET_BEFORE = re.compile(r"\b(?:every|each)\s+$")
_LEADING_PREPOSITION = re.compile(
    r"^(?:in|on|at|by|since|until|till|from|during|of|before|after|through|for)\s+"
)
_FUTURE_RE = re.compile(rf"(?<![\w']){_trie(FUTURE_CUES)}(?![\w'])|'ll\b")
_PAST_RE = re.compile(rf"(?<![\w']){_trie(PAST_CUES)}(?![\w'])")
_ED_RE = re.compile(r"(?<![\w'-])[a-z]{2,}ed(?![\w'-])")
_LAST_WORD = re.compile(r"(\S+)\s*$")
_CLAUSE_BREAK = re.compile(
    r"[;:]|\bbut\b|,\s+(?:and|while|when|which|who|after|before)\b"
)

# ---------------------------------------------------------------------------
# Data types
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolved:
    """A resolved calendar value in TIMEX3 form and its precision."""

    value: str  # '1998-08-07' | '1998-W32' | '1998-08' | '1998'
    precision: str  # 'day' | 'week' | 'month' | 'year'

    @property
    def start(self) -> datetime.date:
        """First day of the period (ISO week: its Monday; month: day 1; year: Jan 1)."""
        if self.precision == "day":
            return datetime.date.fromisoformat(self.value)
        if self.precision == "week":
            year, week = self.value.split("-W")
            return datetime.date.fromisocalendar(int(year), int(week), 1)
        if self.precision == "month":
            year, month = self.value.split("-")
            return datetime.date(int(year), int(month), 1)
        return datetime.date(int(self.value), 1, 1)


@dataclass(frozen=True, slots=True)
class TemporalMention:
    """A temporal expression found in a sentence, with character offsets."""

    start: int
    end: int
    text: str
    resolved: Resolved


# ---------------------------------------------------------------------------
# Building values
# ---------------------------------------------------------------------------


def _day(d: datetime.date) -> Resolved:
    return Resolved(d.isoformat(), "day")


def _week(d: datetime.date) -> Resolved:
    year, week, _ = d.isocalendar()
    return Resolved(f"{year:04d}-W{week:02d}", "week")


def _month(year: int, month: int) -> Resolved:
    return Resolved(f"{year:04d}-{month:02d}", "month")


def _year(year: int) -> Resolved:
    return Resolved(f"{year:04d}", "year")


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _month_number(word: str) -> int:
    word = word.rstrip(".")
    return MONTHS.get(word) or MONTH_ABBREVIATIONS[word]


def _day_number(text: str) -> int:
    """Day of month from '7', '7th', 'eighth' or 'twenty-first'."""
    digits = re.match(r"\d+", text)
    if digits:
        return int(digits.group())
    for tens in ("twenty", "thirty"):
        if text.startswith(tens) and text not in ORDINAL_WORDS:
            return NUMBER_WORDS[tens] + ORDINAL_WORDS[text[len(tens):].lstrip("-")]
    return ORDINAL_WORDS[text]


def _year_number(text: str, reference: datetime.date) -> int:
    """Year from '1998', "'98" or spelled 'nineteen ninety-six' / 'two thousand one'."""
    if text.isdigit():
        return int(text)
    if text.startswith("'"):
        two = int(text[1:])
        century = reference.year // 100 * 100
        candidates = (century - 100 + two, century + two, century + 100 + two)
        return min(candidates, key=lambda y: abs(y - reference.year))
    words = re.split(r"[\s-]+", text)
    if words[:2] == ["two", "thousand"]:
        return 2000 + sum(NUMBER_WORDS[w] for w in words[2:] if w != "and")
    return NUMBER_WORDS[words[0]] * 100 + sum(NUMBER_WORDS[w] for w in words[1:])


def _number(text: str) -> int:
    text = " ".join(text.split())
    if text.isdigit():
        return int(text)
    if text == "a couple of":
        return 2
    return NUMBER_WORDS[text]


# ---------------------------------------------------------------------------
# Tense of the context
# ---------------------------------------------------------------------------


class _Tenses:
    """Tense cues and clause breaks of one lower-cased sentence, found once."""

    __slots__ = ("cues", "breaks")

    def __init__(self, text: str) -> None:
        cues = [(m.start(), m.end(), "future") for m in _FUTURE_RE.finditer(text)]
        cues += [(m.start(), m.end(), "past") for m in _PAST_RE.finditer(text)]
        for m in _ED_RE.finditer(text):
            if m.group() in NOT_PAST_ED:
                continue
            before = _LAST_WORD.search(text, 0, m.start())
            if before and before.group(1) in PASSIVE_AUXILIARIES:
                continue
            cues.append((m.start(), m.end(), "past"))
        self.cues = sorted(cues)
        self.breaks = [(m.start(), m.end()) for m in _CLAUSE_BREAK.finditer(text)]

    def at(self, start: int, end: int) -> str | None:
        """'past', 'future' or None for the expression at [start, end).

        The nearest cue to the left within the same clause decides; failing that, the
        nearest cue to the right within the clause.
        """
        left_limit = max((e for s, e in self.breaks if e <= start), default=0)
        right_limit = min((s for s, e in self.breaks if s >= end), default=1 << 30)
        left = [c for c in self.cues if left_limit <= c[0] and c[1] <= start]
        if left:
            return max(left, key=lambda c: c[1])[2]
        for s, e, label in self.cues:
            if s >= end and e <= right_limit:
                return label
        return None


def _direction(rel: str | None, tense: str | None) -> str | None:
    """'last' / 'next' / 'this' from an explicit word, else the tense."""
    if rel:
        rel = " ".join(rel.split())
        if rel in ("last", "past", "this past", "the previous", "the past"):
            return "last"
        if rel in ("next", "coming", "this coming", "the coming", "the next"):
            return "next"
        if rel == "this":
            return "this"
    return tense


# ---------------------------------------------------------------------------
# Resolution of each kind
# ---------------------------------------------------------------------------


def _resolve_weekday(
    weekday: int, ref: datetime.date, rel: str | None, tense: str | None
) -> Resolved:
    direction = _direction(rel, tense)
    back = (ref.weekday() - weekday) % 7
    ahead = (weekday - ref.weekday()) % 7
    if direction == "last":
        return _day(ref - datetime.timedelta(days=back or 7))
    if direction == "next":
        return _day(ref + datetime.timedelta(days=ahead or 7))
    if direction == "future" or (direction == "this" and tense != "past"):
        return _day(ref + datetime.timedelta(days=ahead))
    return _day(ref - datetime.timedelta(days=back))


def _resolve_month(
    month: int, ref: datetime.date, rel: str | None, tense: str | None
) -> Resolved:
    direction = _direction(rel, tense)
    if direction == "this" or (month == ref.month and direction not in ("last", "next")):
        return _month(ref.year, month)
    if direction == "last":
        return _month(ref.year if month < ref.month else ref.year - 1, month)
    if direction == "next":
        return _month(ref.year if month > ref.month else ref.year + 1, month)

    def distance(year: int) -> int:
        months = (year - ref.year) * 12 + month - ref.month
        if (tense == "past" and months > 0) or (tense == "future" and months < 0):
            return abs(months) + TENSE_BIAS_MONTHS
        return abs(months)

    years = (ref.year - 1, ref.year, ref.year + 1)
    if tense == "future":  # on a tie, the occurrence that agrees with the tense
        years = years[::-1]
    return _month(min(years, key=distance), month)


def _infer_year(
    month: int, day: int, ref: datetime.date, tense: str | None, weekday: int | None
) -> datetime.date | None:
    """Complete a month and day with a year: the occurrence nearest the reference date.

    A weekday given with the date ("Friday, Oct. 13") picks the year where it fits.
    """
    candidates = []
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            candidates.append(datetime.date(year, month, day))
        except ValueError:
            continue
    if weekday is not None:
        matching = [c for c in candidates if c.weekday() == weekday]
        candidates = matching or candidates
    if not candidates:
        return None

    def distance(c: datetime.date) -> int:
        days = (c - ref).days
        if (tense == "past" and days > 0) or (tense == "future" and days < 0):
            return abs(days) + TENSE_BIAS_DAYS
        return abs(days)

    if tense == "future":  # on a tie, the occurrence that agrees with the tense
        candidates.reverse()
    return min(candidates, key=distance)


def _resolve_ordinal_day(day: int, ref: datetime.date, tense: str | None) -> Resolved | None:
    """'the 22nd': that day of the reference month or of a month next to it."""
    candidates = []
    for shift in (-1, 0, 1):
        year, month = _add_months(ref.year, ref.month, shift)
        try:
            candidates.append(datetime.date(year, month, day))
        except ValueError:
            continue
    if tense == "past":
        candidates = [c for c in candidates if c <= ref] or candidates
    elif tense == "future":
        candidates = [c for c in candidates if c >= ref] or candidates
    return _day(min(candidates, key=lambda c: abs((c - ref).days)))


def _resolve_unit(unit: str, ref: datetime.date, rel: str) -> Resolved | None:
    rel = " ".join(rel.split())
    if rel in ("this", "the current", "the same", "this coming"):
        shift = 0
    elif rel in ("last", "past", "the past", "the previous", "this past", "the latest"):
        shift = -1
    elif rel in ("next", "coming", "the coming", "the next"):
        shift = 1
    else:
        return None
    if unit == "week":
        return _week(ref + datetime.timedelta(weeks=shift))
    if unit == "month":
        return _month(*_add_months(ref.year, ref.month, shift))
    return _year(ref.year + shift)


def _resolve_ago(number: int, unit: str, ref: datetime.date) -> Resolved:
    if unit == "day":
        return _day(ref - datetime.timedelta(days=number))
    if unit == "week":
        return _week(ref - datetime.timedelta(weeks=number))
    if unit == "month":
        return _month(*_add_months(ref.year, ref.month, -number))
    return _year(ref.year - number)


def _thanksgiving(year: int) -> datetime.date:
    """US Thanksgiving: the fourth Thursday of November."""
    first = datetime.date(year, 11, 1)
    return first + datetime.timedelta(days=(3 - first.weekday()) % 7 + 21)


def _resolve_holiday(
    name: str, ref: datetime.date, rel: str | None, tense: str | None
) -> Resolved:
    name = " ".join(name.split())
    candidates = []
    for year in (ref.year - 1, ref.year, ref.year + 1):
        if name.startswith("thanksgiving"):
            candidates.append(_thanksgiving(year))
        else:
            candidates.append(datetime.date(year, *HOLIDAYS[name]))
    direction = _direction(rel, tense)
    if direction in ("last", "past"):
        return _day(max(c for c in candidates if c <= ref))
    if direction in ("next", "future"):
        return _day(min(c for c in candidates if c >= ref))
    return _day(min(candidates, key=lambda c: abs((c - ref).days)))


# Kinds whose value depends on the tense of the sentence.
_TENSED_KINDS = frozenset(
    {"month_day", "day_month", "month", "weekday", "holiday", "week_of", "ordinal_day"}
)


def _resolve_parts(
    kind: str, m: re.Match, ref: datetime.date, tense: str | None
) -> Resolved | None:
    """Resolve one match of the pattern of ``kind`` (on lower-cased text)."""
    g = m.groupdict()
    if kind == "iso_date":
        try:
            return _day(datetime.date(int(g["y"]), int(g["m"]), int(g["d"])))
        except ValueError:
            return None
    if kind in ("month_day", "day_month"):
        month = _month_number(g["mon"])
        day = _day_number(g["day"])
        if g["year"]:
            try:
                return _day(datetime.date(_year_number(g["year"], ref), month, day))
            except ValueError:
                return None
        weekday = WEEKDAYS[g["wd"]] if g["wd"] else None
        direction = _direction(g.get("rel"), tense)
        tense = {"last": "past", "next": "future", "this": None}.get(direction, direction)
        date = _infer_year(month, day, ref, tense, weekday)
        return _day(date) if date else None
    if kind == "month_year":
        month = _month_number(g["mon"])
        if g["year"]:
            return _month(_year_number(g["year"], ref), month)
        return _month(ref.year + {"this": 0, "last": -1, "next": 1}[g["rel"]], month)
    if kind == "month":
        return _resolve_month(_month_number(g["mon"]), ref, g["rel"], tense)
    if kind == "weekday":
        return _resolve_weekday(WEEKDAYS[g["wd"]], ref, g["rel"], tense)
    if kind == "deictic":
        if g["word"]:
            shift = {"yesterday": -1, "today": 0, "tomorrow": 1, "tonight": 0}[g["word"]]
        elif g["shift"]:
            shift = -2 if g["shift"].startswith("before") else 2
        else:
            shift = -1 if g["phrase"].startswith("last") else 0
        return _day(ref + datetime.timedelta(days=shift))
    if kind == "unit":
        if g["fiscal"] and g["unit"] != "year":
            return None
        return _resolve_unit(g["unit"], ref, g["rel"])
    if kind == "ordinal_day":
        return _resolve_ordinal_day(int(g["day"]), ref, tense)
    if kind == "unit_part":
        return _resolve_unit(g["unit"], ref, "this")
    if kind == "week_of":
        month, day = _month_number(g["mon"]), _day_number(g["day"])
        date = _infer_year(month, day, ref, tense, None)
        return _week(date) if date else None
    if kind == "year_end":
        return _year(ref.year)
    if kind == "ago":
        if g["earlier"]:
            return _year(ref.year - 1)
        return _resolve_ago(_number(g["num"]), g["unit"], ref)
    if kind in ("spelled_year", "year"):
        return _year(_year_number(g["year"] or g.get("year2"), ref))
    if kind == "holiday":
        return _resolve_holiday(g["name"], ref, g["rel"], tense)
    return None


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def _lower(text: str) -> str:
    """Lower-case ``text`` keeping its length, so that offsets stay valid."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _normalise(expression: str) -> str:
    """Lower-case, collapse spaces, drop surrounding punctuation."""
    text = " ".join(expression.lower().split()).strip(" ,;:!?\"'`()")
    # A final period belongs to the expression only after a month abbreviation.
    if text.endswith(".") and not _ABBREVIATION_AT_END.search(text):
        text = text[:-1].rstrip()
    return text


def resolve(
    expression: str, reference_date: datetime.date, context: str | None = None
) -> Resolved | None:
    """Resolve one temporal expression against the publication date.

    ``context`` is the sentence containing the expression; its tense decides whether a
    bare weekday, month or date lies ahead of or behind the reference date.  Returns
    ``None`` for expressions that are not calendar positions (durations, sets, 'now').
    """
    text = _normalise(expression)
    if text in CURRENT_YEAR_PHRASES:
        return _year(reference_date.year)
    if _BARE_YEAR.fullmatch(text):
        return _year(int(text))
    m = _MASTER.fullmatch(text)
    if m is None:
        stripped = _LEADING_PREPOSITION.sub("", text)
        if stripped == text:
            return None
        return resolve(stripped, reference_date, context)
    kind = m.lastgroup
    parts = _KIND_RES[kind].fullmatch(text)
    if parts is None:
        return None
    tense = None
    if context and kind in _TENSED_KINDS:
        lowered = _lower(context)
        position = lowered.find(text)
        if position < 0:
            position = len(lowered)
        tense = _Tenses(lowered).at(position, position + len(text))
    return _resolve_parts(kind, parts, reference_date, tense)


def _plausible(parts: re.Match, kind: str, sentence: str) -> bool:
    """Reject month-name matches that are probably ordinary words.

    Month names must be capitalised.  'May' and 'March' on their own (no day, year or
    modifier) also need a preposition such as 'in' or 'since' before them, so that
    'the March for Life' or a sentence-initial 'May' is not taken for a date.
    """
    if kind == "ordinal_day":  # "on the 22nd", not "the 3rd Division"
        before = sentence[max(0, parts.start() - 8):parts.start()].lower().split()
        return bool(before) and before[-1] in ORDINAL_DAY_PREPOSITIONS
    if "mon" not in parts.re.groupindex:
        return True
    start = parts.start("mon")
    if not sentence[start].isupper():
        return False
    bare = kind == "month" and start == parts.start()
    if bare and parts.group("mon") in AMBIGUOUS_MONTHS:
        before = sentence[max(0, start - 12):start].lower().split()
        return bool(before) and before[-1] in MONTH_PREPOSITIONS
    return True


def find(sentence: str, reference_date: datetime.date) -> list[TemporalMention]:
    """All resolvable temporal expressions in ``sentence``, left to right.

    Matches do not overlap; the longest expression around each anchor word (a month,
    weekday, 'yesterday', 'week', a year ...) wins.  Each is resolved with the
    sentence as context.
    """
    lowered = _lower(sentence)
    anchors = list(_ANCHOR.finditer(lowered))
    if not anchors:
        return []
    mentions: list[TemporalMention] = []
    tenses: _Tenses | None = None
    taken = 0  # end of the last mention
    for anchor in anchors:
        a_start = anchor.start()
        if a_start < taken:
            continue
        window_start = max(taken, a_start - _MAX_CHARS_BEFORE)
        words = list(_WORD.finditer(lowered, window_start, a_start))[-_MAX_WORDS_BEFORE:]
        starts = [
            w.start() for w in words if w.group() in _START_WORDS or w.group()[0].isdigit()
        ]
        starts.append(a_start)
        best = None
        for start in starts:  # the earliest start gives the longest expression
            m = _MASTER.match(lowered, start)
            if m and m.end() > a_start:
                best = m
                break
        if best is None:
            continue
        kind = best.lastgroup
        start, end = best.span()
        parts = _KIND_RES[kind].fullmatch(lowered, start, end)
        if parts is None or not _plausible(parts, kind, sentence):
            continue
        if _SET_BEFORE.search(lowered, 0, start):  # "every Friday" is a set
            continue
        tense = None
        if kind in _TENSED_KINDS:
            tenses = tenses or _Tenses(lowered)
            tense = tenses.at(start, end)
        resolved = _resolve_parts(kind, parts, reference_date, tense)
        if resolved is not None:
            mentions.append(TemporalMention(start, end, sentence[start:end], resolved))
            taken = end
    return mentions
