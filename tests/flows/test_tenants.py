"""Tenants: the scheduled run reviews every tenant of the tenants file as its own child flow
run, one failing tenant not stopping the others; the command reviews them one by one."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State

from csreview.demo import DemoSpec, generate, to_database
from csreview.periods import Period
from flows.cli import EXIT_USAGE, main
from flows.tenants import review_tenants
from tests.conftest import ZONE
from tests.integration.servers import child_flow_runs

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server", "no_pdf")]
SEPTEMBER = Period("monthly", 2026, 9)


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated centre in an SQLite database."""
    frames = generate(
        DemoSpec(SEPTEMBER, contacts_per_day=80, seed=5), now=datetime(2026, 10, 20, tzinfo=ZONE)
    )
    database = tmp_path_factory.mktemp("tenants") / "centre.sqlite"
    to_database(frames, f"sqlite:///{database}")
    return database


def tenants_file(folder: Path, centre: Path, *names: str) -> Path:
    """Two healthy tenants on one centre (south reads it through `${ENV}`) and one whose
    database is missing."""
    blocks = {
        "north": f'source = "sqlite:///{centre}"\nlanguages = ["zh-CN"]\n',
        "south": 'source = "sqlite:///${SOUTH_DATABASE}"\n[tenant.settings]\nqa_pass_mark = 95\n',
        "broken": f'source = "sqlite:///{folder / "missing.sqlite"}"\n',
    }
    path = folder / "tenants.toml"
    path.write_text(
        "".join(f'[[tenant]]\nname = "{name}"\n{blocks[name]}\n' for name in names), "utf-8"
    )
    return path


def manifest(out: Path, tenant: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (out / tenant / "monthly/2026-09/manifest.json").read_text("utf-8")
    )
    return data


def test_the_command_reviews_each_tenant_with_its_own_settings(
    centre: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOUTH_DATABASE", str(centre))
    tenants = tenants_file(tmp_path, centre, "north", "south", "broken")
    args = ["run", "--cadence", "monthly", "--period", "2026-09", "--out", str(tmp_path)]

    code = main([*args, "--tenants", str(tenants)])

    assert code == EXIT_USAGE  # the worst of the three: broken's database is missing
    north, south = manifest(tmp_path, "north"), manifest(tmp_path, "south")
    assert north["status"] == south["status"] == "published"
    assert north["config"]["language"] == "zh-CN"  # type: ignore[index]
    assert south["config"]["qa_pass_mark"] == 95  # type: ignore[index]
    assert north["config"]["qa_pass_mark"] == 80  # type: ignore[index]
    assert south["source"] == "sqlite:///${SOUTH_DATABASE}"  # as written: no secret expanded
    assert not (tmp_path / "broken/monthly/2026-09").exists()
    assert not (tmp_path / "missing.sqlite").exists()  # no empty database was made
    assert main([*args, "--tenants", str(tenants), "--tenant", "west"]) == EXIT_USAGE


def scheduled_run(tenants: Path, out: Path) -> State[dict[str, str]]:
    """The tenants' flow as a schedule starts it, for September."""
    return review_tenants(
        cadence="monthly",
        period="2026-09",
        out=str(out),
        tenants_file=str(tenants),
        return_state=True,
    )


def test_the_scheduled_run_reviews_every_tenant_as_a_child_run(
    centre: Path, tmp_path: Path
) -> None:
    tenants = tenants_file(tmp_path, centre, "north", "broken")  # a child process each, at once

    state = scheduled_run(tenants, tmp_path / "out")

    assert state.is_failed()
    assert "1 of 2 tenants failed: broken: SourceError: no SQLite database" in str(state.message)
    assert manifest(tmp_path / "out", "north")["status"] == "published"
    with get_client(sync_client=True) as client:
        parent = client.read_flow_run(state.state_details.flow_run_id)  # type: ignore[arg-type]
    children = child_flow_runs(parent.id)
    assert parent.name == "tenants-monthly-2026-09"
    assert sorted((c.name, c.state_name) for c in children) == [
        ("broken-monthly-2026-09", "Failed"),
        ("north-monthly-2026-09", "Completed"),
    ]


def test_tenants_may_run_on_a_dask_cluster(
    centre: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSREVIEW_TENANT_RUNNER", "dask")  # a local cluster of processes
    state = scheduled_run(tenants_file(tmp_path, centre, "north"), tmp_path / "out")

    assert state.is_completed(), state.message
    assert manifest(tmp_path / "out", "north")["status"] == "published"
