"""KPI history: the KPI rows and period figures of a period's latest published run, and
trends over periods.

Period comparisons and trend charts read the past from here, never from old folders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from csreview.store.engine import session
from csreview.store.tables import KpiValue, PeriodFigure, ReviewRun


def kpi_trend(
    url: str, tenant: str, cadence: str, periods: Sequence[str], kpis: Sequence[str]
) -> list[dict[str, Any]]:
    """Overall values of some KPIs over several periods (latest published run of each)."""
    rows = []
    for period in periods:
        for row in kpi_history(url, tenant, cadence, period):
            if row["dimension"] == "all" and row["kpi"] in kpis:
                rows.append({"period": period, "kpi": row["kpi"], "value": row["value"]})
    return rows


def _latest(tenant: str, cadence: str, period: str) -> sa.Select[tuple[str]]:
    """The latest published run of one period: the one whose figures count."""
    return (
        sa.select(ReviewRun.run_id)
        .where(
            ReviewRun.tenant == tenant,
            ReviewRun.cadence == cadence,
            ReviewRun.period == period,
            ReviewRun.status == "published",
        )
        .order_by(ReviewRun.started_at.desc(), ReviewRun.run_id.desc())
        .limit(1)
    )


def kpi_history(url: str, tenant: str, cadence: str, period: str) -> list[dict[str, Any]]:
    """The KPI rows of the latest published run of one period (empty when there is none)."""
    latest = _latest(tenant, cadence, period)
    columns = [c for c in KpiValue.__table__.columns if c.name != "run_id"]
    with session(url) as s:
        run_id = s.scalar(latest)
        if run_id is None:
            return []
        rows = s.execute(sa.select(*columns).where(KpiValue.run_id == run_id))
        return [dict(r._mapping) for r in rows]


def figure_history(url: str, tenant: str, cadence: str, period: str) -> dict[str, float]:
    """The period figures of the latest published run of one period, by name (empty when
    there is none, or when it was recorded before the store kept them); NaN: not known."""
    with session(url) as s:
        run_id = s.scalar(_latest(tenant, cadence, period))
        if run_id is None:
            return {}
        rows = s.execute(
            sa.select(PeriodFigure.figure, PeriodFigure.value).where(PeriodFigure.run_id == run_id)
        )
        return {name: math.nan if value is None else float(value) for name, value in rows}
