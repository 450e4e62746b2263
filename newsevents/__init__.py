"""newsevents: news articles in, a warehouse of dated, deduplicated political events out."""

__version__ = "0.1.0"
