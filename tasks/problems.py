"""The problem list (Pareto): per KPI the segment holding most excess defects, ranked.

From symptoms to the few problems worth a meeting: every segment of one or two dimensions is
counted against the KPI's target, the worst per KPI kept, and its priority weighed by impact
and by its trend against the previous period.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.messages import Segment
from csreview.settings import Settings
from tasks import compare
from tasks.fishbone.defects import DEFECT_KINDS, DefectKind, kpi_from_defect_rate, source_frame
from tasks.incidents import detect_incidents
from tasks.kpis import GROUP_KPIS, in_segment

DRILL_DIMENSIONS: Final = (s.CATEGORY, s.CHANNEL, f.HOUR_BAND, s.TEAM, s.TIER)
AGENT_DIMENSIONS: Final = (s.TEAM, s.TIER)


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


CUBE_CELLS: Final = 1 << 20  # the most cells of a kind's joint segment counts (3 × 8 MiB)


@dataclass(frozen=True)
class DefectCounts:
    """Each row's defects and base of a facts frame, and its segment of each dimension as
    integer codes (−1: none): every segmentation of a defect kind is summed from these by
    `np.bincount`, without grouping the facts frame again for each of dozens. Counted in
    whole numbers, the rows, defects and base of every combination of all the dimensions'
    segments (`cube`, the first slot of each axis: no segment) are summed once, and each
    segmentation is then a sum over that small array instead of over the rows."""

    defects: np.ndarray
    base: np.ndarray
    integers: bool  # both counted in whole numbers: sums are given back as integers
    codes: dict[str, np.ndarray]
    labels: dict[str, pd.Index]
    cube: np.ndarray | None = None  # rows, defects, base by (dimension, …) segment codes


def defect_counts(frame: pd.DataFrame, kind: DefectKind, dims: Iterable[str]) -> DefectCounts:
    defects, base = kind.defects(frame), frame[kind.base]
    factorized = {d: _sorted_codes(frame[d]) for d in dims}
    counts = DefectCounts(
        defects=defects.to_numpy(dtype=float),
        base=base.to_numpy(dtype=float),
        integers=defects.dtype.kind in "iu" and base.dtype.kind in "iu",
        codes={d: codes for d, (codes, _) in factorized.items()},
        labels={d: pd.Index(np.asarray(labels), name=d) for d, (_, labels) in factorized.items()},
    )
    return dataclasses.replace(counts, cube=_cube(counts)) if counts.integers else counts


def _sorted_codes(column: pd.Series) -> tuple[np.ndarray, Any]:
    """`pd.factorize(column, sort=True)`, except that a categorical keeps all its categories
    (its own codes, read as they are): a segment never met has no rows, so it is never
    counted as met."""
    if isinstance(column.dtype, pd.CategoricalDtype) and not column.cat.ordered:
        categories = column.cat.categories
        if categories.is_monotonic_increasing and categories.is_unique:
            return column.cat.codes.to_numpy(), categories
    return pd.factorize(column, sort=True)


def _cube(counts: DefectCounts) -> np.ndarray | None:
    """Rows, defects and base summed per combination of every dimension's segment (each
    axis one slot longer, for rows in no segment of it); None where there are too many
    combinations for that to pay. Whole numbers summed as floats stay exact below 2**53."""
    dims = tuple(counts.codes)
    shape = tuple(len(counts.labels[d]) + 1 for d in dims)
    size = math.prod(shape)
    if not dims or size > CUBE_CELLS:
        return None
    key = np.zeros(len(counts.defects), dtype=np.intp)
    for d, n in zip(dims, shape, strict=True):
        key *= n
        key += counts.codes[d]  # −1 (no segment): one below the next slot …
        key += 1  # … so every code shifts up one, and slot 0 holds no segment
    return np.stack(
        [
            np.bincount(key, minlength=size).astype(float),
            np.bincount(key, weights=counts.defects, minlength=size),
            np.bincount(key, weights=counts.base, minlength=size),
        ]
    ).reshape((3, *shape))


def _marginal(cube: np.ndarray, every: tuple[str, ...], dims: tuple[str, ...]) -> np.ndarray:
    """The cube summed over the dimensions not in DIMS, its axes in the order of DIMS and
    without the no-segment slots."""
    kept = [every.index(d) + 1 for d in dims]
    summed = cube.sum(axis=tuple(a for a in range(1, cube.ndim) if a not in kept))
    order = np.argsort(np.argsort(kept))  # each kept axis's place among the summed axes
    moved = np.moveaxis(summed, list(order + 1), list(range(1, len(dims) + 1)))
    marginal: np.ndarray = moved[(slice(None), *(slice(1, None) for _ in dims))]
    return marginal


def _segment_sums(counts: DefectCounts, dims: tuple[str, ...]) -> pd.DataFrame:
    """Defects and base of every segment of `dims` met in the data, in the order a
    `groupby(dims, sort=True)` gives them."""
    shape = tuple(len(counts.labels[d]) for d in dims)
    size = math.prod(shape)
    if counts.cube is not None:
        summed = _marginal(counts.cube, tuple(counts.codes), dims).reshape(3, size)
        seen = np.flatnonzero(summed[0])
        defects, base = summed[1, seen].astype(np.int64), summed[2, seen].astype(np.int64)
    else:
        defects, base, seen = _summed_rows(counts, dims, shape)
    at = np.unravel_index(seen, shape) if size else tuple(seen for _ in dims)
    index = (
        counts.labels[dims[0]][at[0]]
        if len(dims) == 1
        else pd.MultiIndex.from_arrays([counts.labels[d][a] for d, a in zip(dims, at, strict=True)])
    )
    return pd.DataFrame({"_defects": defects, "_base": base}, index=index)


def _summed_rows(
    counts: DefectCounts, dims: tuple[str, ...], shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Defects and base of the segments of `dims` met in the data, summed over the rows, and
    the segments' flat positions in SHAPE."""
    size = math.prod(shape)
    codes = [counts.codes[d] for d in dims]
    unknown = np.logical_or.reduce([c < 0 for c in codes])
    if unknown.any():  # rows outside every segment of a dimension: in no segment of it
        codes = [c[~unknown] for c in codes]
    if size == 0 or len(codes[0]) == 0:
        key = np.zeros(0, dtype=np.intp)
    else:
        key = np.ravel_multi_index(tuple(codes), shape)
    seen = np.flatnonzero(np.bincount(key, minlength=size))

    def summed(values: np.ndarray) -> np.ndarray:
        known = values[~unknown] if unknown.any() else values
        sums = np.bincount(key, weights=known, minlength=size)[seen]
        return sums.astype(np.int64) if counts.integers else sums  # exact: far below 2**53

    return summed(counts.defects), summed(counts.base), seen


