"""Source layouts: one small parser per shape of article text, tried in order.

Each layout has a ``name`` (with the date its shape was first seen) and a
``parse(text, title, first_line_is_title)`` method returning :class:`Parsed`, or None
when the text is not in its shape. Add a layout by writing a module here and listing
it in :data:`LAYOUTS`; golden-file tests (``tests/golden/``) hold the expected output
of every layout.
"""
from __future__ import annotations

from tasks.normalise.layouts.base import Parsed
from tasks.normalise.layouts.newsdesk import NewsDeskLayout
from tasks.normalise.layouts.plain import PlainLayout

LAYOUTS = (NewsDeskLayout(), PlainLayout())


def parse(text: str, title: str | None = None, first_line_is_title: bool = True) -> Parsed | None:
    """Parse with the first layout that recognises the text; None when it has no body."""
    for layout in LAYOUTS:
        parsed = layout.parse(text, title, first_line_is_title)
        if parsed is not None:
            return parsed
    return None


__all__ = ["LAYOUTS", "Parsed", "parse"]
