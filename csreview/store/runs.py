"""Run records: each run's outcome written, its publication settled, and read back for audit.

An auditor lists runs and their validation outcome from here without opening files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

import sqlalchemy as sa

from csreview.store.engine import reading, session
from csreview.store.tables import (
    KpiValue,
    PeriodFigure,
    ReviewRun,
    RunOutput,
    RunRule,
    RunTable,
)


def record_run(
    url: str,
    manifest: Mapping[str, Any],
    rules: Sequence[Mapping[str, Any]],
    kpis: Sequence[Mapping[str, Any]] = (),
    figures: Mapping[str, float] = MappingProxyType({}),
) -> None:
    """Add one run's outcome (manifest, rule results and, once published, its KPI rows and
    period figures)."""
    run = ReviewRun(
        run_id=manifest["run_id"],
        tenant=manifest["tenant"] or "default",
        cadence=manifest["cadence"],
        period=manifest["period"],
        reissue=manifest["reissue"],
        reason=manifest.get("reason"),
        status=manifest["status"],
        started_at=datetime.fromisoformat(manifest["started_at"]),
        source=manifest["source"],
        contract_version=manifest["contract_version"],
        config_sha256=manifest["config_sha256"],
        run_folder=manifest["run_folder"],
        blocking="\n".join(manifest.get("blocking", [])),
        tables=[
            RunTable(
                table_name=name,
                position=i,
                rows_read=t["read"],
                rows_used=t["used"],
                rows_quarantined=t["quarantined"],
                sha256=t.get("sha256"),
            )
            for i, (name, t) in enumerate(manifest["tables"].items())
        ],
        rules=[
            RunRule(
                table_name=r["table"],
                rule=r["rule"],
                position=i,
                severity=r["severity"],
                engine=r["engine"],
                description=r["description"],
                checked=r["checked"],
                failed=r["failed"],
            )
            for i, r in enumerate(rules)
        ],
        outputs=[
            RunOutput(name=name, sha256=digest)
            for name, digest in sorted(
                {**manifest.get("outputs", {}), **manifest.get("config_files", {})}.items()
            )
        ],
    )
    with session(url) as s:
        s.merge(run)
        s.execute(sa.delete(KpiValue).where(KpiValue.run_id == run.run_id))
        if kpis:
            s.execute(sa.insert(KpiValue), [{**row, "run_id": run.run_id} for row in kpis])
        s.execute(sa.delete(PeriodFigure).where(PeriodFigure.run_id == run.run_id))
        if figures:
            s.execute(
                sa.insert(PeriodFigure),
                [
                    {"run_id": run.run_id, "figure": name, "value": _finite(value)}
                    for name, value in figures.items()
                ],
            )
        s.commit()


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None  # NaN: not known in that period


PUBLISHING: Final = "publishing"


def mark_published(url: str, run_id: str) -> None:
    """A run's record says `published` only once the period folder shows it."""
    with session(url) as s:
        s.execute(
            sa.update(ReviewRun)
            .where(ReviewRun.run_id == run_id, ReviewRun.status == PUBLISHING)
            .values(status="published")
        )
        s.commit()


def reconcile(url: str, tenant: str, cadence: str, period: str, shown: Sequence[str]) -> None:
    """Records left `publishing` by a run stopped around its switch: `published` when the
    period folder has shown the run (SHOWN), `interrupted` otherwise."""
    where = (
        ReviewRun.tenant == tenant,
        ReviewRun.cadence == cadence,
        ReviewRun.period == period,
        ReviewRun.status == PUBLISHING,
    )
    with session(url) as s:
        done = ReviewRun.run_id.in_(shown)
        s.execute(sa.update(ReviewRun).where(*where, done).values(status="published"))
        s.execute(sa.update(ReviewRun).where(*where, ~done).values(status="interrupted"))
        s.commit()


def mark_interrupted(url: str, run_ids: Sequence[str]) -> None:
    """Runs recorded as published but stopped before the period folder showed them: kept
    on record as `interrupted`, no longer read as the period's history."""
    with session(url) as s:
        s.execute(
            sa.update(ReviewRun).where(ReviewRun.run_id.in_(run_ids)).values(status="interrupted")
        )
        s.commit()


@dataclass(frozen=True)
class RunSummary:
    """A run as `csreview audit` lists it."""

    run_id: str
    tenant: str
    cadence: str
    period: str
    reissue: int
    status: str
    started_at: datetime
    rows_read: int
    rows_quarantined: int
    failing_rules: int
    blocking: str
    tables: tuple[tuple[str, int, int, int, str | None], ...]


def list_runs(url: str, tenant: str | None = None, period: str | None = None) -> list[RunSummary]:
    """Runs in the order they started, optionally of one tenant and/or period."""
    query = sa.select(ReviewRun).order_by(ReviewRun.started_at, ReviewRun.run_id)
    if tenant:
        query = query.where(ReviewRun.tenant == tenant)
    if period:
        query = query.where(ReviewRun.period == period)
    with reading(url) as s:
        return [
            RunSummary(
                run.run_id,
                run.tenant,
                run.cadence,
                run.period,
                run.reissue,
                run.status,
                run.started_at,
                sum(t.rows_read for t in run.tables),
                sum(t.rows_quarantined for t in run.tables),
                sum(1 for r in run.rules if r.failed),
                run.blocking,
                tuple(
                    (t.table_name, t.rows_read, t.rows_used, t.rows_quarantined, t.sha256)
                    for t in run.tables
                ),
            )
            for run in s.scalars(query)
        ]


def failing_rules(url: str, run_id: str) -> list[tuple[str, str, str, int, int, str]]:
    """One run's rules with failing rows: table, rule, severity, failed, checked, reason."""
    query = (
        sa.select(RunRule)
        .where(RunRule.run_id == run_id, RunRule.failed > 0)
        .order_by(RunRule.position)
    )
    with reading(url) as s:
        return [
            (r.table_name, r.rule, r.severity, r.failed, r.checked, r.description)
            for r in s.scalars(query)
        ]


@dataclass(frozen=True)
class RunRecord:
    """What the store holds of one run for `audit --verify` to hold its folder against."""

    run_id: str
    tenant: str
    cadence: str
    period: str
    reissue: int
    status: str
    started_at: datetime
    config_sha256: str
    run_folder: str
    tables: dict[str, tuple[int, int, int, str | None]]
    outputs: dict[str, str]
    latest_published: str | None  # of its tenant, cadence and period


def run_record(url: str, run_id: str) -> RunRecord | None:
    """One run as recorded, with the latest published run of its period (reads only)."""
    with reading(url) as s:
        run = s.get(ReviewRun, run_id)
        if run is None:
            return None
        latest = s.scalar(
            sa.select(ReviewRun.run_id)
            .where(
                ReviewRun.tenant == run.tenant,
                ReviewRun.cadence == run.cadence,
                ReviewRun.period == run.period,
                ReviewRun.status == "published",
            )
            .order_by(ReviewRun.started_at.desc(), ReviewRun.run_id.desc())
            .limit(1)
        )
        return RunRecord(
            run.run_id,
            run.tenant,
            run.cadence,
            run.period,
            run.reissue,
            run.status,
            run.started_at,
            run.config_sha256,
            run.run_folder,
            {
                t.table_name: (t.rows_read, t.rows_used, t.rows_quarantined, t.sha256)
                for t in run.tables
            },
            {o.name: o.sha256 for o in run.outputs},
            latest,
        )
