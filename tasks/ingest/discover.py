"""Finding inputs and cutting them into shards.

Inputs are files, folders (read recursively, hidden entries skipped), glob patterns and
http(s) URLs. Only regular files are read: a FIFO, a device, a symbolic-link loop or a
file name that is not valid UTF-8 is rejected at discovery. Shards hold about
``shard_max_bytes`` of input; a larger JSONL or WARC file is cut into ranges of whole
lines or whole records.
"""
from __future__ import annotations

import glob
import os
import stat

from tasks.ingest.files import CHUNK, compression
from tasks.ingest.records import InputFile, Rejected, digest
from tasks.ingest.warc import is_warc, record_offsets

URL_SCHEMES = ("http://", "https://")
URL_SIZE = 256 * 1024  # what a URL counts for when shards are planned
MIN_RANGE_BYTES = 1 << 20


def is_url(path: str) -> bool:
    return path.lower().startswith(URL_SCHEMES)


def discover(paths: list[str]) -> tuple[list[InputFile], list[Rejected]]:
    """Expand files, folders, globs and URLs into inputs (sorted, unique); what cannot be read is rejected."""
    found: dict[str, InputFile] = {}
    missing: list[Rejected] = []
    for given in paths:
        if is_url(given):
            found[given] = InputFile(given, URL_SIZE)
            continue
        if "://" in given:
            missing.append(Rejected(given, "discover", "unsupported_url", "only http:// and https:// URLs are fetched; "
                                    "download the input and give its path", digest(f"unsupported:{given}")))
            continue
        if os.path.isdir(given):
            candidates = []
            for d, dirs, names in os.walk(given, onerror=lambda exc: missing.append(_unreadable(exc.filename, exc))):
                if _hidden(os.path.relpath(d, given)):
                    continue
                candidates += [os.path.join(d, name) for name in names if not name.startswith(".")]
        elif os.path.lexists(given):
            candidates = [given]
        else:
            candidates = glob.glob(given, recursive=True)
        if not candidates:
            missing.append(Rejected(given, "discover", "not_found", "no file, folder or glob match at this path", digest(f"missing:{given}")))
        for path in candidates:
            full = os.path.abspath(path)
            entry, problem = _regular_file(full)
            if problem:
                missing.append(problem)
            elif entry:
                found[full] = entry
    return [found[p] for p in sorted(found)], missing


def _regular_file(path: str) -> tuple[InputFile | None, Rejected | None]:
    """The path as an input, or why it is not one (folders found by a glob are skipped)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return None, Rejected(shown, "discover", "bad_file_name", "the file name is not valid UTF-8; rename the file and run again",
                              digest(f"name:{shown}"))
    try:
        info = os.stat(path)
    except OSError as exc:
        return None, _unreadable(path, exc)
    if stat.S_ISDIR(info.st_mode):
        return None, None
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "a device"
        return None, Rejected(path, "discover", "not_a_regular_file", f"{kind}, not a regular file: not read (it could block); "
                              "copy its contents to a file and run again", digest(f"special:{path}"))
    return InputFile(path, info.st_size), None


def _unreadable(path: str | None, exc: OSError) -> Rejected:
    shown = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return Rejected(shown, "discover", "unreadable", f"{type(exc).__name__}: {exc.strerror or exc} "
                    "(a symbolic-link loop, a broken link or no permission); fix the path and run again",
                    digest(f"unreadable:{shown}:{exc.errno}"))


def _hidden(relpath: str) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in relpath.split(os.sep))


def plan_shards(files: list[InputFile], max_bytes: int, min_range_bytes: int = MIN_RANGE_BYTES) -> list[list[InputFile]]:
    """Group files, in order, into shards of at most about ``max_bytes``; a larger JSONL or WARC
    file is cut into byte ranges (whole lines or records, at least ``min_range_bytes``), so no
    shard holds much more than ``max_bytes`` of input in memory."""
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
        if f.size <= max_bytes or is_url(f.path):
            out.append(f)
        elif is_warc(f.path):
            out.extend(_record_ranges(f, max_bytes))
        elif f.path.endswith((".jsonl", ".ndjson")) and not compression(f.path):
            out.extend(_line_ranges(f, max_bytes))
        else:
            out.append(f)
    return out


def _line_ranges(f: InputFile, max_bytes: int) -> list[InputFile]:
    """Cut a file into ranges of about ``max_bytes`` that begin and end at line breaks,
    each with the number of its first line (one pass over the file, in small blocks)."""
    ranges = []
    begin, line = 0, 1
    with open(f.path, "rb") as fh:
        fh.seek(0)
        while begin < f.size:
            end = min(begin + max_bytes, f.size)
            count, pos, last = 0, begin, b""
            while pos < end:
                last = fh.read(min(CHUNK, end - pos))
                count += last.count(b"\n")
                pos += len(last)
            if pos < f.size and not last.endswith(b"\n"):  # finish the line the cut fell in
                while chunk := fh.read(CHUNK):
                    cut = chunk.find(b"\n")
                    if cut >= 0:
                        pos, count = pos + cut + 1, count + 1
                        fh.seek(pos)
                        break
                    pos += len(chunk)
            ranges.append(InputFile(f.path, pos - begin, begin, line, whole=False))
            line += count
            begin = pos
    return ranges


def _record_ranges(f: InputFile, max_bytes: int) -> list[InputFile]:
    """Cut a WARC file into ranges of whole records of about ``max_bytes`` (the rest of a
    damaged file is one last range, quarantined when read)."""
    ranges = []
    begin = 0
    for offset in record_offsets(f.path):
        if offset - begin >= max_bytes:
            ranges.append(InputFile(f.path, offset - begin, begin, whole=False))
            begin = offset
    ranges.append(InputFile(f.path, f.size - begin, begin, whole=begin == 0))
    return ranges
