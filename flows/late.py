"""Late scheduled runs: a review that was due and has not started (no worker, no serve
process, a full work pool) tells the data engineers, once per run.

A failed run alerts from its own hook (`flows/alerts.py`); a run that never starts has no hook
to run, so something outside it must watch: `csreview serve` does, and `csreview watch` does
for worker mode.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from csreview.settings import Settings, expand_env
from flows.alerts import alert_message, tenant_words
from tasks import deliver

log = logging.getLogger("csreview.late")
REVIEW_FLOWS = ("service-quality-review", "service-quality-reviews")


@dataclass(frozen=True)
class LateRun:
    """A scheduled review run past its due time by more than the allowed delay."""

    id: str
    name: str
    due: datetime
    parameters: dict[str, Any] = field(default_factory=dict)
    flow_name: str = ""


def late_runs(now: datetime, allowed: timedelta) -> list[LateRun]:
    """The review runs still waiting to start more than `allowed` after they were due."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=list(REVIEW_FLOWS))),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                expected_start_time=FlowRunFilterExpectedStartTime(before_=now - allowed),
            ),
        )
        names = {r.flow_id: client.read_flow(r.flow_id).name for r in runs}
    return [
        LateRun(
            str(r.id), r.name, r.expected_start_time, dict(r.parameters or {}), names[r.flow_id]
        )
        for r in runs
        if r.expected_start_time is not None
    ]


def late_lines(runs: Iterable[LateRun], now: datetime) -> list[str]:
    """The alert's text: each late run with what it reviews and how late it is."""
    lines = ["These scheduled review runs were due and have not started:"]
    for run in runs:
        minutes = int((now - run.due).total_seconds() // 60)
        p = run.parameters
        lines += [
            "",
            f"{run.name}: due {run.due.astimezone(UTC):%Y-%m-%d %H:%M} UTC, {minutes} minutes ago",
            f"tenant: {tenant_words(p, run.flow_name)}  cadence: {p.get('cadence')}  period: {p.get('period')}",
            "step: not started",
        ]
    lines += [
        "",
        "Check that `csreview serve` or a worker of the deployment's work pool is running; "
        "the run starts as soon as one takes it.",
    ]
    return lines


def alert_late(settings: Settings, now: datetime, alerted: set[str]) -> list[LateRun]:
    """E-mail `alert_to` about the late runs not yet alerted; returns those just alerted."""
    fresh = [
        r
        for r in late_runs(now, timedelta(minutes=settings.late_after_minutes))
        if r.id not in alerted
    ]
    if not fresh:
        return []
    for run in fresh:
        log.warning("the review run %s was due at %s and has not started", run.name, run.due)
    if settings.smtp_url and settings.alert_to:
        smtp = deliver.smtp_from_url(expand_env(settings.smtp_url), settings.smtp_sender)
        names = ", ".join(r.name for r in fresh)
        message = alert_message(
            smtp.sender, settings.alert_to, f"csreview: late {names}", late_lines(fresh, now)
        )
        deliver.send(message, smtp)
    alerted.update(r.id for r in fresh)
    return fresh


def watch(settings: Settings, stop: threading.Event, every_seconds: float = 60) -> None:
    """Look for late runs until `stop` is set; a failed look is logged and retried."""
    alerted: set[str] = set()
    while not stop.is_set():
        try:
            alert_late(settings, datetime.now(UTC), alerted)
        except Exception as err:  # the watcher outlives any fault; the next look retries
            log.error("could not check for late review runs: %s", err)
        stop.wait(every_seconds)


def start_watching(settings: Settings) -> threading.Event:
    """Watch in a background thread; set the returned event to stop."""
    stop = threading.Event()
    threading.Thread(target=watch, args=(settings, stop), name="late-runs", daemon=True).start()
    return stop
