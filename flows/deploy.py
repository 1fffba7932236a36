"""The scheduled deployments of the review flow: one per cadence, each reviewing the period
that has just ended ("previous", on the centre's clock).

`csreview serve` serves them from this process (`prefect.serve`); worker mode registers the
same from `prefect.yaml` (`prefect --no-prompt deploy --name ...`). Keep both in step.

With a tenants file the scheduled deployments run `service-quality-reviews` (every tenant,
each as a child run) instead, beside an unscheduled `tenant` deployment of the review that
the fan-out uses when `tenant_runner = "deployment"`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import prefect
from prefect.client.orchestration import get_client
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL
from prefect.types.entrypoint import EntrypointType

from csreview.periods import PREVIOUS
from csreview.settings import load_settings
from flows import late
from flows.review import review
from flows.tenants import review_tenants


class ServeError(Exception):
    """No Prefect server to schedule the runs; the message says what to do."""


@dataclass(frozen=True)
class ScheduleSpec:
    """When one cadence is reviewed; `timezone` None means the centre's (the settings')."""

    cadence: str
    cron: str
    timezone: str | None = None


DEFAULT_SCHEDULES: tuple[ScheduleSpec, ...] = (
    # 06:00 on the 8th: the previous month's 7-day repeat-contact window has closed
    ScheduleSpec("monthly", "0 6 8 * *"),
    # 07:00 on the 8th day of each quarter, after that morning's monthly review
    ScheduleSpec("quarterly", "0 7 8 1,4,7,10 *"),
)


def deployment_name(cadence: str, tenant: str | None = None) -> str:
    """`monthly`, or `acme-monthly` for a tenant (one server may hold several tenants)."""
    return f"{tenant}-{cadence}" if tenant else cadence


def deployments(
    source: str,
    *,
    out: str | None = None,
    store_url: str | None = None,
    config: str | None = None,
    tenant: str | None = None,
    timezone: str,
    schedules: tuple[ScheduleSpec, ...] = DEFAULT_SCHEDULES,
) -> list[RunnerDeployment]:
    """One deployment of the review flow per schedule; runs review the previous period."""
    built: list[RunnerDeployment] = []
    for spec in schedules:
        parameters: dict[str, Any] = {
            "cadence": spec.cadence,
            "period": PREVIOUS,
            "source": source,
            "out": out,
            "store_url": store_url,
            "config": config,
            "tenant": tenant,
        }
        deployment = review.to_deployment(
            name=deployment_name(spec.cadence, tenant),
            schedules=[Cron(spec.cron, timezone=spec.timezone or timezone)],
            parameters=parameters,
            tags=["csreview", spec.cadence, *([tenant] if tenant else [])],
            description=(
                f"The {spec.cadence} service-quality review of "
                f"{tenant or 'the default tenant'}: the previous {spec.cadence[:-2]} "
                f"(cron {spec.cron!r})."
            ),
            # runs import `flows.review` (an installed package), whatever the cwd
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        built.append(_runner_deployment(deployment))
    return built


TENANT_DEPLOYMENT = "tenant"  # of the review flow: `service-quality-review/tenant`


def tenants_deployments(
    tenants_file: str,
    *,
    out: str | None = None,
    store_url: str | None = None,
    config: str | None = None,
    timezone: str,
    schedules: tuple[ScheduleSpec, ...] = DEFAULT_SCHEDULES,
) -> list[RunnerDeployment]:
    """One scheduled deployment per cadence reviewing every tenant of the file, and the
    unscheduled per-tenant review the fan-out may start on any worker."""
    shared: dict[str, Any] = {"out": out, "store_url": store_url, "config": config}
    built = [
        _runner_deployment(
            review_tenants.to_deployment(
                name=f"tenants-{spec.cadence}",
                schedules=[Cron(spec.cron, timezone=spec.timezone or timezone)],
                parameters={
                    "cadence": spec.cadence,
                    "period": PREVIOUS,
                    "tenants_file": tenants_file,
                    **shared,
                },
                tags=["csreview", spec.cadence, "tenants"],
                description=(
                    f"The {spec.cadence} service-quality review of every tenant in "
                    f"{tenants_file}: the previous {spec.cadence[:-2]} (cron {spec.cron!r})."
                ),
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
        for spec in schedules
    ]
    tenant = review.to_deployment(
        name=TENANT_DEPLOYMENT,
        parameters={"tenants_file": tenants_file, **shared},
        tags=["csreview", "tenant"],
        description="One tenant's review, started by the tenants' scheduled runs.",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return [*built, _runner_deployment(tenant)]


def _runner_deployment(deployment: Any) -> RunnerDeployment:
    if not isinstance(deployment, RunnerDeployment):  # a coroutine inside an event loop
        deployment.close()
        raise TypeError("deployments are built outside an event loop only")
    return deployment


def serve(
    source: str | None,
    *,
    config: str | None = None,
    out: str | None = None,
    store_url: str | None = None,
    tenant: str | None = None,
    tenants_file: str | None = None,
) -> None:
    """Serve the scheduled deployments until interrupted (blocks); the schedules follow the
    settings' time zone. Paths are made absolute: the runs are kept on the server. With a
    tenants file (and no source), every tenant of it is reviewed."""
    settings = load_settings(
        Path(config) if config else None,
        out_dir=out,
        store_url=store_url,
        tenants_file=tenants_file,
    )
    check_server()
    shared: dict[str, Any] = {
        "out": _absolute(out) if out else None,
        "store_url": store_url,
        "config": _absolute(config) if config else None,
        "timezone": settings.timezone,
    }
    if source is None:
        if settings.tenants_file is None:
            raise ServeError("nothing to serve: pass a source or a tenants file")
        served = tenants_deployments(_absolute(str(settings.tenants_file)), **shared)
    else:
        served = deployments(
            _absolute(source) if "://" not in source else source, tenant=tenant, **shared
        )
    stop = late.start_watching(settings)
    try:
        prefect.serve(*served, limit=settings.tenant_concurrency + 1)
    finally:
        stop.set()


def check_server() -> str:
    """The API of the Prefect server whose scheduler will create the runs. Without
    PREFECT_API_URL, Prefect would serve against a temporary server that has no scheduler:
    nothing would ever run, silently."""
    api: str | None = PREFECT_API_URL.value()
    if not api:
        raise ServeError(
            "serving needs a Prefect server with its scheduler: start one "
            "(prefect server start) and set PREFECT_API_URL"
        )
    with get_client(sync_client=True) as client:
        error = client.api_healthcheck()
    if error is not None:
        raise ServeError(f"the Prefect server at {api} does not answer: {error}")
    return api


def _absolute(path: str) -> str:
    return str(Path(path).expanduser().resolve())
