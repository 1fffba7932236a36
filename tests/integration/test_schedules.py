"""The scheduled deployments: how they are built (fast), and that a real Prefect server's
scheduler turns them into scheduled flow runs (integration).

The session's `prefect_server` (`prefect_test_harness`) cannot prove the second: it runs
an ephemeral server (`PREFECT__SERVER_EPHEMERAL=1`), which starts no scheduler service, and
creating a deployment through the API schedules no run by itself. So these tests start a
real `prefect server start` on 127.0.0.1 with its own PREFECT_HOME and a 1-second scheduler
loop, and wait for the runs the scheduler creates (SQLAlchemy 2.1 silently broke exactly
that).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import yaml

from csreview.settings import Settings, load_settings
from flows import deploy
from flows.deploy import DEFAULT_SCHEDULES, ScheduleSpec, deployments, tenants_deployments
from tests.integration.servers import PREFECT, PrefectServer, free_port, prefect_server

ROOT = Path(__file__).parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHEDULE_SECONDS = 60  # the scheduler loop runs every second here: ~2 s
SOURCE = "postgresql+psycopg2://review:${CC_DB_PASSWORD}@db.internal/contact_centre"


# ---------------------------------------------------------------- fast: no server
def test_one_deployment_per_cadence_reviewing_the_previous_period() -> None:
    built = deployments(
        SOURCE, out="/srv/reviews", store_url=None, config=None, tenant=None, timezone="UTC"
    )

    assert [d.name for d in built] == ["monthly", "quarterly"]
    monthly, quarterly = built
    for d, cron in ((monthly, "0 6 8 * *"), (quarterly, "0 7 8 1,4,7,10 *")):
        assert d.flow_name == "service-quality-review"
        assert d.entrypoint == "flows.review.review"
        assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in d.schedules] == [
            (cron, "UTC", True)
        ]
        assert d.tags == ["csreview", d.name]
        assert d.description
    assert monthly.parameters == {
        "cadence": "monthly",
        "period": "previous",
        "source": SOURCE,
        "out": "/srv/reviews",
        "store_url": None,
        "config": None,
        "tenant": None,
    }
    assert quarterly.parameters["cadence"] == "quarterly"
    assert quarterly.parameters["period"] == "previous"


def test_a_tenant_gets_its_own_deployments_and_a_spec_may_fix_its_zone() -> None:
    specs = (ScheduleSpec("monthly", "30 5 8 * *", timezone="Europe/Berlin"),)
    (d,) = deployments(
        "/data/acme",
        out=None,
        store_url="sqlite:////srv/store.sqlite",
        config="/etc/csreview/acme.toml",
        tenant="acme",
        timezone="Asia/Shanghai",
        schedules=specs,
    )

    assert d.name == "acme-monthly"
    assert d.tags == ["csreview", "monthly", "acme"]
    assert d.schedules[0].schedule.timezone == "Europe/Berlin"
    assert d.parameters["tenant"] == "acme"
    assert d.parameters["config"] == "/etc/csreview/acme.toml"
    assert d.parameters["store_url"] == "sqlite:////srv/store.sqlite"


def test_serve_uses_the_settings_zone_and_absolute_paths(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    served: list[Any] = []
    monkeypatch.setattr(deploy, "check_server", lambda: "http://127.0.0.1:4200/api")
    monkeypatch.setattr(deploy.prefect, "serve", lambda *ds, **_: served.extend(ds))
    watching: list[threading.Event] = []
    monkeypatch.setattr(
        deploy.late, "start_watching", lambda _: watching.append(threading.Event()) or watching[-1]
    )
    monkeypatch.setenv("CSREVIEW_TIMEZONE", "Europe/London")
    monkeypatch.chdir(tmp_path)

    deploy.serve("csv-folder", out="reviews", store_url="sqlite:///store.sqlite")

    assert [d.name for d in served] == ["monthly", "quarterly"]
    assert {d.schedules[0].schedule.timezone for d in served} == {"Europe/London"}
    assert served[0].parameters["source"] == str(tmp_path.resolve() / "csv-folder")
    assert served[0].parameters["out"] == str(tmp_path.resolve() / "reviews")
    assert served[0].parameters["store_url"] == "sqlite:///store.sqlite"  # a URL: as given
    assert len(watching) == 1 and watching[0].is_set()  # late runs were watched while serving


def test_serving_refuses_to_start_without_a_prefect_server() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # without PREFECT_API_URL Prefect would serve on a temporary server with no scheduler
    unset = temporary_settings(restore_defaults={PREFECT_API_URL})
    with unset, pytest.raises(deploy.ServeError, match="set PREFECT_API_URL"):
        deploy.check_server()
    nobody = temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api"})
    with nobody, pytest.raises(deploy.ServeError, match="does not answer"):
        deploy.check_server()


def test_prefect_yaml_registers_the_same_schedules_on_the_work_pool() -> None:
    from prefect.cli.deploy._models import PrefectYamlModel, RawScheduleConfig

    config = PrefectYamlModel.model_validate(
        yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))
    )

    assert not config.push
    assert not config.pull  # `prefect deploy` records set_working_directory to the project
    default_zone = Settings.model_fields["timezone"].default
    want = {s.cadence: (s.cron, s.timezone or default_zone) for s in DEFAULT_SCHEDULES}
    by_name = {d.name: d for d in config.deployments}
    assert sorted(by_name) == sorted(
        ["monthly", "quarterly", "tenants-monthly", "tenants-quarterly", "tenant"]
    )
    for d in config.deployments:
        assert d.work_pool is not None
        assert d.work_pool.name == "csreview"
    got, got_tenants = {}, {}
    for cadence in want:
        one, every = by_name[cadence], by_name[f"tenants-{cadence}"]
        assert one.entrypoint == "flows/review.py:review"
        assert every.entrypoint == "flows/tenants.py:review_tenants"
        assert one.parameters == {
            "cadence": cadence,
            "period": "previous",
            "source": "{{ $CSREVIEW_SOURCE }}",
        }
        assert every.parameters == {"cadence": cadence, "period": "previous"}
        assert one.tags == ["csreview", cadence]
        assert every.tags == ["csreview", cadence, "tenants"]
        (schedule,) = one.schedules or []
        (tenants_schedule,) = every.schedules or []
        assert isinstance(schedule, RawScheduleConfig)
        assert isinstance(tenants_schedule, RawScheduleConfig)
        got[cadence] = (schedule.cron, schedule.timezone)
        got_tenants[cadence] = (tenants_schedule.cron, tenants_schedule.timezone)
    assert got == got_tenants == want
    tenant = by_name["tenant"]  # the per-tenant runs the fan-out starts: never scheduled
    assert tenant.entrypoint == "flows/review.py:review" and not tenant.schedules
    assert f"service-quality-review/{tenant.name}" == Settings().tenant_deployment


def test_with_a_tenants_file_the_schedules_review_every_tenant() -> None:
    built = tenants_deployments(
        "/etc/csreview/tenants.toml",
        out="/srv/reviews",
        store_url=None,
        config=None,
        timezone="UTC",
    )

    assert [(d.name, d.flow_name) for d in built] == [
        ("tenants-monthly", "service-quality-reviews"),
        ("tenants-quarterly", "service-quality-reviews"),
        ("tenant", "service-quality-review"),
    ]
    monthly, quarterly, tenant = built
    assert monthly.entrypoint == "flows.tenants.review_tenants"
    assert monthly.parameters == {
        "cadence": "monthly",
        "period": "previous",
        "tenants_file": "/etc/csreview/tenants.toml",
        "out": "/srv/reviews",
        "store_url": None,
        "config": None,
    }
    assert quarterly.schedules[0].schedule.cron == "0 7 8 1,4,7,10 *"
    assert not tenant.schedules
    assert tenant.parameters["tenants_file"] == "/etc/csreview/tenants.toml"


# ---------------------------------------------------------------- a real server
@pytest.fixture(scope="module")
def scheduler_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """A real Prefect server with its scheduler (loop shortened to 1 s) on 127.0.0.1."""
    with prefect_server(
        tmp_path_factory.mktemp("prefect-scheduler-home"),
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="1",
        PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS="1",
    ) as server:
        yield server


@pytest.fixture
def api(scheduler_server: PrefectServer) -> Iterator[str]:
    """This process's Prefect client pointed at the real server for one test."""
    with scheduler_server.settings() as api_url:
        yield api_url


