"""Typography normalised without changing what the text says."""
from __future__ import annotations

import re
import unicodedata

_TRANSLATE = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u2007": " ",  # figure space
        "\u202f": " ",  # narrow no-break space
        "\u2009": " ",  # thin space
        "\t": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u200b": None,  # zero-width space
        "\u200d": None,  # zero-width joiner
        "\u2060": None,  # word joiner
        "\ufeff": None,  # byte order mark
        "\u00ad": None,  # soft hyphen
        "\r": None,
    }
)
_SPACES = re.compile(r" {2,}")
_BLANK_LINES = re.compile(r"\n\s*\n")


def clean(text: str) -> str:
    """NFC, plain spaces and straight quotes, no invisible characters, single spaces."""
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATE)
    return _SPACES.sub(" ", text).strip()


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each with its hard line-wraps joined."""
    text = clean(text.replace("\r\n", "\n"))
    out = []
    for block in _BLANK_LINES.split(text):
        joined = " ".join(line.strip() for line in block.split("\n") if line.strip())
        if joined:
            out.append(joined)
    return out
