"""The problem list's counts in mergeable parts: per defect kind and channel group, the rows,
defects and base of every segment of one drill dimension and of each pair of them, and per
(day, hour) for the incidents.

A period's facts can be counted in parts (customer-hash partitions on Dask) and the parts
added: the problem list read from the merged counts equals that of the whole, exactly, since
every count is a whole number. The full cube of all five dimensions is summed within a part
only, as a faster way to the pairs; it is never shipped.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.frames import sums_added
from tasks.fishbone.defects import DEFECT_KINDS, DefectKind, source_frame
from tasks.incidents import DayHours, day_hours, merge_day_hours
from tasks.kpis import GROUP_KPIS
from tasks.kpis.segments import days_between

DRILL_DIMENSIONS: Final = (s.CATEGORY, s.CHANNEL, f.HOUR_BAND, s.TEAM, s.TIER)
AGENT_DIMENSIONS: Final = (s.TEAM, s.TIER)


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
    """Each row's defects, base and segment codes, and (whole numbers) the cube of them."""
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


def segment_table(counts: DefectCounts, dims: tuple[str, ...]) -> pd.DataFrame:
    """Rows, defects and base of every segment of `dims` met in the data, in the order a
    `groupby(dims, sort=True)` gives them, segments named as text."""
    shape = tuple(len(counts.labels[d]) for d in dims)
    size = math.prod(shape)
    if counts.cube is not None:
        summed = _marginal(counts.cube, tuple(counts.codes), dims).reshape(3, size)
        seen = np.flatnonzero(summed[0])
        rows = summed[0, seen].astype(np.int64)
        defects, base = summed[1, seen].astype(np.int64), summed[2, seen].astype(np.int64)
    else:
        rows, defects, base, seen = _summed_rows(counts, dims, shape)
    at = np.unravel_index(seen, shape) if size else tuple(seen for _ in dims)
    text = [np.asarray(counts.labels[d]).astype(str)[a] for d, a in zip(dims, at, strict=True)]
    index = (
        pd.Index(text[0], dtype=object, name=dims[0])
        if len(dims) == 1
        else pd.MultiIndex.from_arrays([pd.Index(t, dtype=object) for t in text])
    )
    return pd.DataFrame({"rows": rows, "defects": defects, "base": base}, index=index)