def segment_excess(
    counts: DefectCounts, target_rate: float, dims: tuple[str, ...], min_base: int
) -> pd.DataFrame:
    """Defects, base and excess over the target defect rate of every segment of `dims`."""
    grouped = _segment_sums(counts, dims)
    grouped = grouped[grouped["_base"] >= min_base]
    total_defects, total_base = counts.defects.sum(), counts.base.sum()
    if counts.integers:
        total_defects, total_base = int(total_defects), int(total_base)
    rest_base = total_base - grouped["_base"]
    return pd.DataFrame(
        {
            "defects": grouped["_defects"],
            "base": grouped["_base"],
            "rate": grouped["_defects"] / grouped["_base"],
            "rest_rate": (total_defects - grouped["_defects"]) / rest_base.where(rest_base > 0),
            "excess": grouped["_defects"] - target_rate * grouped["_base"],
            "share": grouped["_defects"] / total_defects if total_defects else np.nan,
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
    weights: dict[str, float] = playbook["problem_weights"]
    limits = playbook["thresholds"]
    found: list[dict[str, Any]] = []
    for kind, group in judged_kinds():
        spec = settings.targets.get(kind.kpi)
        frame = source_frame(facts, kind.source)
        centre = len(frame)
        if group:
            frame = frame[(frame[f.CHANNEL_GROUP] == group).to_numpy(dtype=bool, na_value=False)]
        if spec is None or frame.empty:
            continue
        target = spec.band(group=group or None, months=facts.months).target
        target_rate = kind.defect_rate_target(target)
        # unanswered contacts have no agent: agent segments only for handled-contact defects
        dims_ = (
            DRILL_DIMENSIONS
            if kind.base != f.COUNTED
            else tuple(d for d in DRILL_DIMENSIONS if d not in AGENT_DIMENSIONS)
        )
        counts = defect_counts(frame, kind, dims_)
        singles = [
            (d, segment_excess(counts, target_rate, (d,), settings.min_sample)) for d in dims_
        ]
        pairs = [
            (d, segment_excess(counts, target_rate, d, settings.min_sample))
            for d in itertools.combinations(dims_, 2)
        ]
        best_single = _pick(singles)
        if best_single is None:
            found += incident_problems(frame, kind, group, centre, target, settings, playbook)
            continue
        best_pair = _pick(pairs)
        chosen = best_single
        if (
            best_pair is not None
            and best_pair[2]["excess"] >= limits["pair_preference"] * best_single[2]["excess"]
        ):
            chosen = best_pair
        dims, values, row = chosen
        segment = grouped_segment(frame, centre, group, tuple(zip(dims, values, strict=True)))
        trend = segment_trend(
            kind,
            segment,
            float(row["defects"]),
            float(row["base"]),
            previous,
            settings.min_sample,
            playbook["trend"],
        )
        found += incident_problems(frame, kind, group, centre, target, settings, playbook)
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
    frame: pd.DataFrame,
    kind: DefectKind,
    group: str,
    centre: int,
    target: float,
    settings: Settings,
    playbook: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """The incidents of a defect kind as problems (FRAME: its source narrowed to GROUP; CENTRE:
    the source's rows): segment `date=DAY` or `date=FIRST/LAST`, the usual days' rate as
    baseline, and priority from the excess defects over that rate (docs/kpis.md#incidents)."""
    if f.DATE not in frame:
        return []
    limits = playbook["incidents"]
    days = observed_days(frame[f.DATE])
    planned = settings.calendar.planned(days)
    total = float(kind.defects(frame).sum())
    weight = float(playbook["problem_weights"].get(kind.kpi, 1.0))
    return [
        {
            "kpi": kind.kpi,
            "segment": grouped_segment(frame, centre, group, ((f.DATE, i.dates),)),
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
        for i in detect_incidents(frame, kind, group, planned, limits)
    ]


def observed_days(column: pd.Series) -> list[str]:
    """The days (YYYY-MM-DD) a `date` column holds: a categorical's categories met in it,
    read from its codes rather than by writing every row out as text."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = np.unique(column.cat.codes.to_numpy())
        return [str(day) for day in column.cat.categories[codes[codes >= 0]]]
    return [str(day) for day in column.dropna().astype(str).unique()]


def judged_kinds() -> list[tuple[DefectKind, str]]:
    """Each defect kind with the channel group it is judged in: a KPI the groups carry
    (`GROUP_KPIS`) once per group, with that group's target; the others once over all
    contacts ("")."""
    return [(kind, group) for kind in DEFECT_KINDS for group in GROUP_KPIS.get(kind.kpi, ("",))]


def grouped_segment(frame: pd.DataFrame, centre: int, group: str, segment: Segment) -> Segment:
    """A problem's segment named once, by the most general of the names that hold the same
    contacts: within a channel group (FRAME: the group's rows of the source, CENTRE: all of
    them), a part that is the whole group (its one channel, say) is dropped, and so is the
    group when a channel of it narrows the segment or when it is the whole centre; a segment
    left empty (a one-channel centre failing everywhere) is named by its group, which
    carries the target."""
    if not group:
        return segment
    kept = tuple((d, v) for d, v in segment if not bool(in_segment(frame, ((d, v),)).all()))
    if any(d == s.CHANNEL for d, _ in kept) or (kept and len(frame) == centre):
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
