"""The deployments of prefect.yaml: they load, `prefect deploy --all` registers them, and their
schedules really run, by a process work pool and by `newsevents serve`, on a real
`prefect server start` (with its scheduler) started by the tests."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import anyio
import yaml

from conftest import FIXTURES, query

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXPECTED = {
    "newsevents-pipeline/inbox-hourly": ("flows/pipeline.py:pipeline", "15 * * * *", {"paths": ["inbox/"], "data_dir": "data"}),
    "newsevents-nightly/nightly-maintenance": ("flows/maintenance.py:nightly", "30 3 * * *", {"data_dir": "data"}),
}


def test_deployments_point_at_flows_with_cron_schedules(monkeypatch):
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint

    config = yaml.safe_load((REPO / "prefect.yaml").read_text())
    monkeypatch.chdir(REPO)
    found = {}
    for deployment in config["deployments"]:
        flow = load_flow_from_entrypoint(deployment["entrypoint"])
        assert set(deployment["parameters"]) <= set(flow.parameters.properties)
        for schedule in deployment["schedules"]:
            CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])  # raises on a bad cron or zone
        found[f"{flow.name}/{deployment['name']}"] = (
            deployment["entrypoint"], deployment["schedules"][0]["cron"], deployment["parameters"]
        )
    assert found == EXPECTED


def test_flow_parameters_are_typed_and_documented():
    from flows.maintenance import nightly
    from flows.pipeline import pipeline

    for flow, names in ((pipeline, {"paths", "data_dir", "shard_max_bytes", "workers", "dask_address"}), (nightly, {"data_dir"})):
        properties = flow.parameters.properties
        assert set(properties) == names
        for name, schema in properties.items():
            assert schema.get("description"), f"{flow.name}: parameter {name} has no description"
            assert "type" in schema or "anyOf" in schema, f"{flow.name}: parameter {name} has no type"


def read_deployments(api_url: str, names: list[str]) -> list:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def read():
        async with get_client() as client:
            return [await client.read_deployment_by_name(name) for name in names]

    with temporary_settings({PREFECT_API_URL: api_url}):
        return anyio.run(read)


def test_prefect_deploys_them_with_their_schedules(prefect_api):
    prefect = str(BIN / "prefect")
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "NEWSEVENTS_HOME": str(REPO)}
    pool = subprocess.run([prefect, "work-pool", "create", "local", "--type", "process"], cwd=REPO, env=env, capture_output=True, text=True)
    assert pool.returncode == 0 or "already exists" in pool.stdout + pool.stderr, pool.stderr
    deploy = subprocess.run([prefect, "--no-prompt", "deploy", "--all"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    for (entrypoint, cron, parameters), deployment in zip(EXPECTED.values(), read_deployments(prefect_api, list(EXPECTED))):
        assert deployment.entrypoint == entrypoint
        assert [s.schedule.cron for s in deployment.schedules] == [cron]
        assert deployment.parameters == parameters


def soon_file(tmp_path: Path, inputs: Path, data_dir: Path, name: str, pool: str) -> Path:
    """prefect.yaml with the pipeline deployment only, named ``name``, over ``inputs``, its first run soon."""
    config = yaml.safe_load((REPO / "prefect.yaml").read_text())
    (deployment,) = [d for d in config["deployments"] if d["name"] == "inbox-hourly"]
    anchor = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=40)  # past the time `prefect deploy` takes
    deployment.update(
        name=name,
        parameters={"paths": [str(inputs)], "data_dir": str(data_dir)},
        schedules=[{"interval": 3600, "anchor_date": anchor.isoformat(), "timezone": "UTC"}],
        work_pool={"name": pool},
    )
    config["deployments"] = [deployment]
    path = tmp_path / "prefect.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def wait_for_completed_run(api_url: str, deployment_name: str, timeout: float = 240) -> object:
    """The first flow run of the deployment once it is final; fails if none ends in time."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def runs():
        async with get_client() as client:
            return await client.read_flow_runs(deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment_name])))

    deadline = time.monotonic() + timeout
    with temporary_settings({PREFECT_API_URL: api_url}):
        while time.monotonic() < deadline:
            final = [r for r in anyio.run(runs) if r.state and r.state.is_final()]
            if final:
                return final[0]
            time.sleep(2)
    raise AssertionError(f"no run of {deployment_name} ended within {timeout} s")


def stop(proc: subprocess.Popen, sig: int, grace: float = 60) -> str:
    """Send ``sig`` to the process group of ``proc`` and return its output; past ``grace``
    seconds it is killed with a warning. (In whole-suite runs on a clean clone, Prefect's
    process worker and ``newsevents serve`` have not ended after their run, cause unknown;
    run alone they end within a second. The run's own results are still checked.)"""
    os.killpg(proc.pid, sig)
    try:
        return proc.communicate(timeout=grace)[0] or ""
    except subprocess.TimeoutExpired:
        warnings.warn(f"{proc.args[:3]} did not end within {grace:.0f} s of signal {sig}: killed")
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.communicate()[0] or ""


def inputs_copy(tmp_path: Path) -> Path:
    inputs = tmp_path / "inputs"
    shutil.copytree(FIXTURES, inputs)
    return inputs


def test_a_work_pool_runs_the_scheduled_deployment(local_server, tmp_path):
    prefect = str(BIN / "prefect")
    env = {**os.environ, "PREFECT_API_URL": local_server["api_url"], "NEWSEVENTS_HOME": str(REPO)}
    data_dir = tmp_path / "data"
    config = soon_file(tmp_path, inputs_copy(tmp_path), data_dir, "inbox-soon-pool", "soon-pool")
    pool = subprocess.run([prefect, "work-pool", "create", "soon-pool", "--type", "process"], env=env, capture_output=True, text=True)
    assert pool.returncode == 0, pool.stdout + pool.stderr
    deploy = subprocess.run([prefect, "--no-prompt", "deploy", "--all", "--prefect-file", str(config)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    worker = subprocess.Popen([prefect, "worker", "start", "--pool", "soon-pool"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        run = wait_for_completed_run(local_server["api_url"], "inbox-soon-pool")
    finally:
        stop(worker, signal.SIGTERM)
    assert run.state.is_completed(), run.state
    assert run.auto_scheduled
    assert query(data_dir, "select count(*) from articles where doc_id = 't-001'") == [(1,)]


def test_newsevents_serve_runs_the_schedule_and_publishes_artifacts(local_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.settings import PREFECT_API_URL, temporary_settings

    env = {**os.environ, "PREFECT_API_URL": local_server["api_url"]}
    data_dir = tmp_path / "data"
    config = soon_file(tmp_path, inputs_copy(tmp_path), data_dir, "inbox-soon-served", "unused")
    served = subprocess.Popen([str(BIN / "newsevents"), "serve", "--file", str(config)], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        run = wait_for_completed_run(local_server["api_url"], "inbox-soon-served")
    finally:
        output = stop(served, signal.SIGINT)
    assert run.state.is_completed(), output
    assert run.auto_scheduled
    assert query(data_dir, "select count(*) from articles where doc_id = 't-001'") == [(1,)]

    async def artifacts():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["newsevents-run-report", "newsevents-run-table"]))
            )

    with temporary_settings({PREFECT_API_URL: local_server["api_url"]}):
        found = {a.key: a for a in anyio.run(artifacts) if a.flow_run_id == run.id}
    assert set(found) == {"newsevents-run-report", "newsevents-run-table"}
    articles = query(data_dir, "select count(*) from articles where duplicate_of is null")[0][0]
    assert f"| articles new | {articles:,} |" in found["newsevents-run-report"].data
