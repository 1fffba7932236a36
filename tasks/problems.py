"""The problem list (Pareto): per KPI the segment holding most excess defects, ranked.

From symptoms to the few problems worth a meeting: every segment of one or two dimensions is
counted against the KPI's target, the worst per KPI kept, and its priority weighed by impact
and by its trend against the previous period.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.messages import Segment
from csreview.settings import Settings
from tasks import compare
from tasks.fishbone.defects import DefectKind, kpi_from_defect_rate
from tasks.incidents import days_met, incidents_of
from tasks.kpis import in_segment
from tasks.problem_parts import (
    DefectCounts,
    KindPart,
    ProblemsPart,
    drill_dimensions,
    judged_kinds,
    problems_part,
    segment_table,
)


def segment_label(segment: Segment) -> str:
    """A segment as the CSV outputs and the results store keep it: `hour_band=20-24;channel=chat`."""
    return ";".join(f"{d}={v}" for d, v in segment)


@dataclass(frozen=True)
class Problem:
    """One ranked problem: a KPI's excess defects concentrated in one segment."""

    rank: int
    kpi: str
    segment: Segment
    value: float
    baseline: float
    target: float
    defects: int
    base: int
    excess: float
    defect_share: float
    cumulative_share: float
    priority: float
    trend: str = "na"
    previous: float = math.nan
    trend_factor: float = 1.0
    group: str = ""  # the channel group the problem was judged in ("": all contacts)
    days: tuple[str, ...] = ()  # an incident's days (YYYY-MM-DD); none: not an incident
    hours: tuple[int, int] | None = None  # an incident's hours [from, to), where known


@dataclass(frozen=True)
class Trend:
    """A problem's KPI in its segment against the previous period: the verdict, the earlier
    value, and the factor it puts on the problem's priority."""

    verdict: str  # worse, better, no_change, low_sample or na (no earlier figure)
    previous: float = math.nan
    factor: float = 1.0


def segment_trend(
    kind: DefectKind,
    segment: Segment,
    defects: float,
    base: float,
    previous: pd.DataFrame | None,
    min_sample: int,
    factors: Mapping[str, float],
) -> Trend:
    """The segment's defect rate against the previous period's (its KPI rows in the results
    store, as `compare.HISTORY_COLUMNS`): worse or better only when a two-proportion z-test
    says so at 5 %, as the report's comparisons do; neutral without an earlier figure."""
    if previous is None or previous.empty or len(segment) != 1:
        return Trend("na")
    dimension, value = segment[0]
    rows = previous[
        (previous[f.KPI] == kind.kpi)
        & (previous[f.DIMENSION] == dimension)
        & (previous[f.SEGMENT].astype(str) == value)
    ]
    if rows.empty or not rows[f.DENOMINATOR].iloc[0] > 0:
        return Trend("na")
    n_before = float(rows[f.DENOMINATOR].iloc[0])
    value_before = float(rows[f.NUMERATOR].iloc[0]) / n_before
    defects_before = kpi_from_defect_rate(kind.kpi, value_before) * n_before
    if min(base, n_before) < min_sample:
        return Trend("low_sample", value_before)
    p = compare.two_proportion_p(defects, base, defects_before, n_before)
    rate, rate_before = defects / base, defects_before / n_before
    if p >= compare.ALPHA or rate == rate_before:
        return Trend("no_change", value_before)
    verdict = "worse" if rate > rate_before else "better"
    return Trend(verdict, value_before, float(factors[verdict]))


def segment_excess(
    counts: DefectCounts, target_rate: float, dims: tuple[str, ...], min_base: int
) -> pd.DataFrame:
    """Defects, base and excess over the target defect rate of every segment of `dims`."""
    total_defects, total_base = counts.defects.sum(), counts.base.sum()
    if counts.integers:
        total_defects, total_base = int(total_defects), int(total_base)
    return excess_of(segment_table(counts, dims), total_defects, total_base, target_rate, min_base)


