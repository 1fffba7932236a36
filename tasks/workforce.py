"""The workforce of a period: headcount, leavers, new hires and the rota, as KPI rows and as
the period figures the results store keeps for later reviews.

A centre-wide problem has no rest of the centre to compare with, so its causes are tested
against earlier periods: these figures are what those tests read, this period's and, from
the store, the earlier ones (the review never re-reads older periods from the source).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.catalog import KPIS_BY_KEY
from csreview.periods import Period
from csreview.settings import Settings
from tasks.kpis.status import band_for, status_of
from tasks.scorecard import scheduled_hours

NEW_HIRE_DAYS: Final = 90  # hired within this many days before the period end: a new hire
WORKFORCE_KPIS: Final = ("attrition_rate", "new_hire_share")
SCHEDULED_HOURS: Final = "scheduled_agent_hours"  # figures the store keeps beside kpi_values
ROTA_AGENTS: Final = "rota_agents"
STORED_FIGURES: Final = (SCHEDULED_HOURS, ROTA_AGENTS)


# ---------------------------------------------------------------- the roster
def period_days(period: Period, settings: Settings) -> list[date]:
    """The local calendar days of the period."""
    zone = settings.zone
    first, end = period.start(zone).date(), period.end(zone).date()
    return [first + timedelta(days=i) for i in range((end - first).days)]


def _dates(column: pd.Series) -> np.ndarray:
    return pd.to_datetime(column).dt.normalize().to_numpy(dtype="datetime64[D]")


def roster(agents: pd.DataFrame, days: list[date]) -> pd.DataFrame:
    """Per agent (one row each): days employed in the period (hired_on ≤ day and left_on
    null or after the day), left in the period, and employed on its last day."""
    agents = agents.drop_duplicates(s.AGENT_ID)
    hired, left = _dates(agents[s.HIRED_ON]), _dates(agents[s.LEFT_ON])
    grid = np.array(days, dtype="datetime64[D]")
    stays = np.isnat(left)[:, None] | (left[:, None] > grid[None, :])
    employed = (hired[:, None] <= grid[None, :]) & stays
    left_in = ~np.isnat(left) & (left >= grid[0]) & (left <= grid[-1])
    return pd.DataFrame(
        {
            s.AGENT_ID: agents[s.AGENT_ID].to_numpy(),
            s.TEAM: agents[s.TEAM].to_numpy(),
            s.SITE: agents[s.SITE].to_numpy(),
            "days_employed": employed.sum(axis=1),
            "left": left_in,
            "at_end": employed[:, -1],
            "hired": hired,
        }
    )


def workforce_sums(agents: pd.DataFrame, period: Period, settings: Settings) -> pd.DataFrame:
    """Per segment of the dimensions all, team and site: leavers, average headcount (mean of
    the daily count employed), new hires (employed at the end, hired within `NEW_HIRE_DAYS`
    days before the period end) and headcount on the last day."""
    days = period_days(period, settings)
    rows = roster(agents, days)
    since = np.datetime64(days[-1] + timedelta(days=1 - NEW_HIRE_DAYS), "D")
    rows[f.ALL] = f.ALL
    rows["new_hire"] = rows["at_end"] & (rows["hired"] >= since)
    rows["headcount"] = rows["days_employed"] / len(days)
    parts = []
    for dimension in (f.ALL, s.TEAM, s.SITE):
        sums = rows.groupby(dimension, sort=True)[["left", "headcount", "new_hire", "at_end"]].sum()
        parts.append(sums.rename_axis(f.SEGMENT).reset_index().assign(**{f.DIMENSION: dimension}))
    return pd.concat(parts, ignore_index=True)


def kpi_rows(
    agents: pd.DataFrame, period: Period, settings: Settings, months: tuple[int, ...]
) -> pd.DataFrame:
    """kpis.csv's rows of `attrition_rate` (leavers ÷ average headcount) and
    `new_hire_share` (new hires ÷ headcount on the last day), with target and status; the
    attrition target is per month, so a quarter's is three times it."""
    sums = workforce_sums(agents, period, settings)
    rows = []
    for kpi, numerator, denominator in (
        ("attrition_rate", "left", "headcount"),
        ("new_hire_share", "new_hire", "at_end"),
    ):
        for r in sums.itertuples(index=False):
            num, den = float(getattr(r, numerator)), float(getattr(r, denominator))
            value = num / den if den > 0 else math.nan
            band = band_for(settings, kpi, str(r.dimension), str(r.segment), months)
            if band is not None and kpi == "attrition_rate":
                scale = max(1, len(months))
                band = band.model_copy(
                    update={"target": band.target * scale, "warn": band.warn * scale}
                )
            rows.append(
                {
                    f.KPI: kpi,
                    f.DIMENSION: r.dimension,
                    f.SEGMENT: str(r.segment),
                    f.NUMERATOR: num,
                    f.DENOMINATOR: den,
                    f.VALUE: value,
                    f.TARGET: band.target if band is not None else math.nan,
                    f.STATUS: status_of(
                        value, den, band, KPIS_BY_KEY[kpi].direction, settings.min_sample
                    ),
                }
            )
    return pd.DataFrame(rows, columns=list(f.KPI_COLUMNS))


