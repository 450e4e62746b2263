"""Reading a shard's inputs into raw records, by format; whatever cannot be read is
rejected (a quarantine row with the reason and what to do), never raised.

Formats, by name (after a ``.gz``/``.bz2``/``.xz`` suffix is set aside) or, for other
names, by the first bytes: JSON Lines (``.jsonl``, ``.ndjson``), WARC (``.warc``,
``.warc.gz``), feeds (``.rss``, ``.atom``, ``.xml``, or an RSS/Atom root), HTML pages
(``.html``, ``.htm``, ``.xhtml``, or an ``<html>`` start) and plain text (anything else).
"""
from __future__ import annotations

import json
import os
import re
import time
from typing import Any

from newsevents.config import Settings
from tasks.ingest.discover import is_url
from tasks.ingest.encodings import decode, looks_binary
from tasks.ingest.feeds import FeedItem, looks_like_feed, parse_feed
from tasks.ingest.fetch import Fetcher
from tasks.ingest.files import CORRUPT, base_name, compression, corrupt, iter_lines, open_stream, read_capped
from tasks.ingest.html import extract_page
from tasks.ingest.records import InputError, InputFile, RawRecord, Rejected, digest
from tasks.ingest.warc import is_warc, iter_pages, page_key
from warehouse.fetch_state import FetchState

JSONL_SUFFIXES = (".jsonl", ".ndjson")
FEED_SUFFIXES = (".rss", ".atom", ".xml")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
JSONL_FIELDS = ("title", "published", "source", "url")
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


