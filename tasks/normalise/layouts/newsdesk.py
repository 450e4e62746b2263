"""The news-desk layout (seen 2014): title, standfirst, title again, ``Publisher/Desk``,
body paragraphs, a dated line (``Güncelleme Tarihi: 17 Kasım 2014, 13:16``), author."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from tasks.normalise.datelines import parse_dateline
from tasks.normalise.layouts.base import Parsed
from tasks.normalise.typography import paragraphs
from tasks.refdata import read_tsv

_PUBLISHER_DESK = re.compile(r"^(?P<publisher>[^/]{2,60}?)\s*/\s*(?P<desk>[^/]{2,60})$")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bve\b|\bund\b|\bet\b|\by\b|&)\s*")


@cache
def publisher_timezones() -> dict[str, str]:
    rows = read_tsv(Path(__file__).parent.parent / "reference" / "publishers.tsv")
    return {row["publisher"].lower(): row["timezone"] for row in rows}


def _looks_like_names(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 12 and not line.endswith((".", "?", "!", ":")) and all(
        w[0].isupper() or w.lower() in ("and", "ve", "und", "et", "y", "&", "de", "van", "von", "bin", "al", "el")
        for w in words
    )


class NewsDeskLayout:
    name = "newsdesk/2014"

    def parse(self, text: str, title: str | None, first_line_is_title: bool) -> Parsed | None:
        paras = paragraphs(text)
        if len(paras) < 5 or paras[2] != paras[0]:
            return None
        m = _PUBLISHER_DESK.match(paras[3])
        if not m:
            return None
        publisher, desk = m.group("publisher").strip(), m.group("desk").strip()
        body = paras[4:]
        tz = publisher_timezones().get(publisher.lower())
        authors: list[str] = []
        dateline = None
        # The tail: a dated line, optionally followed by the author line.
        for tail in (1, 2):
            if len(body) > tail and (found := parse_dateline(body[-tail], tz)):
                dateline = found
                if tail == 2 and _looks_like_names(body[-1]):
                    authors = [a for a in _AUTHOR_SPLIT.split(body[-1]) if a]
                body = body[:-tail]
                break
        if not body:
            return None
        parsed = Parsed(
            layout=self.name,
            title=paras[0],
            standfirst=paras[1],
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
