"""Worker mode end to end: a real Prefect server (its database on PostgreSQL) and process
workers on 127.0.0.1, the deployments registered from `prefect.yaml`, the monthly one
triggered through the API.

What a data engineer does (docs/operations.md): create the `csreview` process work pool,
`prefect --no-prompt deploy --all` from the project root with CSREVIEW_SOURCE set, start
`prefect worker start --pool csreview` where the CSREVIEW_* settings live. The run it
picks up must publish the review and leave its artifacts on the server.
"""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from csreview.demo import DemoSpec, generate, to_database
from csreview.messy_export import plant_bad_rows
from flows.audit import verify
from tests.conftest import OCTOBER, ZONE
from tests.integration.servers import PREFECT, PrefectServer, child_flow_runs, start, stop

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
RUN_SECONDS = 240  # the worker polls every second; the flow run itself takes ~30 s
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZONE)


@pytest.fixture(scope="module")
def server(
    prefect_api_server: PrefectServer, tmp_path_factory: pytest.TempPathFactory
) -> PrefectServer:
    """The session's server with the `csreview` process pool and every deployment of
    `prefect.yaml` registered on it, CSREVIEW_SOURCE pointing at the demo centre."""
    source = demo_source(tmp_path_factory.mktemp("worker-source"))
    pool = ("work-pool", "create", "csreview", "--type", "process", "--overwrite")
    prefect_cli(prefect_api_server, *pool, env={})  # made again when the module comes back
    prefect_cli(
        prefect_api_server, "--no-prompt", "deploy", "--all", env={"CSREVIEW_SOURCE": source}
    )
    return prefect_api_server


def source_of(deployment: str, server: PrefectServer) -> str:
    from prefect.client.orchestration import get_client

    with server.settings(), get_client(sync_client=True) as client:
        return str(client.read_deployment_by_name(deployment).parameters["source"])


def demo_source(folder: Path) -> str:
    """October 2026 of the demo contact centre, with its planted bad rows, in SQLite."""
    frames = generate(DemoSpec(OCTOBER, months=1, contacts_per_day=60), now=NOW)
    messy, _ = plant_bad_rows(frames, OCTOBER, ZONE)
    url = f"sqlite:///{folder / 'centre.sqlite'}"
    to_database(messy, url)
    return url


