"""prefect.yaml declares a loadable, scheduled deployment of the pipeline flow."""
from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def test_deployment_points_at_the_pipeline_with_a_cron_schedule(monkeypatch):
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint

    config = yaml.safe_load((REPO / "prefect.yaml").read_text())
    (deployment,) = config["deployments"]
    monkeypatch.chdir(REPO)
    flow = load_flow_from_entrypoint(deployment["entrypoint"])
    assert flow.name == "newsevents-pipeline"
    assert set(deployment["parameters"]) <= set(flow.parameters.properties)
    for schedule in deployment["schedules"]:
        CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])  # raises on a bad cron or zone


def test_prefect_deploys_it_with_its_schedule(prefect_api, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from prefect.client.orchestration import get_client

    prefect = str(Path(sys.executable).parent / "prefect")
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "NEWSEVENTS_HOME": str(REPO)}
    pool = subprocess.run([prefect, "work-pool", "create", "local", "--type", "process"], cwd=REPO, env=env, capture_output=True, text=True)
    assert pool.returncode == 0 or "already exists" in pool.stdout + pool.stderr, pool.stderr
    deploy = subprocess.run([prefect, "--no-prompt", "deploy", "--all"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr

    import anyio

    async def read():
        async with get_client() as client:
            return await client.read_deployment_by_name("newsevents-pipeline/inbox-hourly")

    deployment = anyio.run(read)
    assert deployment.entrypoint == "flows/pipeline.py:pipeline"
    assert [s.schedule.cron for s in deployment.schedules] == ["15 * * * *"]
    assert deployment.parameters == {"paths": ["inbox/"], "data_dir": "data"}
