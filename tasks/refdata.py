"""Load the versioned reference files (TSV with a header row; lines starting with # are comments)."""
from __future__ import annotations

import csv
from functools import cache
from pathlib import Path


@cache
def read_tsv(path: Path) -> tuple[dict[str, str], ...]:
    """Rows of a reference TSV as dicts, read once per process."""
    with open(path, encoding="utf-8", newline="") as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    return tuple(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
