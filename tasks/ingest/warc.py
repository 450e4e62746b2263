"""WARC files (``.warc``, ``.warc.gz``), read record by record with warcio: every HTML
response becomes a page with the record's target URI and date. Nothing holds more than
one record's payload, and each payload is capped."""
from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from tasks.ingest.records import InputError

WARC_SUFFIXES = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class WarcPage:
    uri: str
    date: str | None  # WARC-Date (when it was captured)
    charset: str | None  # from the HTTP Content-Type
    payload: bytes | None  # None: the record was over the cap
    offset: int  # in the file


def is_warc(path: str) -> bool:
    return path.endswith(WARC_SUFFIXES)


def iter_pages(stream: BinaryIO, max_payload: int, end: int | None = None) -> Iterator[WarcPage]:
    """The HTML responses of the stream (other records are skipped) that begin before byte
    ``end`` of the file; raises :class:`InputError` (``corrupt_archive``) where it cannot go on."""
    records = ArchiveIterator(stream)
    try:
        for record in records:
            html = record.rec_type == "response" and record.http_headers is not None
            content_type = (record.http_headers.get_header("Content-Type") or "").lower() if html else ""
            html = html and record.http_headers.get_statuscode() == "200" and content_type.startswith(HTML_TYPES)
            payload = record.content_stream().read(max_payload + 1) if html else b""
            offset = records.get_record_offset()  # in the file (this reads the rest of the record)
            if end is not None and offset >= end:
                return
            if not html:
                continue
            charset = content_type.partition("charset=")[2].split(";")[0].strip(" \"'") or None
            yield WarcPage(
                uri=record.rec_headers.get_header("WARC-Target-URI") or "",
                date=record.rec_headers.get_header("WARC-Date"),
                charset=charset,
                payload=payload if len(payload) <= max_payload else None,
                offset=offset,
            )
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        raise InputError("corrupt_archive", f"WARC unreadable after byte {records.offset} ({type(exc).__name__}: {exc}); "
                         "the records before it were read; replace the file with a complete copy and run again") from exc


def record_offsets(path: str) -> Iterator[int]:
    """The byte offset of every record of a WARC file (one pass, nothing kept); stops at damage."""
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream, no_record_parse=True)
        try:
            for _ in records:
                yield records.get_record_offset()
        except (ArchiveLoadFailed, OSError, EOFError, ValueError):
            return


def page_key(path: str, page: WarcPage) -> str:
    return f"{path}#{page.uri or page.offset}"

