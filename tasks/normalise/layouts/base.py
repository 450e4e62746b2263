"""What every layout returns."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Parsed:
    layout: str
    title: str | None
    body: str  # paragraphs separated by blank lines
    standfirst: str | None = None
    publisher: str | None = None
    desk: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: dt.datetime | None = None  # timezone-aware
    updated_at: dt.datetime | None = None  # timezone-aware
    timezone: str | None = None
