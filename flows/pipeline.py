"""The pipeline flow: discover -> ingest -> normalise -> extract -> publish -> cluster -> warehouse -> report.

Prefect works at shard granularity: each stage is one task run per shard of thousands
of articles; the per-article loops are plain Python inside the tasks. A shard is a group
of input files (the inputs discovery could not find form one of their own). Shards are
read, normalised and published in order in the flow's process: the ledger decides what
is new and what duplicates what, shard after shard, and a shard whose inputs the ledger
already holds (committed by an earlier, maybe interrupted, run) is neither extracted nor
written again. Extraction, the costly stage, runs on the shard task runner (local
processes, one per core, or a Dask cluster) while the flow reads the next shards.
"""
from __future__ import annotations

import datetime as dt
import uuid

from prefect import flow, runtime
from prefect.utilities.annotations import quote

from flows.runners import Extraction, release_memory, shard_bytes, shard_runner, timed, with_retries, worker_count
from newsevents.config import Settings
from tasks.cluster import cluster_task
from tasks.ingest import discover_task, ingest_task, plan_shards
from tasks.normalise import normalise_task
from tasks.normalise.near_duplicates import NearDuplicateFinder
from tasks.publish import publish_task
from tasks.report import Progress, RunSummary, report_task
from warehouse.build import warehouse_task
from warehouse.lake import Lake, write_lock
from warehouse.ledger import LedgerIndex


@flow(name="newsevents-pipeline")
def pipeline(
    paths: list[str],
    data_dir: str = "data",
    shard_max_bytes: int | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
) -> dict:
    """Run the whole DAG on ``paths`` (files, folders, globs, URLs) into the lake under ``data_dir``.

    Args:
        paths: files, folders (read recursively), glob patterns and http(s) URLs to ingest.
        data_dir: the lake and warehouse location: a local folder or ``s3://bucket/prefix``.
        shard_max_bytes: input bytes per shard (default: the ``shard_max_bytes`` setting).
        workers: shards extracted at once, each in a process of its own (default: one per core
            from 16 MiB of input, else the flow's own process).
        dask_address: a Dask scheduler (``tcp://host:8786``): shards are extracted on that cluster.
    """
    settings = Settings.from_env(data_dir=data_dir, shard_max_bytes=shard_max_bytes, workers=workers, dask_address=dask_address)
    lake = Lake.from_settings(settings)
    run_id = str(runtime.flow_run.id or uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    summary = RunSummary(run_id=run_id, data_dir=lake.data_dir)
    discover, normalise = timed(discover_task, settings), timed(normalise_task, settings)
    ingest, publish = with_retries(ingest_task, settings), with_retries(publish_task, settings)
    with write_lock(lake):
        summary.recovered_shards = lake.recover()
        files, missing = discover(paths)
        summary.inputs = len(files)
        ledger = LedgerIndex.load(lake)
        near_duplicates = NearDuplicateFinder(settings.near_duplicate_threshold, settings.minhash_permutations, lake=lake)
        input_bytes = sum(f.size for f in files)
        processes = worker_count(settings, input_bytes)
        shards = [(shard, []) for shard in plan_shards(files, shard_bytes(settings, processes, input_bytes))]
        if missing:  # the paths discovery found nothing at: a shard of their own, read as nothing, quarantined
            shards.append(([], missing))
        progress = Progress(summary, len(shards))
        with shard_runner(settings, processes, len(shards)) as runner:
            extract = Extraction(runner, settings, processes, run_id)  # the extract stage, on the shard runner
            for shard, not_found in shards:
                records, rejected = ingest(shard)
                normalised = normalise(quote(records), quote(not_found + rejected), quote(ledger), run_id, now,
                                       near_duplicates=quote(near_duplicates))
                del records, rejected  # the raw texts are not needed while the shard waits for extraction
                for done, mentions in extract.submit(normalised):
                    progress.add(publish(quote(lake), quote(done), quote(mentions), run_id, now), done.rejected)
                    near_duplicates.stored(done.articles)  # in the lake now: later shards find them there
            for done, mentions in extract.drain():
                progress.add(publish(quote(lake), quote(done), quote(mentions), run_id, now), done.rejected)
                near_duplicates.stored(done.articles)
        progress.close()
        ledger = near_duplicates = normalised = done = mentions = None  # what the shards needed: clustering reads the lake whole
        release_memory()
        summary.events = cluster_task(quote(lake), settings.event_gap_days)
        summary.warehouse = with_retries(warehouse_task, settings)(quote(lake))
    return report_task(summary)
