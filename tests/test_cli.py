"""The console script as a user runs it: `newsevents run` then `newsevents sql`, on the seed article."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHARED

SEED = SHARED / "seed"
BIN = Path(sys.executable).parent / "newsevents"


def newsevents(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300, env=env or os.environ.copy())


@pytest.mark.skipif(not SEED.is_dir(), reason="the seed article is read from ../shared/seed at run time")
def test_seed_end_to_end(tmp_path):
    data = str(tmp_path / "d")
    # As on a fresh machine: no Prefect server configured and an empty Prefect home.
    fresh = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    fresh["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    run = newsevents("run", str(SEED), "--data-dir", data, env=fresh)
    assert run.returncode == 0, run.stderr
    assert "1 new" in run.stdout

    out = newsevents("sql", "select * from visit_counts order by 1,2,3", "--data-dir", data, "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    pairs = {(r["visitor_country"], r["host_country"], r["month"]): r["visits"] for r in rows}
    assert pairs.pop(("PRK", "RUS", "2014-11-01")) == 1
    assert pairs.pop(("RUS", "PRK", "2014-04-01")) == 1
    assert pairs.pop(("USA", "CHN", "2014-11-01")) == 1
    # left, at most: the optional visit the text only implies ("sent ... to meet his counterpart"),
    # and the false alarm earlier visit models made ("pressure North Korea ... in Beijing")
    assert set(pairs) <= {("PRK", "RUS", "2014-10-01"), ("PRK", "CHN", "2014-11-01")}

    meta = newsevents(
        "sql", "select title, publisher, desk, authors, updated_at_local from articles", "--data-dir", data, "--format", "json"
    )
    article = json.loads(meta.stdout)
    assert article == {
        "title": "South Korea wary of NKorea strengthening Russia ties",
        "publisher": "World Bulletin",
        "desk": "News Desk",
        "authors": ["Muhammed Öylek"],
        "updated_at_local": "2014-11-17T13:16:00",
    }

    views = ("articles", "event_mentions", "visits", "events", "visit_counts", "quarantine")
    count_sql = " union all ".join(f"select '{v}' as view, count(*) as n from {v}" for v in views)
    before = newsevents("sql", count_sql, "--data-dir", data, "--format", "csv").stdout
    again = newsevents("run", str(SEED), "--data-dir", data)
    assert again.returncode == 0 and "0 new" in again.stdout
    assert newsevents("sql", count_sql, "--data-dir", data, "--format", "csv").stdout == before


def test_sql_errors_are_clear(tmp_path):
    missing = newsevents("sql", "select 1", "--data-dir", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and "run `newsevents run" in missing.stderr
    wrong = newsevents("run", str(tmp_path), "--data-dir", "ftp://host/lake")
    assert wrong.returncode == 2 and "use a local path or s3://bucket/prefix" in wrong.stderr