def with_workforce(kpis: pd.DataFrame, workforce: pd.DataFrame) -> pd.DataFrame:
    """The KPI table with the workforce rows, in kpis.csv's order."""
    return (
        pd.concat([kpis, workforce], ignore_index=True)
        .sort_values([f.KPI, f.DIMENSION, f.SEGMENT], kind="stable")
        .reset_index(drop=True)
    )


# ---------------------------------------------------------------- the rota
def rota_figures(shifts: pd.DataFrame, period: Period, settings: Settings) -> dict[str, float]:
    """Scheduled agent-hours in the period and the agents on its rota (with a shift in it);
    NaN without a rota, which is not a rota of nobody."""
    if shifts.empty:
        return {SCHEDULED_HOURS: math.nan, ROTA_AGENTS: math.nan}
    zone = settings.zone
    start, end = pd.Timestamp(period.start(zone)), pd.Timestamp(period.end(zone))
    on = (shifts[s.ENDS_AT] > start) & (shifts[s.STARTS_AT] < end)
    return {
        SCHEDULED_HOURS: scheduled_hours(shifts, start, end),
        ROTA_AGENTS: float(shifts.loc[on, s.AGENT_ID].nunique()),
    }


# ---------------------------------------------------------------- period figures
@dataclass(frozen=True)
class PeriodFigures:
    """The figures of one period the over-time tests compare; NaN where not on record."""

    label: str
    days: float
    contacts: float = math.nan
    scheduled_hours: float = math.nan
    rota_agents: float = math.nan
    headcount: float = math.nan  # average headcount on the roster
    leavers: float = math.nan
    new_hires: float = math.nan
    headcount_end: float = math.nan  # agents employed on the period's last day
    aht_seconds: float = math.nan
    transfer_rate: float = math.nan
    repeat_rate: float = math.nan  # 1 − FCR

    @property
    def hours_per_contact(self) -> float:
        return self.scheduled_hours / self.contacts if self.contacts else math.nan

    @property
    def attrition(self) -> float:
        return self.leavers / self.headcount if self.headcount else math.nan

    @property
    def new_hire_share(self) -> float:
        return self.new_hires / self.headcount_end if self.headcount_end else math.nan


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def current_figures(
    facts: f.Facts, clean: Mapping[str, pd.DataFrame], period: Period, settings: Settings
) -> PeriodFigures:
    """This period's figures, from its own facts, roster and rota."""
    c = facts.contacts
    answered = float(c[f.ANSWERED].sum())
    overall = workforce_sums(clean[s.AGENTS.name], period, settings).iloc[0]
    rota = rota_figures(clean[s.SHIFTS.name], period, settings)
    return PeriodFigures(
        label=period.label,
        days=float(len(period_days(period, settings))),
        contacts=float(len(c)),
        scheduled_hours=rota[SCHEDULED_HOURS],
        rota_agents=rota[ROTA_AGENTS],
        headcount=float(overall["headcount"]),
        leavers=float(overall["left"]),
        new_hires=float(overall["new_hire"]),
        headcount_end=float(overall["at_end"]),
        aht_seconds=_ratio(float(c[f.HANDLE].sum()), answered),
        transfer_rate=_ratio(float(c[f.HANDLED_TRANSFERRED].sum()), answered),
        repeat_rate=1 - _ratio(float(c[f.NOT_REPEATED].sum()), answered),
    )


def stored_figures(
    period: Period, settings: Settings, kpi_rows: pd.DataFrame, figures: Mapping[str, float]
) -> PeriodFigures:
    """An earlier period's figures as its latest published review recorded them: the
    overall KPI rows (kpi_values) and the rota figures kept beside them."""
    overall = kpi_rows[kpi_rows[f.DIMENSION] == f.ALL].set_index(f.KPI)

    def pick(kpi: str, column: str = f.VALUE) -> float:
        if kpi not in overall.index:
            return math.nan
        value = pd.to_numeric(overall[column], errors="coerce").get(kpi)
        return math.nan if value is None or pd.isna(value) else float(value)

    return PeriodFigures(
        label=period.label,
        days=float(len(period_days(period, settings))),
        contacts=pick("contacts"),
        scheduled_hours=float(figures.get(SCHEDULED_HOURS, math.nan)),
        rota_agents=float(figures.get(ROTA_AGENTS, math.nan)),
        headcount=pick("attrition_rate", f.DENOMINATOR),
        leavers=pick("attrition_rate", f.NUMERATOR),
        new_hires=pick("new_hire_share", f.NUMERATOR),
        headcount_end=pick("new_hire_share", f.DENOMINATOR),
        aht_seconds=pick("aht_seconds"),
        transfer_rate=pick("transfer_rate"),
        repeat_rate=1 - pick("fcr"),
    )


def unrecorded(period: Period, settings: Settings) -> PeriodFigures:
    """An earlier period no published review recorded: every figure unknown."""
    return PeriodFigures(period.label, float(len(period_days(period, settings))))
