"""Incidents: days on which a KPI collapsed against the period's own days of their kind.

A three-day outage vanishes in a monthly average and no dimension holds it: each day's
defect rate is judged against the days of its weekday (planned peaks and holidays left out),
and adjacent bad days of the same KPI become one incident, with the hours it hit hardest.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import pandas as pd

from csreview import facts as f
from tasks.fishbone.defects import DefectKind

MAD_SCALE: Final = 1.4826  # the MAD of normal noise × this is its standard deviation
DAY_COLUMNS: Final = ("defects", "base", "rate", "expected", "z", "judged", "incident")
NO_HOUR: Final = -1  # a row whose hour is unknown (or not kept)


@dataclass(frozen=True)
class Incident:
    """Adjacent days on which one KPI collapsed: its days, defects against what the usual
    days of their kind would have given, and the hours that held most of the excess."""

    kpi: str
    group: str  # the channel group it was judged in ("": all contacts)
    days: tuple[str, ...]  # its days, YYYY-MM-DD, adjacent and in order
    defects: int
    base: int
    expected: float  # the defect rate usual days of their kind would have had
    z: float  # the highest robust z of its days
    hours: tuple[int, int] | None = None  # [from, to) local hours; None: too few contacts

    @property
    def rate(self) -> float:
        return self.defects / self.base if self.base else math.nan

    @property
    def excess(self) -> float:
        """Defects above the usual days' rate on the same base."""
        return self.defects - self.expected * self.base

    @property
    def dates(self) -> str:
        """Its `date` segment: the day, or the ISO 8601 interval `FIRST/LAST` (inclusive)."""
        return self.days[0] if len(self.days) == 1 else f"{self.days[0]}/{self.days[-1]}"


def weekday_of(day: str) -> int:
    return date.fromisoformat(day).weekday()


def daily_defects(frame: pd.DataFrame, kind: DefectKind) -> pd.DataFrame:
    """Defects and base of a defect kind per day of a facts frame (days without any base
    left out)."""
    return daily_of(day_hours(frame, kind))


@dataclass(frozen=True)
class DayHours:
    """Rows, defects and base of a defect kind per local day and hour of a facts frame: what
    its incidents are judged from, summed once and added across parts of a period."""

    table: pd.DataFrame  # by (date YYYY-MM-DD, hour 0–23 or NO_HOUR): rows, defects, base
    hours: bool  # the rows carry their hour (contacts do; surveys and evaluations do not)


