"""Split article bodies into sentences, and find a wire-style dateline ("LONDON, March 22 -")."""
from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    "mr mrs ms dr gen col lt sgt capt cmdr adm maj sen rep gov pres prof rev st sr jr jan feb mar apr jun jul aug "
    "sep sept oct nov dec no co corp inc ltd vs etc e.g i.e u.s u.n u.k u.s.a e.u a.m p.m ft mt jan. dept".split()
)
_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'\- ]{2,40}?)(?:,\s*[A-Z][A-Za-z.]*)?\s*(?:\([^)]{1,40}\))?\s*(?:,\s*(?P<date>[A-Z][a-z]{2,9}\.?\s+\d{1,2}))?\s*[-\u2013\u2014]+\s+"
)


def split(body: str) -> list[str]:
    """Sentences of ``body`` in order (paragraph breaks always end a sentence)."""
    out: list[str] = []
    for para in body.split("\n\n"):
        start = 0
        for m in _BOUNDARY.finditer(para):
            before = para[start : m.start() + 1].rsplit(None, 1)[-1].lower().rstrip(".")
            if before in ABBREVIATIONS or (len(before) == 1 and before.isalpha()):
                continue
            out.append(para[start : m.end()].strip())
            start = m.end()
        tail = para[start:].strip()
        if tail:
            out.append(tail)
    return out


def bounded(sentence: str, limit: int) -> list[str]:
    """``sentence`` cut at spaces into pieces of at most ``limit`` characters (a run-on text
    without full stops must not make the work per sentence grow without bound)."""
    out = []
    while len(sentence) > limit:
        cut = sentence.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        out.append(sentence[:cut].strip())
        sentence = sentence[cut:]
    if sentence.strip():
        out.append(sentence.strip())
    return out


def dateline(first_sentence: str) -> tuple[str | None, int]:
    """The place of a dateline opening the text (title case) and where the text after it starts."""
    m = _DATELINE.match(first_sentence)
    if not m:
        return None, 0
    return m.group("place").strip().title(), m.end()
