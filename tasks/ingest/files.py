"""Reading files as bounded streams: compressed inputs are decompressed as they are read,
never whole, and every read stops at a cap (whole file, decompressed total, one line)."""
from __future__ import annotations

import bz2
import gzip
import lzma
import zlib
from typing import BinaryIO, Iterator

from tasks.ingest.records import InputError

COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
CORRUPT = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)  # gzip.BadGzipFile is an OSError
CHUNK = 1 << 16


def compression(path: str) -> str | None:
    """The compression suffix of ``path`` (``.gz``, ``.bz2``, ``.xz``), if any."""
    return next((s for s in COMPRESSED if path.endswith(s)), None)


def base_name(path: str) -> str:
    """``path`` without its compression suffix."""
    suffix = compression(path)
    return path[: -len(suffix)] if suffix else path


def open_stream(path: str) -> BinaryIO:
    """The file's bytes as a stream, decompressed on the fly when compressed."""
    suffix = compression(path)
    return COMPRESSED[suffix](path, "rb") if suffix else open(path, "rb")


def corrupt(path: str, exc: BaseException, done: str = "") -> InputError:
    """The rejection of a compressed file that cannot be decompressed (corrupt or truncated)."""
    what = "truncated" if isinstance(exc, EOFError) else "corrupt"
    return InputError("corrupt_archive", f"{what} {compression(path) or 'archive'} file ({type(exc).__name__}: {exc}){done}; "
                      "replace the file with a complete copy and run again")


def read_capped(path: str, cap: int, setting: str) -> bytes:
    """All of the file's (decompressed) bytes, or :class:`InputError` beyond ``cap`` bytes."""
    out = bytearray()
    try:
        with open_stream(path) as stream:
            while chunk := stream.read(CHUNK):
                out += chunk
                if len(out) > cap:
                    raise InputError("too_large", f"more than {cap} bytes{' once decompressed' if compression(path) else ''}; "
                                     f"raise {setting} or split the file, and run again")
    except CORRUPT as exc:
        raise corrupt(path, exc) from exc
    return bytes(out)


def iter_lines(stream: BinaryIO, max_line: int, max_total: int, limit: int | None = None) -> Iterator[bytes | None]:
    """The stream's lines (without the line break); ``None`` in place of a line longer than
    ``max_line`` (skipped without being held in memory). Stops after ``limit`` bytes; raises
    :class:`InputError` (``too_large``) once more than ``max_total`` bytes were read."""
    total = 0
    buffer = b""
    skipping = False
    while limit is None or total < limit:
        chunk = stream.read(CHUNK if limit is None else min(CHUNK, limit - total))
        if not chunk:
            break
        total += len(chunk)
        if total > max_total:
            raise InputError("too_large", f"more than {max_total} bytes once decompressed")
        lines = (buffer + chunk).split(b"\n")
        buffer = lines.pop()
        for line in lines:
            if skipping:
                skipping = False
                continue
            yield line if len(line) <= max_line else None
        if len(buffer) > max_line:
            if not skipping:
                yield None
            skipping, buffer = True, b""
    if buffer and not skipping:
        yield buffer if len(buffer) <= max_line else None
