"""Guess the language of a text from its most frequent function words (reference/stopwords.tsv)."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from tasks.refdata import read_tsv

_WORD = re.compile(r"[^\W\d_]+")
MIN_SHARE = 0.12  # share of tokens that must be function words of the winning language


@cache
def _languages_by_word() -> dict[str, tuple[str, ...]]:
    """Each function word -> the languages it belongs to."""
    index: dict[str, list[str]] = {}
    for row in read_tsv(Path(__file__).parent / "reference" / "stopwords.tsv"):
        for word in row["words"].split("|"):
            index.setdefault(word, []).append(row["language"])
    return {word: tuple(langs) for word, langs in index.items()}


def detect(text: str, sample_words: int = 400) -> str | None:
    """ISO 639-1 code of the most likely language, or None when no language is clear."""
    tokens = _WORD.findall(text[: sample_words * 8].lower())[:sample_words]
    if len(tokens) < 5:
        return None
    index = _languages_by_word()
    scores: dict[str, int] = {}
    for langs in [index[t] for t in tokens if t in index]:
        for lang in langs:
            scores[lang] = scores.get(lang, 0) + 1
    if not scores:
        return None
    lang = max(scores, key=scores.__getitem__)
    return lang if scores[lang] >= MIN_SHARE * len(tokens) else None
