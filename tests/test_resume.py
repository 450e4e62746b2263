"""An interrupted run resumes: the next run repairs the shard that died and does not redo the
shards the killed run had committed (the ledger knows their inputs): no extraction, no write."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio

from conftest import query

BIN = Path(sys.executable).parent / "newsevents"
# One article per file, no visits, all of March 2021: each file is a shard (--shard-max-bytes 1)
# whose publish takes 6 write steps (journal 1, one articles file 2, ledger 2, journal removed 1).
STORIES = {
    "council.jsonl": ("r-1", "Council approves library budget", "The city council approved the budget for a new public library on the river bank after a long debate about its cost."),
    "harbour.jsonl": ("r-2", "Harbour dredging starts", "Work to deepen the old harbour began this week, and the port authority expects larger ferries to dock there by the autumn."),
    "orchard.jsonl": ("r-3", "Orchards bloom early", "Growers in the valley said the apple trees flowered two weeks earlier than usual, raising fears that a late frost could ruin the crop."),
    "tramway.jsonl": ("r-4", "Tramway extension opens", "The new tram line to the university campus opened to passengers on Saturday, with trains every eight minutes at peak hours."),
}
STEPS_PER_SHARD = 6


def write_inputs(folder: Path) -> Path:
    folder.mkdir()
    for name, (doc_id, title, text) in STORIES.items():
        record = {"id": doc_id, "title": title, "text": text, "published": "2021-03-04", "source": "Town Wire"}
        (folder / name).write_text(json.dumps(record) + "\n", encoding="utf-8")
    return folder


def task_run_names(flow_run_id: str) -> list[str]:
    """The flow run's task run names, once the server has recorded them all: it records task
    runs from the events the run sends, which may still be arriving when the flow returns
    (on a loaded machine some were), so the list is read until three reads a second apart agree."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read():
        async with get_client() as client:
            return await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))

    reads: list[list[str]] = []
    deadline = time.monotonic() + 60
    while len(reads) < 3 or reads[-1] != reads[-2] or reads[-2] != reads[-3]:
        if time.monotonic() > deadline:
            break
        if reads:
            time.sleep(1)
        reads.append(sorted(t.name.rsplit("-", 1)[0] for t in anyio.run(read)))
    return reads[-1]


def part_files(data_dir: Path) -> dict[str, float]:
    return {str(p.relative_to(data_dir)): p.stat().st_mtime_ns for p in (data_dir / "lake").rglob("part-*.parquet")}


def test_a_killed_run_is_resumed_without_redoing_committed_shards(tmp_path):
    from flows.pipeline import pipeline

    inputs = write_inputs(tmp_path / "inputs")
    data_dir = tmp_path / "data"
    killed = subprocess.run(
        [str(BIN), "run", str(inputs), "--data-dir", str(data_dir), "--shard-max-bytes", "1", "--workers", "1"],
        env={**os.environ, "NEWSEVENTS_CRASH_AFTER": str(2 * STEPS_PER_SHARD + 1)},  # dies writing the third shard's journal
        capture_output=True, text=True, timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    committed = part_files(data_dir)
    assert len([f for f in committed if f.startswith("lake/_ledger/")]) == 2  # two shards committed, two not

    summary = pipeline(paths=[str(inputs)], data_dir=str(data_dir), shard_max_bytes=1)
    assert len(summary["recovered_shards"]) == 1  # the third shard's journal entry, undone
    assert (summary["unchanged"], summary["articles"], summary["quarantined"]) == (2, 2, 0)
    names = task_run_names(summary["run_id"])
    assert names.count("ingest") == 4 and names.count("normalise") == 4  # every shard is read and checked ...
    assert names.count("extract") == 2  # ... but only the two the ledger does not hold are extracted
    after = part_files(data_dir)
    assert {f: after[f] for f in committed} == committed  # and the committed shards' files are not rewritten
    assert len([f for f in after if f.startswith("lake/_ledger/")]) == 4
    assert query(data_dir, "select doc_id from articles order by 1") == [("r-1",), ("r-2",), ("r-3",), ("r-4",)]
    assert not list((data_dir / "lake" / "_journal").iterdir())
