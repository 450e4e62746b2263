"""``newsevents serve``: run the deployments declared in ``prefect.yaml`` on their schedules from
one process (Prefect's ``serve``), with no work pool or worker to set up.

The file is the one source of the schedules: ``prefect deploy --all`` reads it for a work
pool, this module for a served process. Each scheduled run starts as a subprocess of
this one. Schedules need a Prefect server (the embedded one cannot schedule).
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import yaml
from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import load_flow_from_entrypoint
from prefect.schedules import Cron, Interval, Schedule

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FILE = REPO / "prefect.yaml"


def schedule_of(spec: dict[str, Any]) -> Schedule:
    """A ``schedules:`` entry of prefect.yaml (``cron`` + ``timezone``, or ``interval`` in seconds
    from an optional ``anchor_date``)."""
    active = spec.get("active", True)
    if "cron" in spec:
        return Cron(spec["cron"], timezone=spec.get("timezone", "UTC"), active=active)
    if "interval" in spec:
        anchor = spec.get("anchor_date")
        return Interval(
            dt.timedelta(seconds=float(spec["interval"])),
            anchor_date=dt.datetime.fromisoformat(str(anchor)) if anchor else None,
            timezone=spec.get("timezone", "UTC"),
            active=active,
        )
    raise ValueError(f"schedule {spec!r}: give cron (with timezone) or interval (seconds, optional anchor_date)")


def deployments(path: str | os.PathLike | None = None) -> list[RunnerDeployment]:
    """The deployments of a prefect.yaml-style file, ready to serve from this checkout."""
    config = yaml.safe_load(Path(path or DEFAULT_FILE).read_text())
    out = []
    for spec in config.get("deployments") or []:
        module_path, _, name = spec["entrypoint"].partition(":")
        flow = load_flow_from_entrypoint(f"{REPO / module_path}:{name}")
        out.append(
            flow.to_deployment(
                name=spec["name"],
                description=spec.get("description"),
                parameters=spec.get("parameters") or {},
                schedules=[schedule_of(s) for s in spec.get("schedules") or []],
                tags=spec.get("tags"),
            )
        )
    if not out:
        raise ValueError(f"no deployments in {path or DEFAULT_FILE}")
    return out


def serve_deployments(path: str | os.PathLike | None = None) -> None:
    """Serve the file's deployments until interrupted (Ctrl-C pauses their schedules)."""
    serve(*deployments(path))
