"""What ingest produces: input files, raw records, rejected inputs, and the content hash."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InputFile:
    path: str  # absolute path, or an http(s) URL
    size: int  # bytes to read (an estimate for a URL)
    start: int = 0  # a large JSONL or WARC file is read in ranges: bytes [start, start + size)
    first_line: int = 1  # the number of the range's first line (JSONL)
    whole: bool = True


@dataclass
class RawRecord:
    """One article as read, before normalisation."""

    source_key: str  # where it came from: a path, path#id / path#L<line> (JSONL), path#<uri> (WARC, feed), a URL
    raw_hash: str  # hash of the bytes it was read from
    doc_id: str
    text: str
    fields: dict[str, Any] = field(default_factory=dict)  # metadata (title, published, url, source, authors, ...)
    path: str = ""
    encoding: str | None = None  # the text encoding found (``+ftfy``: mojibake repaired); None: read as JSON (UTF-8)


@dataclass
class Rejected:
    """An input that could not be read, with a reason (becomes a quarantine row)."""

    source: str
    stage: str
    reason: str
    detail: str  # what was wrong, and what to do to replay it
    raw_hash: str | None = None  # None: not recorded as seen, so the next run tries again


class InputError(Exception):
    """An input (or part of one) that cannot be read: becomes a :class:`Rejected`."""

    def __init__(self, reason: str, detail: str, raw_hash: str | None = None, stage: str = "ingest"):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.raw_hash, self.stage = reason, detail, raw_hash, stage

    def rejected(self, source: str) -> Rejected:
        return Rejected(source, self.stage, self.reason, self.detail, self.raw_hash)


def digest(data: bytes | str) -> str:
    """Content hash used throughout the lake (128-bit hex of SHA-256)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:32]
