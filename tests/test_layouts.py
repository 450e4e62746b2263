"""Golden files: every source layout re-parses our stored articles to their known-good output.

To add a case, put ``<name>.txt`` in tests/golden/ and run
``python tests/test_layouts.py --update`` to write ``<name>.json``; review it before committing.
The news-desk cases cover its variants (with and without standfirst, dated lines in seven
languages, numeric and month-name dates, 12- and 24-hour times, zones written in the line,
from the publisher and from the label's rule, author lines before, after or without the
dated line). Dated lines on their own are rows of ``tests/golden/datelines.tsv``.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.txt"))


def dateline_cases() -> list[dict[str, str]]:
    with open(GOLDEN / "datelines.tsv", encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


DATELINES = dateline_cases()


def parsed_as_dict(path: Path) -> dict:
    from tasks.normalise import layouts

    parsed = layouts.parse(path.read_text(encoding="utf-8"))
    assert parsed is not None
    out = dict(parsed.__dict__)
    for key in ("published_at", "updated_at"):
        out[key] = out[key].isoformat() if out[key] else None
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_layout_golden(case: Path):
    expected = json.loads(case.with_suffix(".json").read_text(encoding="utf-8"))
    assert parsed_as_dict(case) == expected


@pytest.mark.parametrize("case", DATELINES, ids=[c["line"] for c in DATELINES])
def test_dateline(case: dict[str, str]):
    from tasks.normalise.datelines import parse_dateline

    found = parse_dateline(case["line"], case["publisher_zone"] or None)
    assert found is not None
    assert (found.meaning, found.local, found.timezone) == (
        case["meaning"], dt.datetime.fromisoformat(case["local"]), case["timezone"]
    )


@pytest.mark.parametrize("line", ["Source: 17 Nov 2014", "The talks ended on 17 November 2014.", "Updated: 31/02/2014", "Updated 12:30"])
def test_not_a_dateline(line: str):
    from tasks.normalise.datelines import parse_dateline

    assert parse_dateline(line) is None


def test_every_layout_has_a_golden_case():
    from tasks.normalise.layouts import LAYOUTS

    covered = {json.loads(c.with_suffix(".json").read_text())["layout"] for c in CASES}
    assert covered == {layout.name for layout in LAYOUTS}


if __name__ == "__main__" and "--update" in sys.argv:
    sys.path.insert(0, str(GOLDEN.parent.parent))
    for case in CASES:
        case.with_suffix(".json").write_text(json.dumps(parsed_as_dict(case), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print("wrote", case.with_suffix(".json"))
