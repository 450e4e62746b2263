"""RSS and Atom feeds (feedparser), checked first with defusedxml so that a feed declaring
entities (the 'billion laughs' expansion bomb) or external references is refused."""
from __future__ import annotations

import calendar
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from tasks.ingest.records import InputError, digest

FEED_TAGS = (b"<rss", b"<feed", b"<rdf:RDF")


@dataclass
class FeedItem:
    """One item of a feed: its text (empty when the feed has none) and fields."""

    key: str  # the item's id, else its link, else its position
    text: str
    fields: dict[str, Any] = field(default_factory=dict)
    full: bool = True  # False: the feed carries only a summary, the article is at ``fields['url']``


def looks_like_feed(data: bytes) -> bool:
    """An RSS, Atom or RDF root element near the start."""
    head = data[:2048].lstrip()
    return any(tag in head for tag in FEED_TAGS)


def parse_feed(data: bytes) -> list[FeedItem]:
    """The feed's items; raises :class:`InputError` (``xml_entities``, ``not_a_feed``)."""
    try:
        fromstring(data)
    except DefusedXmlException as exc:
        raise InputError("xml_entities", f"the feed declares entities or external references ({type(exc).__name__}), "
                         "which are refused (entity expansion); ask the publisher for a plain feed", digest(data)) from exc
    except ParseError:
        pass  # malformed XML: feedparser reads what it can
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.version and not parsed.entries:
        raise InputError("not_a_feed", f"not an RSS or Atom feed ({parsed.get('bozo_exception', 'no items')})", digest(data))
    site = parsed.feed.get("title")
    language = (parsed.feed.get("language") or "").split("-")[0].lower() or None
    return [_item(entry, number, site, language) for number, entry in enumerate(parsed.entries, start=1)]


def _item(entry: Any, number: int, site: str | None, language: str | None) -> FeedItem:
    content = entry.get("content") or []
    html = content[0].get("value", "") if content else ""
    full = bool(html.strip())
    text = _fragment_text(html if full else entry.get("summary", ""))
    authors = [a.get("name", "").strip() for a in entry.get("authors", []) if a.get("name", "").strip()]
    published = _iso(dict.get(entry, "published_parsed"))  # dict.get: no fallback from one key to the other
    updated = _iso(dict.get(entry, "updated_parsed"))
    fields = {
        "title": entry.get("title"),
        "published": published or updated,
        "updated": updated if published and updated != published else None,
        "authors": authors,
        "url": entry.get("link"),
        "source": site,
        "site_name": site,
        "language": language,
    }
    return FeedItem(key=entry.get("id") or entry.get("link") or f"item{number}", text=text, fields=fields, full=full)


def _fragment_text(html: str) -> str:
    """An HTML fragment's text, paragraphs separated by blank lines."""
    if not html.strip():
        return ""
    if "<" not in html:
        return html.strip()
    import trafilatura  # imported on first use, as in ``html``

    doc = trafilatura.bare_extraction(f"<html><body><article>{html}</article></body></html>", include_comments=False, fast=True)
    text = doc.text if doc is not None and doc.text else ""
    return "\n\n".join(line.strip() for line in text.split("\n") if line.strip())


def _iso(parsed: time.struct_time | None) -> str | None:
    """feedparser's UTC time tuple as an ISO timestamp."""
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC).isoformat()
