"""HTML pages: main text and metadata with trafilatura, dates with htmldate.

A page becomes the text and ``fields`` of a raw record: ``title, published, updated,
authors, url, canonical_url, source (site name), site_name, language``.
"""
from __future__ import annotations

from typing import Any

from tasks.ingest.records import InputError

DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def extract_page(html: str, url: str | None = None) -> tuple[str, dict[str, Any]]:
    """The page's main text (paragraphs separated by blank lines) and its metadata.

    Raises :class:`InputError` (``not_html``, ``no_text``) when there is no article in it.
    """
    import trafilatura  # imported on first use: a run without web pages need not pay for it
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        raise InputError("not_html", "no HTML document could be parsed from it; check the file is a web page")
    language = (tree.get("lang") or tree.get("xml:lang") or "").split("-")[0].strip().lower() or None
    published = _date(tree, original=True, url=url)
    updated = _date(tree, original=False, url=url)
    doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False, fast=True, favor_precision=True)
    text = (doc.text or "") if doc is not None else ""
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    if not paragraphs:
        raise InputError("no_text", "the page has no main text (empty page, or only navigation)")
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    fields = {
        "title": doc.title,
        "published": published,
        "updated": updated if updated != published else None,
        "authors": authors,
        "url": url or doc.url,
        "canonical_url": doc.url,
        "source": doc.sitename,
        "site_name": doc.sitename,
        "language": language,
    }
    return "\n\n".join(paragraphs), fields


def _date(tree, original: bool, url: str | None) -> str | None:
    """The page's publication (``original``) or last-update date from meta tags, JSON-LD, URL and text."""
    import htmldate

    try:
        return htmldate.find_date(tree, url=url, original_date=original, extensive_search=False, outputformat=DATE_FORMAT)
    except (ValueError, TypeError):
        return None
