"""Kill a run at many points (SIGKILL, no clean-up): the next run repairs the lake so that
it equals the lake of an uninterrupted run, with no duplicate and no missing row. Two runs
at once on one data directory do not corrupt it either."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, query, write_bad_inputs

BIN = Path(sys.executable).parent / "newsevents"
STRIDE = 3  # kill at write steps 1, 4, 7, ... until a run gets through
PARALLEL = 4  # killed runs at once (each on its own data dir)


def snapshot(data_dir: Path) -> dict[str, list[tuple]]:
    """Everything a reader can see, minus what differs between runs (run ids, timestamps)."""
    sql = {
        "articles": "select doc_id, content_hash, duplicate_of, title from articles",
        "raw_articles": "select doc_id, content_hash from raw_articles",
        "event_mentions": "select mention_id, actor_country, recipient_country, event_date, status from raw_event_mentions",
        "quarantine": "select regexp_extract(source, '[^/]+$'), stage, reason from raw_quarantine",
        "events": "select actor_country, recipient_country, event_date, status, mentions, articles from events",
        "visit_counts": "select * from visit_counts",
    }
    return {name: sorted(query(data_dir, q), key=repr) for name, q in sql.items()}


def leftovers(data_dir: Path) -> list[str]:
    lake = data_dir / "lake"
    return [str(p) for sub in ("_staging", "_journal") for p in (lake / sub).iterdir()]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    shutil.copytree(FIXTURES, folder, dirs_exist_ok=True)
    write_bad_inputs(folder / "bad")
    return folder


def run_cli(inputs: Path, data_dir: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN), "run", str(inputs), "--data-dir", str(data_dir), "--shard-max-bytes", "1"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory) -> dict:
    from flows.pipeline import pipeline

    data_dir = tmp_path_factory.mktemp("reference") / "data"
    pipeline(paths=[str(inputs)], data_dir=str(data_dir), shard_max_bytes=1)
    return snapshot(data_dir)


def test_killed_runs_are_repaired(inputs, reference, tmp_path):
    from flows.pipeline import pipeline

    kills, step, done = 0, 1, False
    while not done:
        batch = {step + STRIDE * i: tmp_path / f"kill-{step + STRIDE * i}" for i in range(PARALLEL)}
        procs = {n: run_cli(inputs, d, NEWSEVENTS_CRASH_AFTER=str(n)) for n, d in batch.items()}
        for n, proc in procs.items():
            _, err = proc.communicate(timeout=300)
            if proc.returncode == 0:
                done = True  # past the last write step: the run got through
                continue
            assert proc.returncode == -signal.SIGKILL, err
            kills += 1
            pipeline(paths=[str(inputs)], data_dir=str(batch[n]), shard_max_bytes=1)  # the next run
            assert snapshot(batch[n]) == reference, f"lake differs after a kill at write step {n}"
            assert leftovers(batch[n]) == []
        step += STRIDE * PARALLEL
    assert kills >= 20


def test_concurrent_runs_do_not_corrupt_the_lake(inputs, reference, tmp_path):
    from flows.pipeline import pipeline

    data_dir = tmp_path / "shared-data"
    first, second = run_cli(inputs, data_dir), run_cli(inputs, data_dir)
    results = [(p.wait(timeout=300), p.stderr.read()) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 3]), results
    if codes == [0, 3]:
        assert "another newsevents run is writing to" in next(err for code, err in results if code == 3)
    pipeline(paths=[str(inputs)], data_dir=str(data_dir), shard_max_bytes=1)
    assert snapshot(data_dir) == reference


def test_killed_compaction_is_finished_by_the_next_one(inputs, reference, tmp_path):
    from flows.maintenance import compact
    from flows.pipeline import pipeline

    base = tmp_path / "base"
    pipeline(paths=[str(inputs)], data_dir=str(base), shard_max_bytes=1)  # one file per shard: much to merge
    steps = range(1, 7)
    procs = {}
    for step in steps:
        data_dir = tmp_path / f"compact-{step}"
        shutil.copytree(base, data_dir)
        procs[step] = subprocess.Popen(
            [str(BIN), "compact", "--data-dir", str(data_dir)],
            env={**os.environ, "NEWSEVENTS_CRASH_AFTER": str(step)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    kills = 0
    for step, proc in procs.items():
        _, err = proc.communicate(timeout=300)
        assert proc.returncode in (0, -signal.SIGKILL), err
        kills += proc.returncode != 0
        data_dir = tmp_path / f"compact-{step}"
        compact(data_dir=str(data_dir))
        assert snapshot(data_dir) == reference, f"lake differs after a compaction killed at write step {step}"
        assert leftovers(data_dir) == []
    assert kills >= 3
