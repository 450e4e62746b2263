"""Maintenance flows: compact the lake's small files; rebuild the warehouse and events from the lake;
both in turn, nightly."""
from __future__ import annotations

from prefect import flow, task
from prefect.utilities.annotations import quote

from flows.runners import with_retries
from newsevents.config import Settings
from tasks.cluster import recluster_task
from warehouse.lake import Lake, write_lock
from warehouse.build import warehouse_task
from warehouse.compact import compact as compact_lake

compact_task = task(compact_lake, name="compact")


@flow(name="newsevents-rebuild")
def rebuild(data_dir: str = "data") -> dict:
    """Rebuild ``warehouse.duckdb`` and the events from what the lake holds."""
    settings = Settings.from_env(data_dir=data_dir)
    lake = Lake.from_settings(settings)
    with write_lock(lake):
        lake.recover()
        events = recluster_task(quote(lake), settings.event_gap_days)
        path = with_retries(warehouse_task, settings)(quote(lake))
    return {"events": events, "warehouse": path}


@flow(name="newsevents-compact")
def compact(data_dir: str = "data") -> dict:
    """Merge each partition's files into one and drop superseded article versions, then rebuild the warehouse."""
    settings = Settings.from_env(data_dir=data_dir)
    lake = Lake.from_settings(settings)
    with write_lock(lake):
        lake.recover()
        counts = with_retries(compact_task, settings)(quote(lake))
        with_retries(warehouse_task, settings)(quote(lake))
    return counts


@flow(name="newsevents-nightly")
def nightly(data_dir: str = "data") -> dict:
    """Compact the lake, then rebuild the events and the warehouse from it.

    Args:
        data_dir: the lake and warehouse location: a local folder or ``s3://bucket/prefix``.
    """
    return {"compact": compact(data_dir=data_dir), "rebuild": rebuild(data_dir=data_dir)}