def excess_of(
    table: pd.DataFrame, total_defects: float, total_base: float, target_rate: float, min_base: int
) -> pd.DataFrame:
    """Defects, base and excess over the target defect rate of the segments of a table of
    their counts (`segment_table`) with at least MIN_BASE base; shares of the totals given."""
    grouped = table[table["base"] >= min_base]
    rest_base = total_base - grouped["base"]
    return pd.DataFrame(
        {
            "defects": grouped["defects"],
            "base": grouped["base"],
            "rate": grouped["defects"] / grouped["base"],
            "rest_rate": (total_defects - grouped["defects"]) / rest_base.where(rest_base > 0),
            "excess": grouped["defects"] - target_rate * grouped["base"],
            "share": grouped["defects"] / total_defects if total_defects else np.nan,
        }
    )


def _best(table: pd.DataFrame) -> tuple[Any, pd.Series] | None:
    if table.empty or table["excess"].max() <= 0:
        return None
    ordered = table.sort_values("excess", ascending=False, kind="stable")
    return ordered.index[0], ordered.iloc[0]


def problem_list(
    facts: f.Facts,
    settings: Settings,
    playbook: Mapping[str, Any],
    previous: pd.DataFrame | None = None,
) -> list[Problem]:
    """The top problems: per KPI the segment holding most excess defects, ranked by priority
    (excess defects × impact weight × trend against the previous period, when reviewed)."""
    return problems_of(problems_part(facts, settings.targets), settings, playbook, previous)


def problems_of(
    part: ProblemsPart,
    settings: Settings,
    playbook: Mapping[str, Any],
    previous: pd.DataFrame | None = None,
) -> list[Problem]:
    """The top problems read from the problem list's counts (`problems_part`, of the whole
    period or merged from its parts), as `problem_list` ranks them."""
    weights: dict[str, float] = playbook["problem_weights"]
    limits = playbook["thresholds"]
    found: list[dict[str, Any]] = []
    for kind, group in judged_kinds():
        spec = settings.targets.get(kind.kpi)
        counted = part.kinds.get((kind.kpi, group))
        if spec is None or counted is None or counted.rows == 0:
            continue
        centre = part.centre[kind.source]
        target = spec.band(group=group or None, months=part.months).target
        target_rate = kind.defect_rate_target(target)
        dims_ = drill_dimensions(kind)

        table = counted.tables
        totals = (counted.defects, counted.base, target_rate, settings.min_sample)
        singles = [(d, excess_of(table[(d,)], *totals)) for d in dims_]
        pairs = [(d, excess_of(table[d], *totals)) for d in itertools.combinations(dims_, 2)]
        best_single = _pick(singles)
        if best_single is None:
            found += incident_problems(counted, kind, group, centre, target, settings, playbook)
            continue
        best_pair = _pick(pairs)
        chosen = best_single
        if (
            best_pair is not None
            and best_pair[2]["excess"] >= limits["pair_preference"] * best_single[2]["excess"]
        ):
            chosen = best_pair
        dims, values, row = chosen
        segment = part_segment(counted, centre, group, tuple(zip(dims, values, strict=True)))
        trend = segment_trend(
            kind,
            segment,
            float(row["defects"]),
            float(row["base"]),
            previous,
            settings.min_sample,
            playbook["trend"],
        )
        found += incident_problems(counted, kind, group, centre, target, settings, playbook)
        found.append(
            {
                "kpi": kind.kpi,
                "segment": segment,
                "value": kpi_from_defect_rate(kind.kpi, float(row["rate"])),
                "baseline": kpi_from_defect_rate(kind.kpi, float(row["rest_rate"])),
                "target": target,
                "defects": int(row["defects"]),
                "base": int(row["base"]),
                "excess": float(row["excess"]),
                "defect_share": float(row["share"]),
                "priority": float(row["excess"]) * float(weights.get(kind.kpi, 1.0)) * trend.factor,
                "trend": trend.verdict,
                "previous": trend.previous,
                "trend_factor": trend.factor,
                "group": group,
            }
        )
    found.sort(key=lambda p: (-p["priority"], p["kpi"], p["group"], segment_label(p["segment"])))
    found = found[: int(limits["max_problems"])]
    total = sum(p["priority"] for p in found)
    out, running = [], 0.0
    for rank, p in enumerate(found, start=1):
        running += p["priority"]
        out.append(Problem(rank=rank, cumulative_share=running / total if total else np.nan, **p))
    return out