class Reader:
    """Reads inputs into ``records`` and ``rejected``; fetches URLs through one :class:`Fetcher`."""

    def __init__(self, settings: Settings, data_dir: str | None):
        self.settings = settings
        self.data_dir = data_dir
        self.records: list[RawRecord] = []
        self.rejected: list[Rejected] = []
        self.fetcher: Fetcher | None = None

    def read(self, f: InputFile) -> None:
        try:
            if is_url(f.path):
                self.read_url(f.path)
            elif is_warc(f.path):
                self.read_warc(f)
            elif base_name(f.path).endswith(JSONL_SUFFIXES):
                self.read_jsonl(f)
            else:
                self.read_document(f.path)
        except InputError as exc:
            self.rejected.append(_with_hash(exc.rejected(f.path), f.path))
        except OSError as exc:
            self.rejected.append(_with_hash(Rejected(f.path, "ingest", "unreadable", f"{type(exc).__name__}: {exc}; fix the file and run again"), f.path))
        except Exception as exc:  # a library failing on one input must not stop the run
            self.rejected.append(_with_hash(_unexpected(f.path, exc), f.path))

    def close(self) -> None:
        if self.fetcher is not None:
            self.fetcher.state.save()
            self.fetcher.close()

    # --- files ------------------------------------------------------------------------
    def read_document(self, path: str) -> None:
        """A file holding one document: a page, a feed or a text article."""
        if not compression(path) and os.path.getsize(path) > self.settings.max_input_bytes:
            raise InputError("too_large", f"{os.path.getsize(path)} bytes, more than max_input_bytes={self.settings.max_input_bytes}; "
                             "raise NEWSEVENTS_MAX_INPUT_BYTES or split the file, and run again")
        data = read_capped(path, min(self.settings.max_input_bytes, self.settings.max_decompressed_bytes), "NEWSEVENTS_MAX_INPUT_BYTES")
        name = base_name(path).lower()
        self.read_bytes(path, data, "", name.endswith(FEED_SUFFIXES), name.endswith(HTML_SUFFIXES))

    def read_bytes(self, source: str, data: bytes, content_type: str, feed: bool = False, html: bool = False, url: str | None = None) -> None:
        """One document's bytes, as a feed, a page or text (by the hints, else by its first bytes)."""
        if not data.strip():
            raise InputError("empty", f"{len(data)} bytes, no text", digest(data))
        head = data[:1024].lstrip().lower()
        if feed or "xml" in content_type and looks_like_feed(data) or not html and "html" not in content_type and looks_like_feed(data):
            self.read_feed(source, data, url)
        elif html or "html" in content_type or head.startswith((b"<!doctype html", b"<html")):
            self.read_page(source, data, _charset(content_type) or _meta_charset(data), url, {})
        else:
            text, encoding = decode(data, _charset(content_type))
            doc_id = os.path.basename(source).split(".")[0] or os.path.basename(source)
            self.records.append(RawRecord(source, digest(data), doc_id, text, {}, source, encoding))

    def read_page(self, source: str, data: bytes, charset: str | None, url: str | None, fallback: dict[str, Any]) -> None:
        """An HTML page; ``fallback`` fields (from a feed item, a WARC record) fill what the page lacks."""
        if looks_binary(data):
            raise InputError("binary", "control bytes: not an HTML page", digest(data))
        html, encoding = decode(data, charset)
        try:
            text, fields = extract_page(html, url)
        except InputError as exc:
            exc.raw_hash = digest(data)
            raise
        for key, value in fallback.items():
            if value and not fields.get(key):
                fields[key] = value
        doc_id = digest(fields.get("url") or source)[:16]
        self.records.append(RawRecord(source, digest(data), doc_id, text, fields, source, encoding))

    def read_feed(self, source: str, data: bytes, url: str | None) -> None:
        """Each item of a feed: its own content, else (fetched feeds) the page it links to, else its summary."""
        for item in parse_feed(data):
            key = f"{source}#{item.key}"
            if not item.full and url and self.settings.fetch_linked_pages and is_url(item.fields.get("url") or ""):
                self._guard(item.fields["url"], lambda: self.read_fetched(item.fields["url"], item.fields))
                continue
            if not item.text:
                self.rejected.append(Rejected(key, "ingest", "no_text", "the feed item has neither content nor a summary",
                                              digest(json.dumps([item.key, item.fields], sort_keys=True))))
                continue
            self.records.append(_item_record(key, item, source))

    def read_warc(self, f: InputFile) -> None:
        """Every HTML response of a WARC file (or of a range of its records)."""
        try:
            with open(f.path, "rb") as stream:
                stream.seek(f.start)
                for page in iter_pages(stream, self.settings.max_input_bytes, None if f.whole else f.start + f.size):
                    key = page_key(f.path, page)
                    if page.payload is None:
                        self.rejected.append(_with_hash(Rejected(key, "ingest", "too_large", f"WARC record at byte {page.offset}: payload over "
                                                      f"max_input_bytes={self.settings.max_input_bytes}; raise NEWSEVENTS_MAX_INPUT_BYTES and run again"), f.path))
                        continue
                    fallback = {"url": page.uri, "published": page.date}
                    self._guard(key, lambda: self.read_page(key, page.payload, page.charset, page.uri or None, fallback))
        except InputError as exc:
            self.rejected.append(_with_hash(exc.rejected(f.path if f.whole else f"{f.path}@{f.start}"), f.path))

    def read_jsonl(self, f: InputFile) -> None:
        """One record per line; a line that is not UTF-8, not JSON, not an object or has no text is rejected alone."""
        path = f.path
        head = b""
        if f.first_line == 1:
            with open_stream(path) as stream:
                try:
                    head = stream.read(8192)
                except CORRUPT as exc:
                    raise corrupt(path, exc) from exc
            if not head.strip() and len(head) < 8192:
                raise InputError("empty", f"{len(head)} bytes, no text", digest(head))
            if b"\x00" in head:
                raise InputError("binary", "NUL bytes: not a text file; convert it to JSON Lines and run again", digest(head))
        stem = os.path.basename(path).split(".")[0]
        number = f.first_line - 1
        try:
            with open_stream(path) as stream:
                stream.seek(f.start)
                total = self.settings.max_decompressed_bytes if compression(path) else f.size + 1  # (plain: its size bounds it)
                lines = iter_lines(stream, self.settings.max_line_bytes, total, None if f.whole else f.size)
                for number, raw in enumerate(lines, start=f.first_line):
                    if number == 1 and raw:
                        raw = raw.removeprefix(b"\xef\xbb\xbf")
                    self._jsonl_line(path, stem, number, raw)
        except CORRUPT as exc:
            raise corrupt(path, exc, f" after line {number} (lines before it were read)") from exc
        except InputError as exc:
            exc.detail = (f"{exc.detail} after line {number} (lines before it were read); raise NEWSEVENTS_MAX_DECOMPRESSED_BYTES "
                          "or split the file, and run again")
            raise

    def _jsonl_line(self, path: str, stem: str, number: int, raw: bytes | None) -> None:
        where = f"{path}#L{number}"
        if raw is None:
            self.rejected.append(Rejected(where, "ingest", "line_too_long", f"line {number}: more than max_line_bytes="
                                          f"{self.settings.max_line_bytes} bytes, not read; raise NEWSEVENTS_MAX_LINE_BYTES and run again",
                                          digest(f"{where}:too_long")))
            return
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            return
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.rejected.append(Rejected(where, "ingest", "invalid_utf8", f"line {number}, byte {exc.start}: {exc.reason}; "
                                          "JSON Lines are UTF-8: re-encode the file and run again", digest(raw)))
            return
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            self.rejected.append(Rejected(where, "ingest", "bad_json", f"line {number}: {exc.msg} at column {exc.colno}", digest(raw)))
            return
        except RecursionError:
            self.rejected.append(Rejected(where, "ingest", "bad_json", f"line {number}: JSON nested too deeply to read; flatten it and run again", digest(raw)))
            return
        if not isinstance(obj, dict):
            self.rejected.append(Rejected(where, "ingest", "not_an_object", f"line {number}: a JSON {type(obj).__name__}, expected an object", digest(raw)))
            return
        body = obj.get("text")
        if not isinstance(body, str) or not body.strip():
            self.rejected.append(Rejected(where, "ingest", "no_text", f"line {number}: field 'text' is missing or empty", digest(raw)))
            return
        has_id = obj.get("id") not in (None, "")
        doc_id = str(obj["id"]) if has_id else f"{stem}-L{number}"
        fields = {k: obj.get(k) for k in JSONL_FIELDS}
        self.records.append(RawRecord(f"{path}#{doc_id}" if has_id else where, digest(raw), doc_id, body, fields, path))

    # --- URLs -------------------------------------------------------------------------
    def read_url(self, url: str) -> None:
        self.read_fetched(url, {})

    def read_fetched(self, url: str, fallback: dict[str, Any]) -> None:
        """A fetched page, feed or text; a feed item's fields fill what its page lacks."""
        response = self._fetcher().get(url)
        if fallback:
            self.read_page(url, response.body, _charset(response.content_type) or _meta_charset(response.body), response.url, fallback)
        else:
            self.read_bytes(url, response.body, response.content_type.lower(), url=response.url)

    def _fetcher(self) -> Fetcher:
        if self.fetcher is None:
            self.fetcher = Fetcher(self.settings, FetchState.load(_lake(self.data_dir)))
        return self.fetcher

    def _guard(self, source: str, read) -> None:
        """Run one part's reading; its failure is that part's rejection alone."""
        try:
            read()
        except InputError as exc:
            self.rejected.append(_with_hash(exc.rejected(source), source))
        except Exception as exc:  # a library failing on one part must not stop the rest
            self.rejected.append(_with_hash(_unexpected(source, exc), source))


