"""Discover inputs and read them into raw records; anything unreadable goes to quarantine.

Inputs are files, folders (read recursively) and glob patterns. A file ending in
``.jsonl``/``.ndjson`` (optionally ``.gz``) holds one article per line with the fields
``id, title, text, published, source, url`` (only ``text`` is required); any other file
is one plain-text article. Discovery groups files into shards of about
``shard_max_bytes``: a shard is the unit of work of the pipeline's Prefect tasks.
"""
from __future__ import annotations

import glob
import gzip
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from prefect import task

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


@dataclass(frozen=True)
class InputFile:
    path: str  # absolute
    size: int  # bytes to read
    start: int = 0  # a large JSONL file is read in ranges of whole lines: bytes [start, start + size)
    first_line: int = 1  # the number of the range's first line
    whole: bool = True


@dataclass
class RawRecord:
    """One article as read, before normalisation."""

    source_key: str  # where it came from: a path, or path#id / path#L<line> for JSONL
    raw_hash: str  # hash of the bytes it was read from
    doc_id: str
    text: str
    fields: dict[str, Any] = field(default_factory=dict)  # JSONL metadata (title, published, ...)
    path: str = ""


@dataclass
class Rejected:
    """An input that could not be read, with a reason (becomes a quarantine row)."""

    source: str
    stage: str
    reason: str
    detail: str
    raw_hash: str | None = None


def digest(data: bytes | str) -> str:
    """Content hash used throughout the lake (128-bit hex of SHA-256)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:32]


def discover(paths: list[str]) -> tuple[list[InputFile], list[Rejected]]:
    """Expand files, folders and globs into input files (sorted, unique); unmatched paths are rejected."""
    found: dict[str, InputFile] = {}
    missing: list[Rejected] = []
    for given in paths:
        if os.path.isdir(given):
            candidates = [
                os.path.join(d, name)
                for d, dirs, names in os.walk(given)
                for name in names
                if not name.startswith(".") and not _hidden(os.path.relpath(d, given))
            ]
        elif os.path.isfile(given):
            candidates = [given]
        else:
            candidates = [p for p in glob.glob(given, recursive=True) if os.path.isfile(p)]
        if not candidates:
            missing.append(Rejected(given, "discover", "not_found", "no file, folder or glob match at this path", digest(f"missing:{given}")))
        for path in candidates:
            full = os.path.abspath(path)
            found[full] = InputFile(full, os.path.getsize(full))
    return [found[p] for p in sorted(found)], missing


def _hidden(relpath: str) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in relpath.split(os.sep))


MIN_RANGE_BYTES = 1 << 20


def plan_shards(files: list[InputFile], max_bytes: int, min_range_bytes: int = MIN_RANGE_BYTES) -> list[list[InputFile]]:
    """Group files, in order, into shards of at most about ``max_bytes``; a larger JSONL file
    is cut into byte ranges (whole lines each, at least ``min_range_bytes``), so no shard
    holds much more than ``max_bytes`` of input in memory."""
    shards: list[list[InputFile]] = []
    current: list[InputFile] = []
    size = 0
    for f in _pieces(files, max(max_bytes, min_range_bytes)):
        if current and size + f.size > max_bytes:
            shards.append(current)
            current, size = [], 0
        current.append(f)
        size += f.size
    if current:
        shards.append(current)
    return shards


def _pieces(files: list[InputFile], max_bytes: int) -> list[InputFile]:
    out = []
    for f in files:
        if f.size <= max_bytes or not f.path.endswith((".jsonl", ".ndjson")):
            out.append(f)
        else:
            out.extend(_line_ranges(f, max_bytes))
    return out


def _line_ranges(f: InputFile, max_bytes: int) -> list[InputFile]:
    """Cut a file into ranges of about ``max_bytes`` that begin and end at line breaks,
    each with the number of its first line (one pass over the file)."""
    ranges = []
    begin, line = 0, 1
    with open(f.path, "rb") as fh:
        while begin < f.size:
            fh.seek(begin)
            chunk = fh.read(max_bytes)
            if begin + len(chunk) < f.size and not chunk.endswith(b"\n"):
                chunk += fh.readline()  # finish the line the cut fell in
            ranges.append(InputFile(f.path, len(chunk), begin, line, whole=False))
            line += chunk.count(b"\n")
            begin += len(chunk)
    return ranges


def read_inputs(files: list[InputFile]) -> tuple[list[RawRecord], list[Rejected]]:
    """Read a shard's files into raw records; unreadable files or lines are rejected, never raised."""
    records: list[RawRecord] = []
    rejected: list[Rejected] = []
    for f in files:
        try:
            if f.whole:
                with open(f.path, "rb") as fh:
                    data = fh.read()
                if f.path.endswith(".gz"):
                    data = gzip.decompress(data)
                first_line = 1
            else:
                data, first_line = _read_range(f)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            rejected.append(Rejected(f.path, "ingest", "unreadable", f"{type(exc).__name__}: {exc}"))
            continue
        if f.path.endswith(JSONL_SUFFIXES):
            _read_jsonl(f.path, data, first_line, records, rejected)
        else:
            _read_text(f.path, data, records, rejected)
    return records, rejected