def incident_problems(
    counted: KindPart,
    kind: DefectKind,
    group: str,
    centre: int,
    target: float,
    settings: Settings,
    playbook: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """The incidents of a defect kind as problems (COUNTED: its counts in GROUP; CENTRE: the
    source's rows): segment `date=DAY` or `date=FIRST/LAST`, the usual days' rate as
    baseline, and priority from the excess defects over that rate (docs/kpis.md#incidents)."""
    if counted.days is None or counted.rows == 0:
        return []
    limits = playbook["incidents"]
    planned = settings.calendar.planned(days_met(counted.days))
    total = float(counted.defects)
    weight = float(playbook["problem_weights"].get(kind.kpi, 1.0))
    return [
        {
            "kpi": kind.kpi,
            "segment": part_segment(counted, centre, group, ((f.DATE, i.dates),)),
            "value": kpi_from_defect_rate(kind.kpi, i.rate),
            "baseline": kpi_from_defect_rate(kind.kpi, i.expected),
            "target": target,
            "defects": i.defects,
            "base": i.base,
            "excess": i.excess,
            "defect_share": i.defects / total if total else np.nan,
            "priority": i.excess * weight * float(limits["priority_factor"]),
            "trend": "na",
            "previous": math.nan,
            "trend_factor": 1.0,
            "group": group,
            "days": i.days,
            "hours": i.hours,
        }
        for i in incidents_of(counted.days, kind, group, planned, limits)
    ]


def observed_days(column: pd.Series) -> list[str]:
    """The days (YYYY-MM-DD) a `date` column holds: a categorical's categories met in it,
    read from its codes rather than by writing every row out as text."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = np.unique(column.cat.codes.to_numpy())
        return [str(day) for day in column.cat.categories[codes[codes >= 0]]]
    return [str(day) for day in column.dropna().astype(str).unique()]


def grouped_segment(frame: pd.DataFrame, centre: int, group: str, segment: Segment) -> Segment:
    """A problem's segment named once, by the most general of the names that hold the same
    contacts: within a channel group (FRAME: the group's rows of the source, CENTRE: all of
    them), a part that is the whole group (its one channel, say) is dropped, and so is the
    group when a channel of it narrows the segment or when it is the whole centre; a segment
    left empty (a one-channel centre failing everywhere) is named by its group, which
    carries the target."""
    if not group:
        return segment
    whole = [bool(in_segment(frame, (part,)).all()) for part in segment]
    return _named(group, segment, whole, len(frame) == centre)


def part_segment(counted: KindPart, centre: int, group: str, segment: Segment) -> Segment:
    """`grouped_segment` read from a defect kind's counts in its group (COUNTED) rather
    than from its rows: a part of the segment is the whole group when it holds every row."""
    if not group:
        return segment
    whole = [counted.rows_in(d, v) == counted.rows for d, v in segment]
    return _named(group, segment, whole, counted.rows == centre)


def _named(group: str, segment: Segment, whole: list[bool], is_centre: bool) -> Segment:
    """A segment in GROUP named once (WHOLE: each of its parts holds the whole group;
    IS_CENTRE: the group is the whole centre)."""
    kept = tuple(part for part, all_rows in zip(segment, whole, strict=True) if not all_rows)
    if any(d == s.CHANNEL for d, _ in kept) or (kept and is_centre):
        return kept
    return ((f.CHANNEL_GROUP, group), *kept)


def _pick(
    candidates: list[tuple[Any, pd.DataFrame]],
) -> tuple[tuple[str, ...], tuple[str, ...], pd.Series] | None:
    best: tuple[tuple[str, ...], tuple[str, ...], pd.Series] | None = None
    for dims, table in candidates:
        top = _best(table)
        if top is None:
            continue
        dims_t = dims if isinstance(dims, tuple) else (dims,)
        values = top[0] if isinstance(top[0], tuple) else (top[0],)
        if best is None or top[1]["excess"] > best[2]["excess"]:
            best = (dims_t, tuple(str(v) for v in values), top[1])
    return best
