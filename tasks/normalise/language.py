"""Guess the language of a text from its most frequent function words (reference/stopwords.tsv)."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from tasks.refdata import read_tsv

_WORD = re.compile(r"[^\W\d_]+")
MIN_SHARE = 0.12  # share of tokens that must be function words of the winning language


@cache
def _stopwords() -> dict[str, frozenset[str]]:
    rows = read_tsv(Path(__file__).parent / "reference" / "stopwords.tsv")
    return {row["language"]: frozenset(row["words"].split("|")) for row in rows}


def detect(text: str, sample_words: int = 400) -> str | None:
    """ISO 639-1 code of the most likely language, or None when no language is clear."""
    tokens = [t.lower() for t in _WORD.findall(text[: sample_words * 8])][:sample_words]
    if len(tokens) < 5:
        return None
    scores = {lang: sum(t in words for t in tokens) for lang, words in _stopwords().items()}
    lang, hits = max(scores.items(), key=lambda kv: kv[1])
    return lang if hits >= MIN_SHARE * len(tokens) else None