def _summed_rows(
    counts: DefectCounts, dims: tuple[str, ...], shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows, defects and base of the segments of `dims` met in the data, summed over the
    rows, and the segments' flat positions in SHAPE."""
    size = math.prod(shape)
    codes = [counts.codes[d] for d in dims]
    unknown = np.logical_or.reduce([c < 0 for c in codes])
    if unknown.any():  # rows outside every segment of a dimension: in no segment of it
        codes = [c[~unknown] for c in codes]
    if size == 0 or len(codes[0]) == 0:
        key = np.zeros(0, dtype=np.intp)
    else:
        key = np.ravel_multi_index(tuple(codes), shape)
    rows = np.bincount(key, minlength=size)
    seen = np.flatnonzero(rows)

    def summed(values: np.ndarray) -> np.ndarray:
        known = values[~unknown] if unknown.any() else values
        sums = np.bincount(key, weights=known, minlength=size)[seen]
        return sums.astype(np.int64) if counts.integers else sums  # exact: far below 2**53

    return rows[seen].astype(np.int64), summed(counts.defects), summed(counts.base), seen


def judged_kinds() -> list[tuple[DefectKind, str]]:
    """Each defect kind with the channel group it is judged in: a KPI the groups carry
    (`GROUP_KPIS`) once per group, with that group's target; the others once over all
    contacts ("")."""
    return [(kind, group) for kind in DEFECT_KINDS for group in GROUP_KPIS.get(kind.kpi, ("",))]


def drill_dimensions(kind: DefectKind) -> tuple[str, ...]:
    """The dimensions a defect kind is drilled into: unanswered contacts have no agent, so
    agent segments only for handled-contact defects."""
    if kind.base != f.COUNTED:
        return DRILL_DIMENSIONS
    return tuple(d for d in DRILL_DIMENSIONS if d not in AGENT_DIMENSIONS)


@dataclass(frozen=True)
class KindPart:
    """One defect kind's counts in one channel group of a part: its rows, defects and base,
    those of each drill segment of one or two dimensions, and those per (day, hour)."""

    rows: int
    defects: float  # a whole number (an int) when both measures count whole numbers
    base: float
    integers: bool
    tables: dict[tuple[str, ...], pd.DataFrame]  # dims → rows, defects, base by segment
    days: DayHours | None  # None: the rows carry no day

    def rows_in(self, dimension: str, value: str) -> int:
        """The rows in one segment (a `date` may be the interval `FIRST/LAST`)."""
        if dimension == f.DATE:
            if self.days is None:
                return 0
            first, _, last = value.partition("/")
            dates = days_between(first, last) if last else [value]
            met = self.days.table.index.get_level_values(f.DATE).isin(dates)
            return int(self.days.table["rows"][met].sum())
        table = self.tables[(dimension,)]
        return int(table["rows"].get(value, 0))


@dataclass(frozen=True)
class ProblemsPart:
    """What a part of a period's facts contributes to the problem list."""

    centre: dict[str, int]  # each defect source's rows (every channel group)
    kinds: dict[tuple[str, str], KindPart]  # (kpi, group) → its counts
    months: tuple[int, ...] = ()


def kind_part(frame: pd.DataFrame, kind: DefectKind, dims: tuple[str, ...]) -> KindPart:
    """One defect kind's counts in a facts frame narrowed to its channel group, for the
    drill dimensions DIMS."""
    counts = defect_counts(frame, kind, dims)
    combos = [(d,) for d in dims] + list(itertools.combinations(dims, 2))
    defects, base = counts.defects.sum(), counts.base.sum()
    return KindPart(
        rows=len(frame),
        defects=int(defects) if counts.integers else float(defects),
        base=int(base) if counts.integers else float(base),
        integers=counts.integers,
        tables={c: segment_table(counts, c) for c in combos},
        days=day_hours(frame, kind) if f.DATE in frame else None,
    )


def problems_part(facts: f.Facts, kpis: Collection[str]) -> ProblemsPart:
    """The problem list's counts of a set of facts, for the KPIs given (those with a
    target): one `KindPart` per judged defect kind and group."""
    kinds: dict[tuple[str, str], KindPart] = {}
    for kind, group in judged_kinds():
        if kind.kpi not in kpis:
            continue
        frame, dims = source_frame(facts, kind.source), drill_dimensions(kind)
        if group:  # the group's rows of the columns counted, not a copy of every column
            read = [c for c in (*dims, f.DATE, f.HOUR, *kind.measures) if c in frame]
            keep = (frame[f.CHANNEL_GROUP] == group).to_numpy(dtype=bool, na_value=False)
            frame = frame.loc[keep, read]
        if not frame.empty:  # nothing counted: no part (merging keeps the other's)
            kinds[(kind.kpi, group)] = kind_part(frame, kind, dims)
    sources = {kind.source for kind in DEFECT_KINDS}
    centre = {source: len(source_frame(facts, source)) for source in sorted(sources)}
    return ProblemsPart(centre, kinds, facts.months)


def merge_kind(a: KindPart, b: KindPart) -> KindPart:
    """One defect kind's counts of two disjoint parts."""
    if b.rows == 0:
        return a
    if a.rows == 0:
        return b
    days = (
        a.days if b.days is None else b.days if a.days is None else merge_day_hours(a.days, b.days)
    )
    return KindPart(
        rows=a.rows + b.rows,
        defects=a.defects + b.defects,
        base=a.base + b.base,
        integers=a.integers and b.integers,
        tables={key: sums_added(table, b.tables[key]) for key, table in a.tables.items()},
        days=days,
    )


def merge_problems(a: ProblemsPart, b: ProblemsPart) -> ProblemsPart:
    """The problem list's counts of two disjoint parts of a period's facts."""
    return ProblemsPart(
        centre={k: a.centre.get(k, 0) + b.centre.get(k, 0) for k in sorted({*a.centre, *b.centre})},
        kinds={
            key: merge_kind(a.kinds[key], b.kinds[key]) if key in a.kinds and key in b.kinds
            else a.kinds.get(key) or b.kinds[key]
            for key in sorted({*a.kinds, *b.kinds})
        },
        months=a.months or b.months,
    )  # fmt: skip
