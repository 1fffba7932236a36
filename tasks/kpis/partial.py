"""Mergeable aggregates of facts: per dimension and segment, the sums of every measure, the
answered waits as exact value counts, and the calibration spreads, which merge by addition.

A period's facts can then be aggregated in parts (days, customer-hash partitions, Dask
workers) and merged, and the KPI rows read from the merged aggregates equal those of the
whole: counts exactly, quantiles exactly, non-integer sums to the last bits (docs/kpis.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Final

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from tasks.kpis.rules import MEASURES, Source

SUMMED: Final[tuple[Source, ...]] = ("contacts", "backlog", "qa", "surveys")


@dataclass(frozen=True)
class WaitCounts:
    """The waits of one dimension's answered contacts as exact value counts: run i holds
    `counts[i]` waits equal to `seconds[i]` in segment `labels[codes[i]]`; runs are sorted by
    segment (labels in text order), then by value, and no two runs are equal."""

    labels: np.ndarray  # segment labels, text order, unique
    codes: np.ndarray  # int64, each run's segment
    seconds: np.ndarray  # float64, each run's wait
    counts: np.ndarray  # int64, how many waits each run holds

    @classmethod
    def empty(cls) -> WaitCounts:
        return cls(
            np.array([], dtype=object),
            np.array([], dtype=np.int64),
            np.array([], dtype="float64"),
            np.array([], dtype=np.int64),
        )


@dataclass(frozen=True)
class Aggregates:
    """What every KPI row of a set of facts is read from, per dimension (segments as text):
    each source's sums of its measures, the answered waits and the calibration spreads."""

    dimensions: tuple[str, ...]
    sums: dict[tuple[str, Source], pd.DataFrame]  # (dimension, source) → sums by segment
    waits: dict[str, WaitCounts]
    spreads: dict[str, pd.DataFrame]  # dimension → SPREAD (sum) and N by segment
    months: tuple[int, ...] = field(default=())


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame indexed by segment, its index as text (so parts' segments can meet)."""
    return frame.set_axis(pd.Index(frame.index.astype(str), dtype=object, name=frame.index.name))


def wait_counts(segment: pd.Series, values: pd.Series, by_value: np.ndarray) -> WaitCounts:
    """The value counts of VALUES per SEGMENT (a categorical in text order; rows by their
    position in the order of their values: BY_VALUE), missing values and segments left out:
    the values are sorted once for every dimension, each reorders them by its codes alone."""
    if not isinstance(segment.dtype, pd.CategoricalDtype):
        return WaitCounts.empty()  # no row at all: nothing was ever categorised
    codes = segment.cat.codes.to_numpy()[by_value]
    sorted_values = values.to_numpy(dtype="float64")[by_value]
    known = (codes >= 0) & ~np.isnan(sorted_values)
    codes, sorted_values = codes[known], sorted_values[known]
    order = np.argsort(codes, kind="stable")  # by segment (small codes: a radix sort)
    labels = np.asarray(segment.cat.categories.astype(str), dtype=object)
    codes, sorted_values = codes[order].astype(np.int64), sorted_values[order]
    starts = _run_starts(codes, sorted_values)
    counts = np.diff(np.append(starts, len(codes)))  # one wait a row: a run counts its rows
    return WaitCounts(labels, codes[starts], sorted_values[starts], counts)


def _run_starts(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Where each run of equal (code, value) pairs begins, in pairs sorted by both."""
    if len(codes) == 0:
        return np.array([], dtype=np.int64)
    changes = (codes[1:] != codes[:-1]) | (values[1:] != values[:-1])
    starts: np.ndarray = np.flatnonzero(np.concatenate([[True], changes]))
    return starts


def _runs(
    labels: np.ndarray, codes: np.ndarray, values: np.ndarray, counts: np.ndarray
) -> WaitCounts:
    """Sorted (code, value) pairs with counts, equal neighbours made one run."""
    if len(codes) == 0:
        return WaitCounts(labels, codes, values, counts)
    starts = _run_starts(codes, values)
    return WaitCounts(labels, codes[starts], values[starts], np.add.reduceat(counts, starts))


def quantiles(waits: WaitCounts, qs: Sequence[float]) -> pd.DataFrame:
    """Quantiles per segment of the counted waits, exactly as `groupby(segment).quantile(qs)`
    works them out: linear between the two nearest ranks. Segments without waits: no row."""
    first_run = _run_starts(waits.codes, np.zeros(len(waits.codes)))  # codes are sorted
    met = waits.codes[first_run]
    cum = np.cumsum(waits.counts)
    before = np.concatenate([[0], cum])[first_run]  # waits in earlier segments
    size = np.concatenate([cum[first_run[1:] - 1], cum[-1:]]) - before if len(met) else cum[:0]
    out = {}
    for q in qs:
        at = q * (size - 1).astype("float64")
        lower = before + at.astype(np.int64)
        fraction = np.fmod(at, 1.0)
        low = waits.seconds[np.searchsorted(cum, lower, side="right")]
        upper = np.where(fraction == 0.0, lower, lower + 1)
        high = waits.seconds[np.searchsorted(cum, upper, side="right")]
        out[q] = np.where(fraction == 0.0, low, low + (high - low) * fraction)
    index = pd.Index(waits.labels[met], dtype=object)
    return pd.DataFrame(out, index=index, columns=list(qs))


def calibration_spread(qa: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Per segment: sum of (max − min score) over contacts with 2+ distinct reviewers, and
    the number of such contacts (a contact's evaluations must all be in QA)."""
    per_contact = qa.groupby([dimension, s.CONTACT_ID], observed=True).agg(
        reviewers=(s.REVIEWER_ID, "nunique"), high=(s.SCORE, "max"), low=(s.SCORE, "min")
    )
    calibrated = per_contact[per_contact["reviewers"] >= 2]
    spread = (calibrated["high"] - calibrated["low"]).groupby(level=0, observed=True)
    return _labelled(pd.DataFrame({f.SPREAD: spread.sum(), f.N: spread.size()}))


def aggregate(facts: f.Facts, dimensions: tuple[str, ...] = f.DIMENSIONS) -> Aggregates:
    """The aggregates of a set of facts for every dimension (each source grouped once per
    dimension; the answered waits sorted once for all of them)."""
    frames: dict[Source, pd.DataFrame] = {
        "contacts": facts.contacts,
        "backlog": facts.backlog,
        "qa": facts.qa,
        "surveys": facts.surveys,
    }
    contacts = facts.contacts
    answered = contacts.loc[contacts[f.ANSWERED] == 1, [*dimensions, f.WAIT]]
    by_wait = np.argsort(answered[f.WAIT].to_numpy(dtype="float64"), kind="stable")
    sums = {
        (dimension, source): _labelled(
            frames[source]
            .groupby(dimension, observed=True, sort=True)[list(MEASURES[source])]
            .sum()
        )
        for dimension in dimensions
        for source in SUMMED
    }
    return Aggregates(
        dimensions=dimensions,
        sums=sums,
        waits={d: wait_counts(answered[d], answered[f.WAIT], by_wait) for d in dimensions},
        spreads={d: calibration_spread(facts.calibration, d) for d in dimensions},
        months=facts.months,
    )


def _add_frames(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Two frames of sums by segment added, segment by segment (a segment in one only keeps
    its sums; the columns keep their types)."""
    if b.empty:
        return a
    if a.empty:
        return b
    both = a.index.union(b.index).sort_values()
    return _labelled(a.reindex(both, fill_value=0) + b.reindex(both, fill_value=0))


def _add_waits(a: WaitCounts, b: WaitCounts) -> WaitCounts:
    """Two parts' wait counts as one: labels united, runs re-sorted and counted together."""
    if len(b.codes) == 0:
        return a
    if len(a.codes) == 0:
        return b
    labels = np.unique(np.concatenate([a.labels, b.labels]).astype(str)).astype(object)
    codes = np.concatenate(
        [
            np.searchsorted(labels, a.labels.astype(str))[a.codes],
            np.searchsorted(labels, b.labels.astype(str))[b.codes],
        ]
    ).astype(np.int64)
    values = np.concatenate([a.seconds, b.seconds])
    order = np.lexsort((values, codes))
    counts = np.concatenate([a.counts, b.counts])[order]
    return _runs(labels, codes[order], values[order], counts)


def merge(a: Aggregates, b: Aggregates) -> Aggregates:
    """The aggregates of two disjoint parts of a period's facts (a contact's evaluations in
    one part): every sum and count added, the waits counted together."""
    if a.dimensions != b.dimensions:
        raise ValueError(f"aggregates of different dimensions: {a.dimensions} and {b.dimensions}")
    return Aggregates(
        dimensions=a.dimensions,
        sums={key: _add_frames(frame, b.sums[key]) for key, frame in a.sums.items()},
        waits={d: _add_waits(a.waits[d], b.waits[d]) for d in a.dimensions},
        spreads={d: _add_frames(a.spreads[d], b.spreads[d]) for d in a.dimensions},
        months=a.months or b.months,
    )


def merge_all(parts: Iterable[Aggregates]) -> Aggregates:
    """Every part's aggregates merged into one (at least one part)."""
    return reduce(merge, parts)
