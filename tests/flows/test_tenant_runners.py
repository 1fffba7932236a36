"""Where tenants' reviews run is a setting: child processes, Dask, or worker deployments."""

from __future__ import annotations

import pytest
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect_dask.task_runners import DaskTaskRunner

from csreview.settings import load_settings
from flows.tenants import task_runner


@pytest.mark.parametrize(
    ("values", "kind", "workers"),
    [
        ({}, ProcessPoolTaskRunner, 2),
        ({"tenant_concurrency": 3}, ProcessPoolTaskRunner, 3),
        ({"tenant_runner": "deployment", "tenant_concurrency": 4}, ThreadPoolTaskRunner, 4),
    ],
)
def test_the_runner_holds_the_concurrency_limit(
    values: dict[str, object], kind: type, workers: int
) -> None:
    runner = task_runner(load_settings(**values))
    assert isinstance(runner, kind)
    assert runner._max_workers == workers  # type: ignore[attr-defined]


def test_dask_runs_on_a_given_scheduler_or_a_local_cluster_of_processes() -> None:
    remote = task_runner(load_settings(tenant_runner="dask", dask_address="tcp://10.0.0.5:8786"))
    local = task_runner(load_settings(tenant_runner="dask", tenant_concurrency=3))

    assert isinstance(remote, DaskTaskRunner) and isinstance(local, DaskTaskRunner)
    assert remote.address == "tcp://10.0.0.5:8786"
    assert local.cluster_kwargs == {"n_workers": 3, "threads_per_worker": 1, "processes": True}
