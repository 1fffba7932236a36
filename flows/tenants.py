"""The scheduled run of every tenant: one child flow run of the review per tenant, a few at a
time, one failing tenant never stopping the others.

Where each tenant's review runs is a setting (`tenant_runner`): child processes of this run
(the default: reviews share no interpreter state), a Dask cluster, or runs of the
`tenant_deployment` deployment picked up by any worker of its pool (the scale-out topology
of docs/operations.md).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from csreview.periods import resolve_period
from csreview.settings import ConfigError, Settings, expand_env, load_settings
from csreview.tenants import Tenant, load_tenants
from flows import alerts, faults
from flows.faults import TenantsFailedError


@task(name="tenant-review", cache_policy=NO_CACHE, persist_result=False)
def tenant_review(parameters: dict[str, Any]) -> dict[str, Any]:
    """One tenant's review as a child flow run of this run (in this task's process)."""
    from flows.review import review

    result: dict[str, Any] = review(**parameters)
    return result


@task(name="tenant-review-deployment", cache_policy=NO_CACHE, persist_result=False)
def tenant_review_deployment(deployment: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """One tenant's review as a run of the tenant deployment, on whichever worker takes it."""
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    run = run_deployment(
        deployment, parameters=parameters, as_subflow=True, timeout=None, poll_interval=2
    )
    if not isinstance(run, FlowRun):  # a coroutine: only inside an event loop
        raise TypeError("tenant reviews are started outside an event loop only")
    if run.state is None or not run.state.is_completed():
        message = run.state.message if run.state else "no state"
        raise RuntimeError(f"flow run {run.name} ended {_state_name(run.state)}: {message}")
    return {"flow_run": run.name, "state": run.state.name}


def _state_name(state: Any) -> str:
    return str(state.name) if state is not None else "without a state"


def task_runner(settings: Settings) -> TaskRunner[Any]:
    """The runner that holds `tenant_concurrency` tenant reviews at once."""
    limit = settings.tenant_concurrency
    if settings.tenant_runner == "dask":
        from prefect_dask.task_runners import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=expand_env(settings.dask_address))
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": limit, "threads_per_worker": 1, "processes": True}
        )
    if settings.tenant_runner == "deployment":
        return ThreadPoolTaskRunner(max_workers=limit)  # threads only wait on the workers
    return ProcessPoolTaskRunner(max_workers=limit)


def _run_name() -> str:
    from prefect.runtime import flow_run

    p = flow_run.parameters
    try:
        settings = load_settings(Path(p["config"]) if p.get("config") else None)
        period = resolve_period(p["cadence"], p["period"], datetime.now(settings.zone))
        return f"tenants-{p['cadence']}-{period.label}"
    except (ConfigError, ValueError):
        return f"tenants-{p.get('cadence')}-{p.get('period')}"


@flow(
    name="service-quality-reviews",
    flow_run_name=_run_name,
    validate_parameters=False,
    on_failure=[alerts.on_failure],
)
@faults.guarded
def review_tenants(
    cadence: str,
    period: str,
    config: str | None = None,
    out: str | None = None,
    store_url: str | None = None,
    tenants_file: str | None = None,
) -> dict[str, str]:
    """Review one period of every tenant of the tenants file, each as its own child run."""
    settings = load_settings(
        Path(config) if config else None,
        out_dir=out,
        store_url=store_url,
        tenants_file=tenants_file,
    )
    if settings.tenants_file is None:
        raise ConfigError("no tenants file: set tenants_file (or CSREVIEW_TENANTS_FILE)")
    tenants = load_tenants(settings.tenants_file)
    label = resolve_period(cadence, period, datetime.now(settings.zone)).label
    with task_runner(settings) as runner:
        futures = {
            t.name: _submit(runner, settings, t, cadence, label, config, out, store_url)
            for t in tenants
        }
        outcomes = {name: _outcome(future) for name, future in futures.items()}
    failed = {name: why for name, why in outcomes.items() if not why.startswith("published")}
    if failed:
        raise TenantsFailedError(
            f"{len(failed)} of {len(tenants)} tenants failed: "
            + "; ".join(f"{name}: {why}" for name, why in failed.items())
        )
    return outcomes


def _submit(
    runner: TaskRunner[Any],
    settings: Settings,
    tenant: Tenant,
    cadence: str,
    period: str,
    config: str | None,
    out: str | None,
    store_url: str | None,
) -> PrefectFuture[Any]:
    parameters = {
        "cadence": cadence,
        "period": period,
        "tenant": tenant.name,
        "config": config,
        "out": out,
        "store_url": store_url,
        "tenants_file": str(settings.tenants_file),
    }
    named = tenant_review.with_options(task_run_name=f"review-{tenant.name}")
    if settings.tenant_runner == "deployment":
        deployed = tenant_review_deployment.with_options(task_run_name=f"review-{tenant.name}")
        submitted: PrefectFuture[Any] = runner.submit(
            deployed, {"deployment": settings.tenant_deployment, "parameters": parameters}
        )
    else:
        submitted = runner.submit(named, {"parameters": parameters})
    return submitted


def _outcome(future: PrefectFuture[Any]) -> str:
    """`published: PDF` or why the tenant's review failed, in one line."""
    future.wait()
    result = future.state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        return f"{type(result).__name__}: {result}"
    if isinstance(result, dict) and "pdf" in result:
        return f"published: {result['pdf']}"
    return f"published: {result}"