def _read_range(f: InputFile) -> tuple[bytes, int]:
    """The bytes of a range of whole lines, and the number of its first line."""
    with open(f.path, "rb") as fh:
        fh.seek(f.start)
        return fh.read(f.size), f.first_line


def _decode(source: str, data: bytes) -> tuple[str | None, Rejected | None]:
    """Bytes -> text, or the reason they are not a text article."""
    raw_hash = digest(data)
    if not data.strip():
        return None, Rejected(source, "ingest", "empty", f"{len(data)} bytes, no text", raw_hash)
    head = data[:8192]
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) * 0.05:
        return None, Rejected(source, "ingest", "binary", "control bytes: not a text file", raw_hash)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, Rejected(
            source, "ingest", "invalid_utf8", f"byte {exc.start}: {exc.reason}; re-encode the file as UTF-8", raw_hash
        )


def _read_text(path: str, data: bytes, records: list[RawRecord], rejected: list[Rejected]) -> None:
    text, problem = _decode(path, data)
    if problem:
        rejected.append(problem)
        return
    doc_id = os.path.basename(path).split(".")[0] or os.path.basename(path)
    records.append(RawRecord(source_key=path, raw_hash=digest(data), doc_id=doc_id, text=text or "", path=path))


def _read_jsonl(path: str, data: bytes, first_line: int, records: list[RawRecord], rejected: list[Rejected]) -> None:
    """One record per line; a line that is not UTF-8, not JSON, not an object or has no text is rejected alone."""
    if first_line == 1:
        if not data.strip():
            rejected.append(Rejected(path, "ingest", "empty", f"{len(data)} bytes, no text", digest(data)))
            return
        if b"\x00" in data[:8192]:
            rejected.append(Rejected(path, "ingest", "binary", "NUL bytes: not a text file", digest(data)))
            return
        data = data.removeprefix(b"\xef\xbb\xbf")
    stem = os.path.basename(path).split(".")[0]
    for number, raw in enumerate(data.split(b"\n"), start=first_line):
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        where = f"{path}#L{number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            rejected.append(Rejected(where, "ingest", "invalid_utf8", f"line {number}, byte {exc.start}: {exc.reason}", digest(raw)))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rejected.append(Rejected(where, "ingest", "bad_json", f"line {number}: {exc.msg} at column {exc.colno}", digest(raw)))
            continue
        if not isinstance(obj, dict):
            rejected.append(Rejected(where, "ingest", "not_an_object", f"line {number}: a JSON {type(obj).__name__}, expected an object", digest(raw)))
            continue
        body = obj.get("text")
        if not isinstance(body, str) or not body.strip():
            rejected.append(Rejected(where, "ingest", "no_text", f"line {number}: field 'text' is missing or empty", digest(raw)))
            continue
        has_id = obj.get("id") not in (None, "")
        doc_id = str(obj["id"]) if has_id else f"{stem}-L{number}"
        fields = {k: obj.get(k) for k in ("title", "published", "source", "url")}
        records.append(
            RawRecord(source_key=f"{path}#{doc_id}" if has_id else where, raw_hash=digest(raw), doc_id=doc_id, text=body, fields=fields, path=path)
        )


discover_task = task(discover, name="discover")
ingest_task = task(read_inputs, name="ingest")
