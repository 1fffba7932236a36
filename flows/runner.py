"""The step runner: how the review flow runs each of its steps.

A step runs as a stage of the review: the stage is named for a failure's alert and line
(`faults.STAGES`), timed, and followed by the process's memory high-water mark; its tasks
are served from the step cache when a finished attempt made them from the same inputs; and
GX's record of the validation (`flows/gx_record.py`) is made beside the steps, begun,
handed the gate's rows and started here, and nowhere else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Concatenate, Final, ParamSpec, TypeVar

from prefect import Task

from csreview.memory import give_back, peak_rss_mib
from csreview.periods import Period
from csreview.settings import Settings
from flows import faults
from flows.caching import StepCache
from flows.gx_record import GxRecord, gx_record_task
from tasks.extract import Extract
from tasks.playbook import load_playbook
from tasks.publish import RunPlan, new_run_id, plan_run
from tasks.themes import load_themes
from tasks.validate import Validation, with_gx

P = ParamSpec("P")
R = TypeVar("R")

# GX checks the rows beside the steps from the KPIs' end to the evidence, not beside the KPI
# step, the heaviest: beside GX it took 1.5–1.7 times as long (bench)
GX_CHECKS_AFTER: Final = "kpis"


def get_ready() -> None:
    """Begin what the next review of this process takes seconds to get ready (GX's worker,
    forked now, importing GX on the other core once the flow begins)."""
    GxRecord.begin_early()


@dataclass(frozen=True)
class Review:
    """What one review run works on, resolved once: its settings, period, source, tenant,
    reason and the folders it writes."""

    settings: Settings
    period: Period
    source: str
    tenant: str | None  # as asked: None for a single-tenant setup
    tenant_name: str  # the tenant's name in the results store: "default" for none
    reason: str | None
    plan: RunPlan
    started: datetime
    playbook: dict[str, Any]  # the settings' playbook and themes config, read once
    themes: dict[str, Any]

    @classmethod
    def start(
        cls,
        settings: Settings,
        period: Period,
        source: str,
        tenant: str | None,
        reason: str | None,
        run_id: str | None,
    ) -> Review:
        """The review starting now; without RUN_ID, a new run id."""
        started = datetime.now(UTC)
        run_id = run_id or new_run_id(period, started)
        plan = plan_run(settings.out_dir, tenant, period, run_id)
        playbook = load_playbook(settings.playbook_file)
        return cls(
            settings,
            period,
            source,
            tenant,
            tenant or "default",
            reason,
            plan,
            started,
            playbook,
            load_themes(),
        )

    @property
    def store_url(self) -> str:
        return self.settings.resolved_store_url

    @property
    def quarterly(self) -> bool:
        return self.period.cadence == "quarterly"


@dataclass
class Stages:
    """Seconds each stage took, and the process's resident-memory high-water mark after it
    (so the stage that raised it shows)."""

    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_mib: dict[str, float] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {"timings": dict(self.seconds), "peak_rss_mib": dict(self.peak_rss_mib)}


@dataclass
class StepRunner:
    """Runs the steps of one review: each as a timed stage, its tasks through the step
    cache, with GX's record made beside them."""

    review: Review
    cache: StepCache
    gx: GxRecord
    stages: Stages = field(default_factory=Stages)

    @classmethod
    @contextmanager
    def begin(cls, review: Review) -> Iterator[StepRunner]:
        """The runner of REVIEW: GX's worker begun (or the early one taken), the cadence's
        step cache opened; leaving stops the worker."""
        with GxRecord.begin() as gx:
            gx.get_ready()  # Prefect's server has started: a core is free for GX's import
            yield cls(review, StepCache.open(review.plan.cadence_dir, review.settings), gx)

    def step(
        self,
        name: str,
        step: Callable[Concatenate[StepRunner, P], R],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Run STEP (handed this runner first) as the review's stage NAME."""
        with self._stage(name):
            result = step(self, *args, **kwargs)
        if name == GX_CHECKS_AFTER:
            self.gx.start()
        return result

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        from prefect.runtime import flow_run

        faults.STAGES[str(flow_run.id)] = name  # what a failure alert and line name
        started = time.perf_counter()
        yield
        give_back()  # what the stage freed counts no more beside GX's worker and later stages
        self.stages.seconds[name] = round(time.perf_counter() - started, 3)
        peak = peak_rss_mib()
        if peak is not None:
            self.stages.peak_rss_mib[name] = peak

    def cached(self, task: Task[..., R], *args: Any) -> R:
        """The task's result, served from the step cache when a finished attempt made it
        from the same inputs."""
        return self.cache.run(task, *args)

    def made_from(self, value: object, key: str) -> None:
        """VALUE (the extract) is known in the keys of later steps by KEY."""
        self.cache.made_from(value, key)

    def hand_to_gx(self, extract: Extract, checked: Validation) -> None:
        """Give GX's worker the rows the gate saw, at the gate's clock."""
        self.gx.check(extract, self.review.settings, checked)

    def with_gx(self, checked: Validation) -> Validation:
        """The gate's rules with GX's record beside them (made while the review went on)."""
        return with_gx(checked, self.cache.run(gx_record_task, checked, self.gx))

    @property
    def reused(self) -> list[str]:
        """The steps served from the cache, in the order they ran."""
        return self.cache.reused

    def finished(self) -> None:
        """The run completed: no attempt will need its cached steps."""
        self.cache.clear()
