"""Discover inputs and read them into raw records; anything unreadable goes to quarantine.

Inputs are files, folders (read recursively), glob patterns and http(s) URLs. A file
ending in ``.jsonl``/``.ndjson`` (optionally compressed) holds one article per line with
the fields ``id, title, text, published, source, url`` (only ``text`` is required); HTML
pages, RSS/Atom feeds and WARC files become articles with the metadata found in them; any
other file is one plain-text article in a legacy encoding or UTF-8. Discovery groups
inputs into shards of about ``shard_max_bytes``: a shard is the unit of work of the
pipeline's Prefect tasks.

Modules: :mod:`.discover` (inputs and shards), :mod:`.read` (formats), :mod:`.files`
(bounded streams), :mod:`.encodings`, :mod:`.html`, :mod:`.feeds`, :mod:`.warc`, :mod:`.fetch`.
"""
from __future__ import annotations

from prefect import task

from tasks.ingest.discover import discover, plan_shards
from tasks.ingest.read import read_inputs
from tasks.ingest.records import InputFile, RawRecord, Rejected, digest

discover_task = task(discover, name="discover")
ingest_task = task(read_inputs, name="ingest")

__all__ = ["InputFile", "RawRecord", "Rejected", "digest", "discover", "plan_shards", "read_inputs", "discover_task", "ingest_task"]
