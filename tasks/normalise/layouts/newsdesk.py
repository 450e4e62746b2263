"""The news-desk layout (seen 2014) and its variants.

Paragraphs: the title, a standfirst (optional), the title again, ``Publisher/Desk``, the
body, then a tail of a dated line (``Güncelleme Tarihi: 17 Kasım 2014, 13:16``, see
:mod:`tasks.normalise.datelines`) and an author line, in either order, either optional.
An author line may also open the body. A last paragraph is taken as the author line when
it stands next to the dated line and reads as names, or when it opens with an author cue
("By", "Par", "Von", "Yazan", "Автор:", "بقلم"; ``reference/author_cues.tsv``). The title
counts as repeated when the two agree in their words, whatever their case and punctuation.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from tasks.normalise.datelines import Dateline, parse_dateline
from tasks.normalise.layouts.base import Parsed
from tasks.normalise.typography import paragraphs
from tasks.refdata import read_tsv

_REF = Path(__file__).parent.parent / "reference"
_PUBLISHER_DESK = re.compile(r"^(?P<publisher>[^/]{2,60}?)\s*/\s*(?P<desk>[^/].{0,79}?)$")
_WORD = re.compile(r"\w+")
MAX_AUTHOR_LINE = 120
MAX_NAME_WORDS = 5


@cache
def publisher_timezones() -> dict[str, str]:
    return {row["publisher"].lower(): row["timezone"] for row in read_tsv(_REF / "publishers.tsv")}


@cache
def _cues(kind: str) -> tuple[str, ...]:
    return tuple(row["word"] for row in read_tsv(_REF / "author_cues.tsv") if row["kind"] == kind)


@cache
def _prefix() -> re.Pattern[str]:
    words = sorted(_cues("prefix"), key=len, reverse=True)
    return re.compile(r"^(?:" + "|".join(re.escape(w) for w in words) + r")(?:\s*:\s*|\s+)", re.I)


@cache
def _joiners() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in sorted(_cues("joiner"), key=len, reverse=True))
    return re.compile(rf"\s*[,;]\s*|\s+(?:{words})\s+", re.I)


def _same_title(a: str, b: str) -> bool:
    return _WORD.findall(a.casefold()) == _WORD.findall(b.casefold())


def _is_name(name: str) -> bool:
    words = name.split()
    return 0 < len(words) <= MAX_NAME_WORDS and all(
        w.lower() in _cues("particle") or (w[0].isalpha() and not w[0].islower() and not any(c.isdigit() for c in w))
        for w in words
    )


def author_names(line: str, cue_needed: bool) -> list[str] | None:
    """The names of an author line, or None when ``line`` is not one.

    Without an author cue the line must read as names only (capitalised words, or words
    of a script without case); with ``cue_needed`` it must open with a cue.
    """
    if len(line) > MAX_AUTHOR_LINE or line.endswith((".", "?", "!", ":")):
        return None
    m = _prefix().match(line)
    if m:
        line = line[m.end():]
    elif cue_needed:
        return None
    names = [n.strip() for n in _joiners().split(line) if n and n.strip()]
    return names if names and all(_is_name(n) for n in names) else None


def _tail(body: list[str], timezone: str | None) -> tuple[list[str], Dateline | None, list[str]]:
    """Split the dated line and the author line off the end of ``body``."""
    if len(body) > 2 and (dateline := parse_dateline(body[-2], timezone)) and (names := author_names(body[-1], False)):
        return body[:-2], dateline, names
    if len(body) > 1 and (dateline := parse_dateline(body[-1], timezone)):
        if len(body) > 2 and (names := author_names(body[-2], False)):
            return body[:-2], dateline, names
        return body[:-1], dateline, []
    if len(body) > 1 and (names := author_names(body[-1], True)):
        return body[:-1], None, names
    return body, None, []


class NewsDeskLayout:
    name = "newsdesk/2014"

    def parse(self, text: str, title: str | None, first_line_is_title: bool) -> Parsed | None:
        paras = paragraphs(text)
        if len(paras) >= 5 and _same_title(paras[2], paras[0]) and _PUBLISHER_DESK.match(paras[3]):
            standfirst, masthead, body = paras[1], paras[3], paras[4:]
        elif len(paras) >= 4 and _same_title(paras[1], paras[0]) and _PUBLISHER_DESK.match(paras[2]):
            standfirst, masthead, body = None, paras[2], paras[3:]
        else:
            return None
        m = _PUBLISHER_DESK.match(masthead)
        publisher, desk = m.group("publisher").strip(), m.group("desk").strip()
        body, dateline, authors = _tail(body, publisher_timezones().get(publisher.lower()))
        if not authors and len(body) > 1 and (names := author_names(body[0], True)):
            body, authors = body[1:], names
        if not body:
            return None
        parsed = Parsed(
            layout=self.name,
            title=paras[0],
            standfirst=standfirst,
            publisher=publisher,
            desk=desk,
            authors=authors,
            body="\n\n".join(body),
        )
        if dateline:
            parsed.timezone = dateline.timezone
            if dateline.meaning == "updated":
                parsed.updated_at = dateline.aware
            else:
                parsed.published_at = dateline.aware
        return parsed