def _scheduled_runs(deployment_id: UUID) -> list[Any]:
    """The deployment's SCHEDULED flow runs, once the server's scheduler has made some."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    deadline = time.monotonic() + SCHEDULE_SECONDS
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(
                        type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])
                    )
                ),
            )
            if runs:
                return runs
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the server's scheduler created no SCHEDULED run for deployment "
                    f"{deployment_id} in {SCHEDULE_SECONDS} s (is SQLAlchemy < 2.1?)"
                )
            time.sleep(0.5)


def _assert_on_schedule(runs: list[Any], hour: int, months: set[int], span: timedelta) -> None:
    """Every run at HOUR:00 on the 8th of one of MONTHS, Shanghai time; the first one within
    SPAN from now."""
    now = datetime.now(SHANGHAI)
    starts = sorted(r.expected_start_time.astimezone(SHANGHAI) for r in runs)
    assert all(r.auto_scheduled for r in runs)
    assert [(s.day, s.hour, s.minute, s.month in months) for s in starts] == [
        (8, hour, 0, True)
    ] * len(starts)
    assert now < starts[0] <= now + span


@pytest.mark.integration
@pytest.mark.timeout(150)
@pytest.mark.usefixtures("api")
def test_the_server_schedules_runs_of_the_applied_monthly_deployment() -> None:
    monthly, _ = deployments(
        SOURCE,
        out=None,
        store_url=None,
        config=None,
        tenant="schedule-test",
        timezone="Asia/Shanghai",
    )

    runs = _scheduled_runs(monthly.apply())

    _assert_on_schedule(runs, 6, set(range(1, 13)), timedelta(days=31))
    assert {r.parameters["period"] for r in runs} == {"previous"}
    assert {r.parameters["cadence"] for r in runs} == {"monthly"}
    assert {r.parameters["tenant"] for r in runs} == {"schedule-test"}


@pytest.mark.integration
@pytest.mark.timeout(150)
@pytest.mark.usefixtures("api")
def test_prefect_deploy_registers_prefect_yaml_on_the_work_pool(
    scheduler_server: PrefectServer, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client

    # `prefect deploy` reads ./prefect.yaml: run it from a copy, never in the shared tree
    shutil.copy(ROOT / "prefect.yaml", tmp_path / "prefect.yaml")
    (tmp_path / "flows").symlink_to(ROOT / "flows", target_is_directory=True)
    env = scheduler_server.env(CSREVIEW_SOURCE=SOURCE)
    for command in (
        ["work-pool", "create", "csreview", "--type", "process", "--overwrite"],
        ["--no-prompt", "deploy", "--all"],
    ):
        done = subprocess.run(
            [str(PREFECT), *command], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr

    with get_client(sync_client=True) as client:
        found = {
            name: client.read_deployment_by_name(f"service-quality-review/{name}")
            for name in ("monthly", "quarterly")
        }
    for name, d in found.items():
        assert d.work_pool_name == "csreview"
        assert d.entrypoint == "flows/review.py:review"
        assert d.parameters == {"cadence": name, "period": "previous", "source": SOURCE}
        assert d.pull_steps == [
            {
                "prefect.deployments.steps.set_working_directory": {
                    "directory": str(tmp_path.resolve())
                }
            }
        ]
        assert [s.schedule.timezone for s in d.schedules] == ["Asia/Shanghai"]
    _assert_on_schedule(
        _scheduled_runs(found["quarterly"].id), 7, {1, 4, 7, 10}, timedelta(days=92)
    )


@pytest.mark.integration
@pytest.mark.timeout(120)
@pytest.mark.usefixtures("api")
def test_a_run_that_never_starts_alerts_the_data_engineers_once(tmp_path: Path) -> None:
    from email import policy
    from email.parser import BytesParser

    from prefect.client.orchestration import get_client
    from prefect.states import Scheduled

    from flows.late import alert_late, late_runs
    from tests.tasks.deliver.smtp_servers import smtp_server

    (monthly, _) = deployments(
        SOURCE, out=None, store_url=None, config=None, tenant="late-test", timezone="UTC"
    )
    deployment_id = monthly.apply()
    now = datetime.now(SHANGHAI)
    with get_client(sync_client=True) as client:  # due 45 minutes ago; no worker takes it
        run = client.create_flow_run_from_deployment(
            deployment_id, state=Scheduled(scheduled_time=now - timedelta(minutes=45))
        )
        on_time = client.create_flow_run_from_deployment(
            deployment_id, state=Scheduled(scheduled_time=now - timedelta(minutes=5))
        )

    late = {r.id for r in late_runs(now, timedelta(minutes=30))}
    assert str(run.id) in late and str(on_time.id) not in late

    with smtp_server() as (port, inbox):
        config = tmp_path / "c.toml"
        config.write_text(
            f'smtp_url = "smtp://127.0.0.1:{port}"\nalert_to = ["de@example.com"]\n'
            "late_after_minutes = 30\n"
        )
        settings = load_settings(config)
        alerted: set[str] = set()
        first = alert_late(settings, now, alerted)
        again = alert_late(settings, now, alerted)

    assert str(run.id) in {r.id for r in first} and again == []
    received = [
        BytesParser(policy=policy.default).parsebytes(e.content)  # type: ignore[arg-type]
        for e in inbox.envelopes
    ]
    mine = [m for m in received if run.name in str(m["Subject"])]
    assert len(mine) == 1
    body = mine[0].get_body().get_content()  # type: ignore[union-attr]
    assert "tenant: late-test  cadence: monthly  period: previous" in body
    assert "45 minutes ago" in body and "step: not started" in body
