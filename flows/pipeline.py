"""The pipeline flow: discover -> ingest -> normalise -> extract -> publish -> warehouse -> report.

Prefect works at shard granularity: each stage is one task run per shard of thousands
of articles; the per-article loops are plain Python inside the tasks.
"""
from __future__ import annotations

import datetime as dt
import uuid

from prefect import flow, runtime
from prefect.utilities.annotations import quote

from newsevents.config import Settings
from tasks.cluster import cluster_task
from tasks.extract.mentions import extract_task
from tasks.ingest import discover_task, ingest_task, plan_shards
from warehouse.lake import Lake, write_lock
from warehouse.ledger import LedgerIndex
from tasks.normalise import normalise_task
from tasks.publish import publish_task
from tasks.report import RunSummary, report_task
from warehouse.build import warehouse_task


@flow(name="newsevents-pipeline")
def pipeline(paths: list[str], data_dir: str = "data", shard_max_bytes: int | None = None) -> dict:
    """Run the whole DAG on ``paths`` (files, folders, globs) into the lake under ``data_dir``."""
    settings = Settings.from_env(data_dir=data_dir, shard_max_bytes=shard_max_bytes)
    lake = Lake.from_settings(settings)
    run_id = str(runtime.flow_run.id or uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    summary = RunSummary(run_id=run_id, data_dir=lake.data_dir)
    with write_lock(lake):
        summary.recovered_shards = lake.recover()
        files, missing = discover_task(paths)
        summary.inputs = len(files)
        ledger = LedgerIndex.load(lake)
        shards = plan_shards(files, settings.shard_max_bytes) or [[]]
        for number, shard in enumerate(shards, start=1):
            records, rejected = ingest_task(shard)
            if number == 1:
                rejected = missing + rejected
            normalised = normalise_task(quote(records), quote(rejected), quote(ledger), run_id, now)
            mentions = extract_task(quote(normalised.articles), run_id)
            summary.add(publish_task(quote(lake), quote(normalised), quote(mentions), run_id, now), number, len(shards))
        summary.events = cluster_task(quote(lake), settings.event_gap_days)
        summary.warehouse = warehouse_task(quote(lake))
    return report_task(summary)
