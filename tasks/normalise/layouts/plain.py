"""Any other text. In a plain-text file the first line is the title; a JSONL record
brings its title as a field (and a body that repeats it loses the repetition)."""
from __future__ import annotations

from tasks.normalise.layouts.base import Parsed
from tasks.normalise.typography import paragraphs


class PlainLayout:
    name = "plain/1"

    def parse(self, text: str, title: str | None, first_line_is_title: bool) -> Parsed | None:
        if first_line_is_title and title is None:
            first, _, rest = text.strip().partition("\n")
            title = paragraphs(first)[0] if first.strip() else None
            paras = paragraphs(rest)
        else:
            paras = paragraphs(text)
            if title and paras and paras[0] == title:
                paras = paras[1:]
        if not paras:
            return None
        return Parsed(layout=self.name, title=title, body="\n\n".join(paras))
