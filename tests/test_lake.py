"""Crash safety of the lake's write protocol, schema contracts, and the write lock."""
from __future__ import annotations

import pyarrow as pa
import pytest

from schemas import QUARANTINE, SchemaError, to_table
from warehouse.lake import Lake, LakeBusy, write_lock


def _table() -> pa.Table:
    return pa.table({"x": [1, 2, 3]})


def test_interrupted_shard_is_undone(tmp_path):
    lake = Lake.open(str(tmp_path / "d"))
    files = [lake.path("articles", "year=2020", "month=01", "part-s1.parquet"), lake.path("event_mentions", "part-s1.parquet")]
    lake.begin("s1", files)
    lake.write_parquet(files[0], _table())  # killed before the second file and the commit
    assert lake.recover() == ["s1"]
    assert lake.files("articles") == [] and not lake.exists(lake.journal_path("s1"))


def test_committed_shard_is_kept(tmp_path):
    lake = Lake.open(str(tmp_path / "d"))
    path = lake.path("articles", "year=2020", "month=01", "part-s2.parquet")
    lake.begin("s2", [path])
    lake.write_parquet(path, _table())
    lake.write_parquet(lake.ledger_path("s2"), _table())  # killed after the commit point, before the journal cleanup
    assert lake.recover() == []
    assert lake.files("articles") == [path]


def test_contract_rejects_undeclared_columns_and_nulls():
    row = {"source": "a", "stage": "ingest", "reason": "empty", "run_id": "r", "quarantined_at": None, "quarantined_on": None}
    with pytest.raises(SchemaError, match="must not contain nulls"):
        to_table(QUARANTINE, [row])
    with pytest.raises(SchemaError, match="undeclared columns"):
        to_table(QUARANTINE, [{**row, "colour": "red"}])


def test_second_writer_is_refused(tmp_path):
    lake = Lake.open(str(tmp_path / "d"))
    with write_lock(lake):
        with pytest.raises(LakeBusy, match="another newsevents run"):
            with write_lock(Lake.open(str(tmp_path / "d"))):
                pass
    with write_lock(lake):  # released after the first run
        pass


def test_a_killed_warehouse_build_leaves_nothing_behind(tmp_path):
    import subprocess
    import sys

    from warehouse.build import build_warehouse, warehouse_path

    lake = Lake.open(str(tmp_path / "d"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = f"{warehouse_path(lake.data_dir)}.building-{dead.stdout.strip()}"
    open(leftover, "w").close()
    build_warehouse(lake)
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["lake", "warehouse.duckdb"]
