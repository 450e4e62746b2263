"""The ledger's index: what a run looks up, read from committed ledger files and added to as it goes."""
from __future__ import annotations

import datetime as dt

import pytest

from schemas import LEDGER, to_table
from warehouse import ledger as ledger_module
from warehouse.lake import Lake
from warehouse.ledger import LedgerIndex

NOW = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def _row(source: str, raw: str, outcome: str, article: str | None, content: str | None) -> dict:
    return {"source_key": source, "raw_hash": raw, "outcome": outcome, "article_id": article, "content_hash": content,
            "run_id": "r1", "recorded_at": NOW}


SHARD_A = [
    _row("a.jsonl:1", "r1", "article", "art-one", "text-1"),
    _row("a.jsonl:2", "r2", "duplicate", "art-two", "text-1"),  # same text as art-one
    _row("a.jsonl:3", "r3", "quarantined", None, None),
]
SHARD_B = [
    _row("b.jsonl:1", "r4", "article", "art-three", "text-3"),
    _row("b.jsonl:2", "r5", "article", "art-four", "text-3"),  # a second first copy: the file read first wins
]


def _lake(tmp_path) -> Lake:
    lake = Lake.open(str(tmp_path / "data"))
    for shard, rows in (("s2", SHARD_B), ("s1", SHARD_A)):  # written out of order: files are read sorted by name
        lake.commit(shard, to_table(LEDGER, rows))
    return lake


def _answers(index: LedgerIndex) -> dict:
    return {
        "inputs": [index.seen_input(s, r) for s, r in [("a.jsonl:1", "r1"), ("a.jsonl:3", "r3"), ("b.jsonl:2", "r5"),
                                                        ("a.jsonl:1", "r9"), ("c.jsonl:1", "r1")]],
        "versions": [index.has_version(a, c) for a, c in [("art-one", "text-1"), ("art-two", "text-1"),
                                                           ("art-four", "text-3"), ("art-one", "text-3")]],
        "first": [index.first_with(c) for c in ("text-1", "text-3", "text-9")],
        "count": index.inputs,
    }


EXPECTED = {"inputs": [True, True, True, False, False], "versions": [True, True, True, False],
            "first": ["art-one", "art-three", None], "count": 5}


def test_load_reads_every_committed_file(tmp_path):
    assert _answers(LedgerIndex.load(_lake(tmp_path))) == EXPECTED


def test_rows_added_in_a_run_answer_as_loaded_ones(tmp_path):
    index = LedgerIndex()
    index.add_rows(SHARD_A + SHARD_B)
    assert _answers(index) == EXPECTED


def test_an_empty_lake_knows_nothing(tmp_path):
    index = LedgerIndex.load(Lake.open(str(tmp_path / "data")))
    assert (index.inputs, index.seen_input("a.jsonl:1", "r1"), index.first_with("text-1")) == (0, False, None)


@pytest.mark.parametrize("merge_every", [1, 2, 1000])
def test_merging_added_keys_keeps_every_answer(tmp_path, monkeypatch, merge_every):
    monkeypatch.setattr(ledger_module, "MERGE_MIN", merge_every)
    index = LedgerIndex.load(_lake(tmp_path))
    index.add_rows([_row(f"n.jsonl:{i}", f"n{i}", "article", f"new-{i}", f"new-text-{i}") for i in range(50)])
    index.add_input("late.txt", "r-late")
    index.set_first("text-1", "art-two")  # a near-duplicate pass re-points a text to the copy's first article
    index.set_first("new-text-7", "new-3")
    assert all(index.seen_input(f"n.jsonl:{i}", f"n{i}") and index.has_version(f"new-{i}", f"new-text-{i}") for i in range(50))
    assert [index.first_with(c) for c in ("text-1", "text-3", "new-text-7", "new-text-8")] == ["art-two", "art-three", "new-3", "new-8"]
    assert index.seen_input("late.txt", "r-late") and not index.seen_input("late.txt", "r-other")
    assert index.inputs == 5 + 50 + 1


def _reads(monkeypatch) -> list[list[str]]:
    """The ledger file names each load reads with DuckDB (the rest come from the snapshot)."""
    reads: list[list[str]] = []
    of_files = ledger_module._Keys.of_files.__func__

    def spy(cls, lake, files, stamps):
        reads.append([f.rsplit("/", 1)[1] for f in files])
        return of_files(cls, lake, files, stamps)

    monkeypatch.setattr(ledger_module._Keys, "of_files", classmethod(spy))
    return reads


def test_a_second_load_reads_only_the_files_written_since(tmp_path, monkeypatch):
    reads = _reads(monkeypatch)
    lake = _lake(tmp_path)
    assert _answers(LedgerIndex.load(lake)) == EXPECTED
    assert _answers(LedgerIndex.load(lake)) == EXPECTED
    # a file whose name sorts first holds an earlier first copy of text-3: it wins, as in a full read
    lake.commit("s0", to_table(LEDGER, [_row("z.jsonl:1", "r6", "article", "art-zero", "text-3")]))
    lake.commit("s3", to_table(LEDGER, [_row("y.jsonl:1", "r7", "article", "art-late", "text-1")]))
    index = LedgerIndex.load(lake)
    assert reads == [["part-s1.parquet", "part-s2.parquet"], ["part-s0.parquet", "part-s3.parquet"]]
    assert [index.first_with(c) for c in ("text-1", "text-3")] == ["art-one", "art-zero"]
    assert index.seen_input("z.jsonl:1", "r6") and index.has_version("art-late", "text-1") and index.inputs == 7


def test_a_changed_or_unreadable_snapshot_means_a_full_read(tmp_path, monkeypatch):
    reads = _reads(monkeypatch)
    lake = _lake(tmp_path)
    LedgerIndex.load(lake)
    lake.commit("s1", to_table(LEDGER, SHARD_A[:1]))  # rewritten: a.jsonl:2 and :3 are no longer in the ledger
    index = LedgerIndex.load(lake)
    assert (index.seen_input("a.jsonl:3", "r3"), index.inputs) == (False, 3)
    (tmp_path / "data" / "lake" / ledger_module.SNAPSHOT).write_bytes(b"not a snapshot")
    assert LedgerIndex.load(lake).inputs == 3
    assert reads == [["part-s1.parquet", "part-s2.parquet"]] * 3
