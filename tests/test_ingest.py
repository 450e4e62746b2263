"""Discovery and reading, without Prefect: folders, globs, shards, JSONL lines, gzip, settings."""
from __future__ import annotations

import gzip
import json

import pytest

from tasks.ingest import InputFile, discover, plan_shards, read_inputs


def test_discover_folders_globs_and_missing_paths(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("Title\n\nBody.")
    (tmp_path / "a" / ".hidden.txt").write_text("x")
    (tmp_path / "a" / ".cache").mkdir()
    (tmp_path / "a" / ".cache" / "two.txt").write_text("x")
    (tmp_path / "b.jsonl").write_text("{}\n")
    files, missing = discover([str(tmp_path / "a"), str(tmp_path / "*.jsonl"), str(tmp_path / "a" / "one.txt"), str(tmp_path / "nope*")])
    assert [f.path for f in files] == [str(tmp_path / "a" / "one.txt"), str(tmp_path / "b.jsonl")]  # sorted, once each
    assert [(m.source, m.reason) for m in missing] == [(str(tmp_path / "nope*"), "not_found")]


def test_shards_hold_at_most_max_bytes_unless_one_file_is_bigger():
    files = [InputFile(f"/f{i}", size) for i, size in enumerate([40, 40, 40, 200, 10])]
    assert [[f.path for f in s] for s in plan_shards(files, 100)] == [["/f0", "/f1"], ["/f2"], ["/f3"], ["/f4"]]


def test_jsonl_records_ids_and_broken_lines(tmp_path):
    path = tmp_path / "feed.jsonl.gz"
    lines = [
        json.dumps({"id": 7, "title": "T", "text": "Body", "url": "https://x.test/7"}),
        "",
        json.dumps(["not", "an", "object"]),
        json.dumps({"title": "no id", "text": "Body two"}),
    ]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    records, rejected = read_inputs([InputFile(str(path), path.stat().st_size)])
    assert [(r.doc_id, r.source_key.split("#")[1]) for r in records] == [("7", "7"), ("feed-L4", "L4")]
    assert records[0].fields == {"title": "T", "published": None, "source": None, "url": "https://x.test/7"}
    assert [(r.reason, r.source.split("#")[1]) for r in rejected] == [("not_an_object", "L3")]


def test_a_large_jsonl_file_is_read_in_ranges_without_losing_or_repeating_a_line(tmp_path):
    path = tmp_path / "big.jsonl"
    lines = [json.dumps({"id": f"n{i}", "text": "word " * (i % 7 + 1) + "\u2028 end"}, ensure_ascii=False) for i in range(200)]
    lines[57] = "{broken"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    files, _ = discover([str(path)])
    whole, whole_rejected = read_inputs(files)
    shards = plan_shards(files, 1000, min_range_bytes=1000)
    assert len(shards) > 5
    pieces = [read_inputs(shard) for shard in shards]
    records = [r for recs, _ in pieces for r in recs]
    rejected = [r for _, rej in pieces for r in rej]
    assert [r.doc_id for r in records] == [r.doc_id for r in whole] == [f"n{i}" for i in range(200) if i != 57]
    assert [r.raw_hash for r in records] == [r.raw_hash for r in whole]
    assert [r.source for r in rejected] == [r.source for r in whole_rejected] == [f"{path}#L58"]


def test_a_line_that_is_not_utf8_is_rejected_alone(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"id": 1, "text": "fine"}\n{"id": 2, "text": "caf\xe9"}\n{"id": 3, "text": "also fine"}\n')
    records, rejected = read_inputs([InputFile(str(path), path.stat().st_size)])
    assert [r.doc_id for r in records] == ["1", "3"]
    assert [(r.reason, r.source.split("#")[1]) for r in rejected] == [("invalid_utf8", "L2")]


def test_ranges_are_cut_at_line_breaks_even_after_a_line_longer_than_a_range(tmp_path):
    path = tmp_path / "long.jsonl"
    lines = [json.dumps({"id": "a", "text": "x" * 5000}), json.dumps({"id": "b", "text": "y"}), json.dumps({"id": "c", "text": "z" * 3000})]
    path.write_text("\n".join(lines) + "\n")
    files, _ = discover([str(path)])
    shards = plan_shards(files, 1000, min_range_bytes=1000)
    assert [(f.start, f.first_line) for s in shards for f in s] == [(0, 1), (len(lines[0]) + 1, 2)]
    assert [r.doc_id for s in shards for r in read_inputs(s)[0]] == ["a", "b", "c"]


def test_true_and_false_settings_from_the_environment(monkeypatch):
    from newsevents.config import Settings

    monkeypatch.setenv("NEWSEVENTS_FETCH_LINKED_PAGES", "no")
    monkeypatch.setenv("NEWSEVENTS_ALLOW_PRIVATE_ADDRESSES", "1")
    settings = Settings.from_env()
    assert (settings.fetch_linked_pages, settings.allow_private_addresses) == (False, True)
    monkeypatch.setenv("NEWSEVENTS_ALLOW_PRIVATE_ADDRESSES", "maybe")
    with pytest.raises(ValueError, match="NEWSEVENTS_ALLOW_PRIVATE_ADDRESSES='maybe' is not a valid bool"):
        Settings.from_env()