def day_hours(frame: pd.DataFrame, kind: DefectKind) -> DayHours:
    """A facts frame's rows, defects and base per (day, hour) met; rows without a day left
    out, as a `groupby(date)` leaves them (sums of whole numbers stay whole)."""
    defects, base = kind.defects(frame), frame[kind.base]
    column = frame[f.DATE]
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, labels = column.cat.codes.to_numpy(), np.asarray(column.cat.categories.astype(str))
    else:
        codes, found = pd.factorize(column, sort=True)
        labels = np.asarray(found).astype(str)
    hour = np.full(len(frame), NO_HOUR, dtype=np.int64)
    if f.HOUR in frame:
        known = frame[f.HOUR].to_numpy(dtype=float)
        hour = np.where(np.isnan(known), NO_HOUR, known).astype(np.int64)
    dated = codes >= 0
    key = codes[dated].astype(np.int64) * 25 + hour[dated] + 1
    size = len(labels) * 25
    rows = np.bincount(key, minlength=size)
    seen = np.flatnonzero(rows)
    integers = defects.dtype.kind in "iu" and base.dtype.kind in "iu"

    def summed(values: pd.Series) -> np.ndarray:
        sums = np.bincount(key, weights=values.to_numpy(dtype=float)[dated], minlength=size)
        return sums[seen].astype(np.int64) if integers else sums[seen]

    index = pd.MultiIndex.from_arrays(
        [pd.Index(labels[seen // 25], dtype=object), pd.Index(seen % 25 - 1, dtype=np.int64)],
        names=[f.DATE, f.HOUR],
    )
    table = pd.DataFrame(
        {"rows": rows[seen].astype(np.int64), "defects": summed(defects), "base": summed(base)},
        index=index,
    )
    return DayHours(table, f.HOUR in frame)


def merge_day_hours(a: DayHours, b: DayHours) -> DayHours:
    """The (day, hour) sums of two disjoint parts of a facts frame, added cell by cell."""
    if b.table.empty:
        return DayHours(a.table, a.hours or b.hours)
    if a.table.empty:
        return DayHours(b.table, a.hours or b.hours)
    both = a.table.index.union(b.table.index).sort_values()
    added = a.table.reindex(both, fill_value=0) + b.table.reindex(both, fill_value=0)
    return DayHours(added, a.hours or b.hours)


def daily_of(sums: DayHours) -> pd.DataFrame:
    """Defects and base per day (days without any base left out), in date order."""
    daily = sums.table.groupby(level=f.DATE, sort=True)[["defects", "base"]].sum()
    daily = daily[daily["base"] > 0]
    return pd.DataFrame(
        {"defects": daily["defects"].to_numpy(), "base": daily["base"].to_numpy()},
        index=pd.Index(list(daily.index), dtype=object, name=f.DATE),
    )


def days_met(sums: DayHours) -> list[str]:
    """The days (YYYY-MM-DD, in order) any row fell on."""
    return sorted(set(sums.table.index.get_level_values(f.DATE)))


def judge_days(
    daily: pd.DataFrame, planned: Collection[str], limits: Mapping[str, Any]
) -> pd.DataFrame:
    """Each day's defect rate against the rate expected of a day of its kind, as a robust z.

    Judged days have enough base and are not planned (`planned`: the calendar's peaks and
    holidays); they alone make the baseline. A day's expected rate is the median of the
    other judged days of its weekday, or of all other judged days when its weekday has too
    few (a month holds 4 or 5 of each). Leaving the day out keeps an incident from hiding in
    its own baseline. The residuals' spread is their MAD, never below the binomial noise of
    the day's base, so a quiet day with few contacts cannot look like a collapse. An
    incident day takes in the adjacent days past the lower `extend_z` (`extended`)."""
    rate = daily["defects"] / daily["base"]
    judged = (daily["base"] >= limits["min_day_base"]) & ~daily.index.isin(list(planned))
    out = daily.assign(rate=rate, expected=np.nan, z=np.nan, judged=judged, incident=False)
    reference = rate[judged]
    if len(reference) < int(limits["min_days"]):
        return out.assign(judged=False)
    expected = pd.Series(
        expected_rates(reference.to_numpy(dtype=float), list(reference.index), limits),
        index=reference.index,
    )
    residual = reference - expected
    mad = MAD_SCALE * float((residual - residual.median()).abs().median())
    base = daily.loc[reference.index, "base"].astype(float)
    noise = np.sqrt(expected.clip(lower=1 / base) * (1 - expected).clip(lower=0) / base)
    z = residual / np.maximum(noise, mad)
    excess = daily.loc[reference.index, "defects"] - expected * base
    incident = (
        (z >= limits["z"])
        & (reference >= limits["ratio"] * expected)
        & (excess >= limits["min_excess"])
    )
    near = (z >= limits["extend_z"]) & (reference >= limits["ratio"] * expected) & (excess > 0)
    out.loc[reference.index, "expected"] = expected
    out.loc[reference.index, "z"] = z
    out.loc[reference.index, "incident"] = extended(incident, near)
    return out


def expected_rates(rates: np.ndarray, days: list[str], limits: Mapping[str, Any]) -> np.ndarray:
    """Each judged day's expected rate: the median of the other judged days of its weekday,
    or of all other judged days when its weekday has too few (arrays: a quarter's ninety
    days each against the rest, in microseconds)."""
    weekday = np.array([weekday_of(d) for d in days], dtype=np.int64)
    expected = np.empty(len(rates))
    for i in range(len(rates)):
        others = np.arange(len(rates)) != i
        alike = others & (weekday == weekday[i])
        pool = rates[alike] if alike.sum() >= int(limits["min_weekday_days"]) else rates[others]
        expected[i] = float(np.nanmedian(pool)) if len(pool) else np.nan
    return expected


def extended(incident: pd.Series, near: pd.Series) -> pd.Series:
    """Incident days grown into the adjacent days that are nearly as bad (NEAR): once an
    outage is established by one clear day, the days beside it need less evidence."""
    grown = incident.copy()
    changed = True
    while changed:
        changed = False
        for day in grown.index[near.to_numpy(dtype=bool) & ~grown.to_numpy(dtype=bool)]:
            this = date.fromisoformat(day)
            beside = {(this + timedelta(days=step)).isoformat() for step in (-1, 1)}
            if any(grown.get(other, False) for other in beside):
                grown[day] = changed = True
    return grown


def adjacent_runs(days: list[str]) -> list[list[str]]:
    """Days (YYYY-MM-DD, in order) split into runs of consecutive calendar days."""
    runs: list[list[str]] = []
    for day in days:
        if runs and (date.fromisoformat(day) - date.fromisoformat(runs[-1][-1])).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def incident_hours(
    sums: DayHours, days: list[str], expected: float, limits: Mapping[str, Any]
) -> tuple[int, int] | None:
    """The shortest run of local hours [from, to) holding `hour_share` of the incident's
    excess defects on DAYS; None without the hour of each row or with too small a base to
    tell hours apart."""
    on_days = sums.table[sums.table.index.get_level_values(f.DATE).isin(days)]
    if not sums.hours or on_days["base"].sum() < limits["hour_min_base"]:
        return None
    hourly = (
        on_days.groupby(level=f.HOUR)[["defects", "base"]].sum().reindex(range(24), fill_value=0)
    )
    excess = (hourly["defects"] - expected * hourly["base"]).clip(lower=0).to_numpy(float)
    total = excess.sum()
    if total <= 0:
        return None
    best: tuple[int, int] = (0, 24)
    for start in range(24):
        running = 0.0
        for end in range(start + 1, 25):
            running += excess[end - 1]
            if running >= limits["hour_share"] * total:
                if end - start < best[1] - best[0]:
                    best = (start, end)
                break
    return best


def detect_incidents(
    frame: pd.DataFrame,
    kind: DefectKind,
    group: str,
    planned: Collection[str],
    limits: Mapping[str, Any],
) -> list[Incident]:
    """The incidents of one defect kind in a facts frame (already narrowed to its channel
    group, GROUP): adjacent incident days form one, each with its hours where the volume
    allows."""
    if frame.empty or f.DATE not in frame:
        return []
    return incidents_of(day_hours(frame, kind), kind, group, planned, limits)


def incidents_of(
    sums: DayHours,
    kind: DefectKind,
    group: str,
    planned: Collection[str],
    limits: Mapping[str, Any],
) -> list[Incident]:
    """The incidents of one defect kind read from its (day, hour) sums (`detect_incidents`),
    so that parts of a period summed apart give the incidents of the whole."""
    days = judge_days(daily_of(sums), planned, limits)
    bad = days[days["incident"].astype(bool)]
    out = []
    for run in adjacent_runs(list(bad.index)):
        rows = bad.loc[run]
        base = int(rows["base"].sum())
        expected = float((rows["expected"] * rows["base"]).sum() / base)
        out.append(
            Incident(
                kpi=kind.kpi,
                group=group,
                days=tuple(run),
                defects=int(rows["defects"].sum()),
                base=base,
                expected=expected,
                z=float(rows["z"].max()),
                hours=incident_hours(sums, run, expected, limits),
            )
        )
    return out