def _unexpected(source: str, exc: Exception) -> Rejected:
    return Rejected(source, "ingest", "reader_failed", f"{type(exc).__name__}: {str(exc)[:300]} while reading it; "
                    "the input is kept here: run again after an upgrade, or convert it to another format")


def _with_hash(rejected: Rejected, path: str) -> Rejected:
    """A rejection always has a hash, so that it is published and can be found. A file's rests on
    its name, size and time (a changed file is read again); a failed fetch's on the time of the
    attempt (the next run fetches again)."""
    if rejected.raw_hash is None:
        if is_url(path):
            stamp = repr(time.time())
        else:
            try:
                info = os.stat(path)
                stamp = f"{info.st_size}:{info.st_mtime_ns}"
            except OSError:
                stamp = repr(time.time())
        rejected.raw_hash = digest(f"{rejected.stage}:{rejected.reason}:{rejected.source}:{stamp}")
    return rejected


def _item_record(key: str, item: FeedItem, source: str) -> RawRecord:
    raw = json.dumps([item.key, item.text, item.fields], sort_keys=True, ensure_ascii=False)
    return RawRecord(key, digest(raw), digest(item.fields.get("url") or key)[:16], item.text, item.fields, source, "utf-8")


def _charset(content_type: str) -> str | None:
    return content_type.partition("charset=")[2].split(";")[0].strip(" \"'") or None


def _meta_charset(data: bytes) -> str | None:
    found = META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None


def _lake(data_dir: str | None):
    """The lake fetch state is kept in: ``data_dir``, else the running pipeline's (None outside one)."""
    if data_dir is None:
        from prefect import runtime

        data_dir = (runtime.flow_run.parameters or {}).get("data_dir") if runtime.flow_run.id else None
    if data_dir is None:
        return None
    from warehouse.lake import Lake

    return Lake.from_settings(Settings.from_env(data_dir=data_dir))


def read_inputs(files: list[InputFile], data_dir: str | None = None) -> tuple[list[RawRecord], list[Rejected]]:
    """Read a shard's inputs into raw records; unreadable inputs or parts are rejected, never raised.

    ``data_dir``: the lake whose fetch state makes URL requests conditional (default: the
    running pipeline's; none outside a pipeline run).
    """
    reader = Reader(Settings.from_env(), data_dir)
    try:
        for f in files:
            reader.read(f)
    finally:
        reader.close()
    return reader.records, reader.rejected
