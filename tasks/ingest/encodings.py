"""Bytes to text: byte-order marks, UTF-8, a declared charset, else detection
(charset-normalizer); mojibake repaired with ftfy. The encoding found is recorded."""
from __future__ import annotations

import codecs

import ftfy
from charset_normalizer import from_bytes
from ftfy.badness import is_bad

from tasks.ingest.records import InputError, digest

BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
SNIFF_BYTES = 8192
# Legacy encodings by share of web sites (W3Techs, "Usage of character encodings", 2024);
# latin-1 is read as its superset cp1252, as browsers do (WHATWG Encoding Standard).
WEB_ORDER = ("cp1252", "cp1251", "shift_jis", "gb2312", "euc_kr", "cp1254", "cp1250", "cp1256", "euc_jp",
             "big5", "iso8859_15", "cp1253", "cp1255", "cp874", "cp1257", "koi8_r", "iso8859_2", "iso8859_9")


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes near the start (text with a UTF-16/32 mark is not binary)."""
    if any(data.startswith(bom) for bom, _ in BOMS):
        return False
    head = data[:SNIFF_BYTES]
    return b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) * 0.05


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return the text and the encoding found (``+ftfy`` when mojibake was repaired).

    Order: a byte-order mark, then UTF-8, then ``declared`` (an HTTP or ``<meta>`` charset),
    then detection. Raises :class:`InputError` (``binary``, ``undecodable``) otherwise.
    """
    for bom, name in BOMS:
        if data.startswith(bom):
            try:
                return _repair(data[len(bom):].decode(name), name)
            except UnicodeDecodeError as exc:
                raise InputError("undecodable", f"starts with a {name} byte-order mark but byte {exc.start + len(bom)} is not {name}; "
                                 "re-encode the file and run again", digest(data)) from exc
    if looks_binary(data):
        raise InputError("binary", "control bytes: not a text file; convert it to text and run again", digest(data))
    try:
        return _repair(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return _repair(data.decode(declared), codecs.lookup(declared).name)
        except (LookupError, UnicodeDecodeError):
            pass
    encoding = _detect(data[: 1 << 20])
    if encoding is not None:
        try:
            return _repair(data.decode(encoding), encoding)
        except UnicodeDecodeError:
            pass
    raise InputError("undecodable", "neither UTF-8 nor a legacy encoding that could be detected; "
                     "re-encode the file as UTF-8 and run again", digest(data))


def _detect(data: bytes) -> str | None:
    """The legacy encoding charset-normalizer finds most plausible; among equally plausible
    ones (same chaos and coherence), the one most used on the web."""
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    tied = {name for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence) for name in m.could_be_from_charset}
    return next((name for name in WEB_ORDER if name in tied), best.encoding)


def _repair(text: str, encoding: str) -> tuple[str, str]:
    """Text with mojibake (UTF-8 read as a legacy encoding) repaired; other text untouched."""
    if is_bad(text):
        fixed = ftfy.fix_encoding(text)
        if fixed != text:
            return fixed, f"{encoding}+ftfy"
    return text, encoding
