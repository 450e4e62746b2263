"""No input stops a run or is lost: each bad one is rejected with a stage, a reason and
what to do, the good ones around it are read, and memory and time stay bounded."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import query
from tasks.ingest import discover, read_inputs

WEB = Path(__file__).parent / "fixtures_web"
GOOD = '{"id": "ok", "title": "Quay repairs start", "text": "Work on the quay wall began on Monday and will last until spring."}\n'


def make_truncated_gz(path):
    path.write_bytes(gzip.compress((GOOD * 50).encode())[:-40])


def make_corrupt_gz(path):
    data = bytearray(gzip.compress((GOOD * 50).encode()))
    data[20:40] = b"\xff" * 20
    path.write_bytes(bytes(data))


def make_gzip_bomb(path):
    """About 40 KB that decompress to 40 MB of blank lines (the test caps decompression at 8 MB)."""
    with gzip.open(path, "wb", compresslevel=9) as out:
        block = b"\n" * (1 << 20)
        for _ in range(40):
            out.write(block)


def make_deep_json(path):
    path.write_text('{"id": "deep", "text": ' + "[" * 200_000 + "]" * 200_000 + "}\n" + GOOD)


def make_long_line(path):
    with open(path, "w") as out:
        out.write('{"id": "long", "text": "' + "x" * (30 * 1024 * 1024) + '"}\n')
        out.write(GOOD)


def make_huge_text(path):
    with open(path, "wb") as out:  # a sparse 200 MB file: no disk space used
        out.truncate(200 * 1024 * 1024)


CASES = [  # file name, how to make it, stage, reason
    ("truncated.jsonl.gz", make_truncated_gz, "ingest", "corrupt_archive"),
    ("corrupt.txt.gz", make_corrupt_gz, "ingest", "corrupt_archive"),
    ("bomb.jsonl.gz", make_gzip_bomb, "ingest", "too_large"),
    ("deep.jsonl", make_deep_json, "ingest", "bad_json"),
    ("long.jsonl", make_long_line, "ingest", "line_too_long"),
    ("huge.txt", make_huge_text, "ingest", "too_large"),
    ("binary.txt", lambda p: p.write_bytes(bytes(range(256)) * 40), "ingest", "binary"),
    ("bomb.rss", lambda p: p.write_bytes((WEB / "bomb.rss").read_bytes()), "ingest", "xml_entities"),
    ("empty_page.html", lambda p: p.write_bytes((WEB / "empty_page.html").read_bytes()), "ingest", "no_text"),
    ("empty.txt", lambda p: p.write_bytes(b"  \n"), "ingest", "empty"),
    ("fifo.txt", lambda p: os.mkfifo(p), "discover", "not_a_regular_file"),
    ("loop.txt", lambda p: os.symlink(p, p), "discover", "unreadable"),
]


@pytest.fixture
def bad_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSEVENTS_MAX_DECOMPRESSED_BYTES", str(8 * 1024 * 1024))
    folder = tmp_path / "in"
    folder.mkdir()
    for name, make, _, _ in CASES:
        make(folder / name)
    with open(os.fsencode(folder) + b"/caf\xe9.txt", "w") as out:
        out.write("A file name in latin-1\n\nThe name of this file is not valid UTF-8.")
    (folder / "good.jsonl").write_text(GOOD)
    (folder / "note.txt").write_text("Ferry timetable changes\n\nThe winter timetable starts on the first Saturday of November.")
    return folder


def test_each_bad_input_is_rejected_with_its_reason_and_the_good_ones_are_read(bad_folder):
    files, rejected_at_discovery = discover([str(bad_folder)])
    records, rejected = read_inputs(files)
    rejected = rejected_at_discovery + rejected
    by_file = {}
    for r in rejected:
        by_file.setdefault(r.source.removeprefix(f"{bad_folder}/").split("#")[0], []).append((r.stage, r.reason))
    expected = {name: [(stage, reason)] for name, _, stage, reason in CASES}
    expected["caf\\xe9.txt"] = [("discover", "bad_file_name")]
    assert by_file == expected
    assert sorted(r.source_key.removeprefix(f"{bad_folder}/") for r in records) == [
        "deep.jsonl#ok", "good.jsonl#ok", "long.jsonl#ok", "note.txt",
    ]
    assert all(r.detail for r in rejected)
    assert [r.source.rsplit("#", 1)[1] for r in rejected if r.reason in ("bad_json", "line_too_long")] == ["L1", "L1"]


@pytest.mark.parametrize("name, detail", [
    ("truncated.jsonl.gz", "truncated .gz file"),
    ("bomb.jsonl.gz", "more than 8388608 bytes once decompressed after line 8388608 (lines before it were read)"),
    ("huge.txt", "209715200 bytes, more than max_input_bytes=67108864; raise NEWSEVENTS_MAX_INPUT_BYTES"),
    ("long.jsonl", "line 1: more than max_line_bytes=8388608 bytes, not read; raise NEWSEVENTS_MAX_LINE_BYTES"),
    ("fifo.txt", "a FIFO, not a regular file"),
])
def test_the_detail_says_what_was_wrong_and_what_to_do(bad_folder, name, detail):
    files, rejected_at_discovery = discover([str(bad_folder)])
    _, rejected = read_inputs(files)
    (row,) = [r for r in rejected_at_discovery + rejected if r.source.removeprefix(f"{bad_folder}/").split("#")[0] == name]
    assert detail in row.detail


def test_a_run_over_bad_inputs_exits_0_and_quarantines_each(bad_folder, tmp_path):
    env = {**os.environ, "NEWSEVENTS_MAX_DECOMPRESSED_BYTES": str(8 * 1024 * 1024)}
    data = tmp_path / "data"
    newsevents = os.path.join(os.path.dirname(sys.executable), "newsevents")
    done = subprocess.run([newsevents, "run", str(bad_folder), "--data-dir", str(data), "--json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert sum(summary["quarantined_by_reason"].values()) == len(CASES) + 1
    rows = query(data, "select stage, reason, count(*) from quarantine group by all order by 2")
    assert rows == sorted([("discover", "bad_file_name", 1), ("ingest", "bad_json", 1), ("ingest", "binary", 1),
                           ("ingest", "corrupt_archive", 2), ("ingest", "empty", 1), ("ingest", "line_too_long", 1),
                           ("discover", "not_a_regular_file", 1), ("ingest", "no_text", 1), ("ingest", "too_large", 2),
                           ("discover", "unreadable", 1), ("ingest", "xml_entities", 1)], key=lambda r: r[1])
    # the good line of good.jsonl, deep.jsonl and long.jsonl (one article, two duplicates) and note.txt
    assert query(data, "select count(*), count(duplicate_of) from articles") == [(4, 2)]