def prefect_cli(server: PrefectServer, *args: str, env: dict[str, str]) -> None:
    """One `prefect` command, run from the project root (as `prefect deploy` must be)."""
    done = subprocess.run(
        [str(PREFECT), *args],
        cwd=ROOT,
        env=server.env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def artifacts_of(flow_run_id: Any) -> dict[str, Any]:
    """The flow run's artifacts on the server, by key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found}


def run_on_workers(
    server: PrefectServer, deployment: str, folder: Path, workers: int = 1, **settings: str
) -> Any:
    """Start WORKERS process workers on the `csreview` pool with SETTINGS in their
    environment, run DEPLOYMENT for October 2026 through the API, wait for it to end, stop
    the workers; the flow run, which must have completed."""
    from prefect.deployments import run_deployment

    command = [str(PREFECT), "worker", "start", "--pool", "csreview", "--type", "process"]
    env = server.env(PREFECT_WORKER_QUERY_SECONDS="1", **settings)
    logs = [folder / f"worker-{i}.log" for i in range(1, workers + 1)]
    # cwd: the deployment's pull step moves the flow run to the project root
    started = [start([*command, "--name", log.stem], log, env, folder) for log in logs]
    try:
        with server.settings():
            run = run_deployment(
                deployment, parameters={"period": "2026-10"}, timeout=RUN_SECONDS, poll_interval=1
            )
    finally:
        for worker in started:
            stop(worker)
    text = "\n".join(log.read_text() for log in logs)
    assert run.state is not None and run.state.is_completed(), f"{run.name} {run.state}:\n{text}"
    return run


@pytest.mark.timeout(RUN_SECONDS + 120)
def test_a_worker_runs_the_monthly_deployment_triggered_through_the_api(
    server: PrefectServer, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client

    out = tmp_path / "reviews"
    source = source_of("service-quality-review/monthly", server)
    run = run_on_workers(
        server,
        "service-quality-review/monthly",
        tmp_path,
        CSREVIEW_OUT_DIR=str(out),
        CSREVIEW_STORE_URL=f"sqlite:///{tmp_path / 'store.sqlite'}",
    )
    with server.settings(), get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("service-quality-review/monthly")
        artifacts = artifacts_of(run.id)

    assert run.name == "default-monthly-2026-10"
    assert run.parameters["source"] == source
    assert deployment.pull_steps == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT.resolve())}}
    ]
    published = out / "monthly" / "2026-10"
    manifest = json.loads((published / "manifest.json").read_text("utf-8"))
    assert (manifest["status"], manifest["period"], manifest["reissue"]) == (
        "published",
        "2026-10",
        0,
    )
    assert verify(published) == 0
    reader = PdfReader(published / "review.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert 8 <= len(reader.pages) <= 60
    assert "Monthly service-quality review" in text and "Review of 2026-10" in text
    with (published / "kpis.csv").open(encoding="utf-8") as handle:
        overall = {r["kpi"] for r in csv.DictReader(handle) if r["dimension"] == "all"}

    assert set(artifacts) == {"review-summary", "review-kpis", "review-pdf"}
    assert [artifacts[k].type for k in ("review-summary", "review-kpis", "review-pdf")] == [
        "markdown",
        "table",
        "markdown",  # Prefect stores a link artifact as markdown
    ]
    summary = str(artifacts["review-summary"].data)
    assert summary.startswith("# default monthly 2026-10")
    assert "| service_level |" in summary and "## Top problems" in summary
    table = artifacts["review-kpis"].data
    rows = json.loads(table) if isinstance(table, str) else table
    assert {r["kpi"] for r in rows} == overall
    assert (published / "review.pdf").absolute().as_uri() in str(artifacts["review-pdf"].data)


@pytest.mark.timeout(RUN_SECONDS + 120)
def test_two_workers_share_the_tenants_of_a_scheduled_run(
    server: PrefectServer, tmp_path: Path
) -> None:
    """The scale-out topology: the tenants' run starts one `tenant` deployment run per
    tenant, which the pool's workers take; each is a child of the tenants' run."""
    from prefect.client.orchestration import get_client

    out = tmp_path / "reviews"
    database = source_of("service-quality-review/monthly", server)
    tenants = tmp_path / "tenants.toml"
    tenants.write_text(
        "".join(f'[[tenant]]\nname = "{n}"\nsource = "{database}"\n' for n in ("north", "south"))
    )
    run = run_on_workers(
        server,
        "service-quality-reviews/tenants-monthly",
        tmp_path,
        workers=2,
        CSREVIEW_OUT_DIR=str(out),
        CSREVIEW_STORE_URL=f"sqlite:///{tmp_path / 'store.sqlite'}",
        CSREVIEW_TENANTS_FILE=str(tenants),
        CSREVIEW_TENANT_RUNNER="deployment",
    )
    with server.settings(), get_client(sync_client=True) as client:
        tenant_deployment = client.read_deployment_by_name("service-quality-review/tenant")
        children = child_flow_runs(run.id)

    assert run.name == "tenants-monthly-2026-10"
    assert sorted(c.name for c in children) == ["north-monthly-2026-10", "south-monthly-2026-10"]
    assert {c.deployment_id for c in children} == {tenant_deployment.id}
    assert all(c.state_name == "Completed" for c in children)
    for name in ("north", "south"):
        manifest = json.loads((out / name / "monthly/2026-10/manifest.json").read_text("utf-8"))
        assert (manifest["tenant"], manifest["status"]) == (name, "published")
    if server.database_url:  # the server keeps its runs on PostgreSQL, as in production
        import sqlalchemy as sa

        engine = sa.create_engine(server.database_url.replace("+asyncpg", "+psycopg2"))
        try:
            with engine.connect() as conn:
                names = conn.execute(
                    sa.text("SELECT name FROM flow_run WHERE name LIKE '%-monthly-2026-10'")
                ).scalars()
                stored = set(names)
        finally:
            engine.dispose()
        assert {"tenants-monthly-2026-10", "north-monthly-2026-10"} <= stored
