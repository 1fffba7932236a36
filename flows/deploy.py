"""The scheduled deployments of the review flow: one per cadence, each reviewing the period
that has just ended ("previous", on the centre's clock).

`csreview serve` serves them from this process (`prefect.serve`); worker mode registers the
same two from `prefect.yaml` (`prefect --no-prompt deploy --all`). Keep both in step.
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
from flows.review import review


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
        if not isinstance(deployment, RunnerDeployment):  # a coroutine inside an event loop
            deployment.close()
            raise TypeError("deployments() builds deployments outside an event loop only")
        built.append(deployment)
    return built


def serve(
    source: str,
    *,
    config: str | None = None,
    out: str | None = None,
    store_url: str | None = None,
    tenant: str | None = None,
) -> None:
    """Serve the scheduled deployments until interrupted (blocks); the schedules follow the
    settings' time zone. Paths are made absolute: the runs are kept on the server."""
    settings = load_settings(Path(config) if config else None, out_dir=out, store_url=store_url)
    check_server()
    served = deployments(
        _absolute(source) if "://" not in source else source,
        out=_absolute(out) if out else None,
        store_url=store_url,
        config=_absolute(config) if config else None,
        tenant=tenant,
        timezone=settings.timezone,
    )
    prefect.serve(*served)


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
