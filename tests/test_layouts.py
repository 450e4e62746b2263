"""Golden files: every source layout re-parses our stored articles to their known-good output.

To add a case, put ``<name>.txt`` in tests/golden/ and run
``python tests/test_layouts.py --update`` to write ``<name>.json``; review it before committing.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.txt"))


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


def test_every_layout_has_a_golden_case():
    from tasks.normalise.layouts import LAYOUTS

    covered = {json.loads(c.with_suffix(".json").read_text())["layout"] for c in CASES}
    assert covered == {layout.name for layout in LAYOUTS}


if __name__ == "__main__" and "--update" in sys.argv:
    sys.path.insert(0, str(GOLDEN.parent.parent))
    for case in CASES:
        case.with_suffix(".json").write_text(json.dumps(parsed_as_dict(case), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print("wrote", case.with_suffix(".json"))
