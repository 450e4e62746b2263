"""The lake on S3: real Prefect flow runs against an S3-compatible server (moto) on 127.0.0.1.

The views are read through fsspec (s3fs), so DuckDB needs no httpfs extension here.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from conftest import FIXTURES, free_port, query

BUCKET = "newsevents-test"
DATA_DIR = f"s3://{BUCKET}/lake-test"
PREFIX = "lake-test/"


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited early with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto server did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> Iterator[str]:
    """An S3 server on 127.0.0.1 with an empty bucket; AWS_* variables point at it. Yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_for_port(port, proc)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AWS_ACCESS_KEY_ID", "testing")
            mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
            mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
            mp.setenv("AWS_ENDPOINT_URL", endpoint)
            mp.delenv("AWS_ENDPOINT_URL_S3", raising=False)
            mp.delenv("AWS_SESSION_TOKEN", raising=False)
            mp.delenv("AWS_PROFILE", raising=False)
            mp.setenv("HOME", str(tmp_path_factory.mktemp("home")))  # the warehouse cache file goes under ~/.cache
            _client().create_bucket(Bucket=BUCKET)
            yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _client():
    import boto3

    return boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])


def _objects() -> dict[str, str]:
    """{key: ETag} of every object under the test prefix."""
    out = {}
    for page in _client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX):
        out.update({o["Key"]: o["ETag"] for o in page.get("Contents", [])})
    return out


def _parquet_keys() -> set[str]:
    return {k for k in _objects() if k.endswith(".parquet")}


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> Path:
    """The same fixtures run into a local data dir, to compare against."""
    from flows.pipeline import pipeline

    data_dir = tmp_path_factory.mktemp("local") / "data"
    pipeline(paths=[str(FIXTURES)], data_dir=str(data_dir))
    return data_dir


@pytest.fixture(scope="module")
def s3_run(s3) -> dict:
    from flows.pipeline import pipeline

    return pipeline(paths=[str(FIXTURES)], data_dir=DATA_DIR)


def test_lake_objects_are_hive_partitioned(s3_run):
    keys = _parquet_keys()
    articles = [k for k in keys if k.startswith(f"{PREFIX}lake/articles/")]
    assert articles, sorted(keys)
    for key in articles:
        year, month, part = key[len(f"{PREFIX}lake/articles/"):].split("/")
        assert year.startswith("year=") and month.startswith("month=") and part.startswith("part-"), key
    assert any(k.startswith(f"{PREFIX}lake/events/bucket=") for k in keys)
    assert any(k.startswith(f"{PREFIX}lake/_ledger/part-") for k in keys)
    assert not [k for k in _objects() if "/_journal/" in k and k.endswith(".json")]  # no shard left in progress


def test_views_match_a_local_run(s3_run, local_run):
    assert query(DATA_DIR, "select count(*) from articles") == [(6,)]  # 5 articles + 1 known duplicate
    assert query(local_run, "select count(*) from articles") == [(6,)]
    sql = "select * from visit_counts order by all"
    s3_rows = query(DATA_DIR, sql)
    assert s3_rows and s3_rows == query(local_run, sql)
    for view in ("event_mentions", "visits", "events", "quarantine"):
        count = f"select count(*) from {view}"
        assert query(DATA_DIR, count) == query(local_run, count), view


def test_warehouse_is_a_local_cache_file(s3_run):
    from warehouse.build import warehouse_path

    path = warehouse_path(DATA_DIR)
    assert s3_run["warehouse"] == path
    assert path.startswith(os.path.join(os.environ["HOME"], ".cache", "newsevents")) and os.path.exists(path)


def test_rerun_adds_nothing(s3_run):
    from flows.pipeline import pipeline

    before = _objects()
    counts = query(DATA_DIR, "select (select count(*) from articles), (select count(*) from event_mentions)")
    summary = pipeline(paths=[str(FIXTURES)], data_dir=DATA_DIR)
    assert (summary["articles"], summary["mentions"]) == (0, 0)
    after = _objects()
    events = f"{PREFIX}lake/events/events.parquet"
    assert set(after) == set(before)
    assert {k: v for k, v in after.items() if k != events} == {k: v for k, v in before.items() if k != events}
    assert query(DATA_DIR, "select (select count(*) from articles), (select count(*) from event_mentions)") == counts


def test_cli_sql_reads_the_s3_warehouse(s3_run, capsys):
    from newsevents.cli import main

    assert main(["sql", "select count(*) as n from articles", "--data-dir", DATA_DIR, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "6"]


def test_missing_bucket_is_a_clear_error(s3):
    from warehouse.lake import Lake

    with pytest.raises(FileNotFoundError, match=r"bucket 'no-such-bucket' not found.*aws s3 mb s3://no-such-bucket"):
        Lake.open("s3://no-such-bucket/lake")


def test_concurrent_writers_on_one_prefix_do_not_corrupt_it(s3, local_run):
    """No lock on an object store: content-addressed files and key-deduplicating views keep
    two simultaneous runs (with differently sharded input) from adding a row twice."""
    from flows.pipeline import pipeline

    data_dir = f"s3://{BUCKET}/concurrent"
    bin_ = Path(sys.executable).parent / "newsevents"
    runs = [
        subprocess.Popen([str(bin_), "run", str(FIXTURES), "--data-dir", data_dir, *extra], stderr=subprocess.PIPE, text=True)
        for extra in ([], ["--shard-max-bytes", "1"])
    ]
    assert [p.wait(timeout=300) for p in runs] == [0, 0], [p.stderr.read() for p in runs]
    pipeline(paths=[str(FIXTURES)], data_dir=data_dir)  # a later run settles the events
    for view in ("articles", "event_mentions", "visits", "events", "visit_counts", "quarantine"):
        count = f"select count(*) from {view}"
        assert query(data_dir, count) == query(local_run, count), view
