"""The pipeline with its shards extracted on a Dask cluster (a LocalCluster of two worker
processes) through prefect-dask, against a real `prefect server start` started by the tests
(in embedded mode each Dask worker would start a Prefect server of its own)."""
from __future__ import annotations

import os
import shutil

from conftest import FIXTURES, query

SNAPSHOT = {
    "articles": "select doc_id, content_hash, duplicate_of from articles",
    "event_mentions": "select mention_id, actor_country, recipient_country, event_date, status from event_mentions",
    "quarantine": "select regexp_extract(source, '[^/]+$'), reason from quarantine",
    "visit_counts": "select * from visit_counts",
}


def snapshot(data_dir) -> dict[str, list[tuple]]:
    return {name: sorted(query(data_dir, sql), key=repr) for name, sql in SNAPSHOT.items()}


def test_pipeline_on_a_dask_cluster_of_two_workers(local_server, tmp_path, monkeypatch):
    from distributed import Client, LocalCluster, get_task_stream
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.pipeline import pipeline

    inputs = tmp_path / "inputs"
    shutil.copytree(FIXTURES, inputs)
    monkeypatch.setenv("PREFECT_API_URL", local_server["api_url"])  # the Dask workers' Prefect API
    monkeypatch.setenv("DASK_TEMPORARY_DIRECTORY", str(tmp_path / "dask"))
    with temporary_settings({PREFECT_API_URL: local_server["api_url"]}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
            with get_task_stream(client) as stream:
                on_dask = pipeline(paths=[str(inputs)], data_dir=str(tmp_path / "dask-data"), shard_max_bytes=1,
                                   dask_address=cluster.scheduler_address)
            ran_on = {t["worker"] for t in stream.data}
            workers = set(cluster.scheduler_info["workers"])
        local = pipeline(paths=[str(inputs)], data_dir=str(tmp_path / "local-data"), shard_max_bytes=1, workers=1)
    assert ran_on == workers and len(workers) == 2  # both workers extracted shards
    assert on_dask["shards"] == local["shards"] > 2
    assert {k: on_dask[k] for k in ("articles", "duplicates", "quarantined", "mentions")} == {
        k: local[k] for k in ("articles", "duplicates", "quarantined", "mentions")
    }
    assert snapshot(tmp_path / "dask-data") == snapshot(tmp_path / "local-data")
    assert on_dask["mentions"] > 0
