"""The long KPI table (`kpis.csv`): every KPI for every segment, read from the aggregates
of the facts (`partial.py`), whether of the whole period or of its parts merged.

One code path reads the KPI rows from aggregates, so a period aggregated in parts (on Dask
workers) gives the rows of the whole; targets and status are then looked up per row.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.catalog import KPIS_BY_KEY
from csreview.settings import Band, Settings
from tasks.kpis.partial import Aggregates, aggregate, quantiles, wait_counts
from tasks.kpis.rules import RULES, KpiRule, Source
from tasks.kpis.status import band_for, status_of

QUANTILES: Final = {"median": 0.5, "p90": 0.9}
NUMBERS: Final = (f.NUMERATOR, f.DENOMINATOR, f.VALUE)


class _Segments:
    """One dimension's aggregates, as the KPI rules read them (the waits' quantiles worked
    out once, both at a time)."""

    def __init__(self, aggregates: Aggregates, dimension: str) -> None:
        self.aggregates = aggregates
        self.dimension = dimension
        self._quantiles: pd.DataFrame | None = None

    def sums(self, source: Source) -> pd.DataFrame:
        return self.aggregates.sums[(self.dimension, source)]

    def spread(self) -> pd.DataFrame:
        return self.aggregates.spreads[self.dimension]

    def quantile(self, q: float) -> pd.Series:
        """A quantile of the answered waits per segment (the median and the 90th in one pass)."""
        if self._quantiles is None:
            self._quantiles = quantiles(
                self.aggregates.waits[self.dimension], list(QUANTILES.values())
            )
        return self._quantiles[q]


def segment_quantiles(
    segment: pd.Series, values: pd.Series, by_value: np.ndarray, qs: list[float]
) -> pd.DataFrame:
    """Quantiles of VALUES per segment (a categorical; rows by their position in the
    order of their values: BY_VALUE), exactly as `groupby(segment).quantile(qs)` works them
    out (linear between the two nearest ranks, missing values left out), from their counts."""
    return quantiles(wait_counts(segment, values, by_value), qs)


def _rule_rows(rule: KpiRule, segments: _Segments) -> pd.DataFrame:
    """numerator, denominator and value of one KPI for every segment of one dimension."""
    if rule.kind == "count":
        n = segments.sums("backlog" if rule.source == "backlog" else "contacts")[f.N]
        return pd.DataFrame({f.NUMERATOR: n, f.DENOMINATOR: np.nan, f.VALUE: n.astype("float64")})
    if rule.kind in ("median", "p90"):
        answered = segments.sums("contacts")[f.ANSWERED]  # the answered rows of each segment
        return pd.DataFrame(
            {
                f.NUMERATOR: np.nan,
                f.DENOMINATOR: answered,
                f.VALUE: segments.quantile(QUANTILES[rule.kind]).reindex(answered.index),
            }
        )
    if rule.kind == "nps":
        sums = segments.sums("surveys")
        n = sums[f.NPS_N]
        value = 100 * (sums[f.PROMOTER] - sums[f.DETRACTOR]) / n.where(n > 0)
        return pd.DataFrame({f.NUMERATOR: np.nan, f.DENOMINATOR: n, f.VALUE: value})
    if rule.kind == "response":
        handled = segments.sums("contacts")[f.ANSWERED]
        answered_surveys = segments.sums("surveys")[f.N].reindex(handled.index, fill_value=0)
        return _ratio(answered_surveys, handled)
    if rule.kind == "balance":
        sums = segments.sums("surveys")
        with_offer = sums[f.OFFER_TOP2] / sums[f.OFFER_CSAT_N].where(sums[f.OFFER_CSAT_N] > 0)
        without = sums[f.NO_OFFER_TOP2] / sums[f.NO_OFFER_CSAT_N].where(sums[f.NO_OFFER_CSAT_N] > 0)
        return pd.DataFrame(
            {
                f.NUMERATOR: np.nan,
                f.DENOMINATOR: np.minimum(sums[f.OFFER_CSAT_N], sums[f.NO_OFFER_CSAT_N]),
                f.VALUE: with_offer / without.where(without > 0),
            }
        )
    if rule.source == "calibration":
        spread = segments.spread()
        return _ratio(spread[f.SPREAD], spread[f.N])
    sums = segments.sums(rule.source)
    return _ratio(sums[rule.numerator], sums[rule.denominator])


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.DataFrame:
    value = numerator / denominator.where(denominator > 0)
    return pd.DataFrame({f.NUMERATOR: numerator, f.DENOMINATOR: denominator, f.VALUE: value})


def compute_kpis(
    facts: f.Facts, settings: Settings, dimensions: tuple[str, ...] = f.DIMENSIONS
) -> pd.DataFrame:
    """The long KPI table (`kpis.csv`): every KPI for every non-empty segment of every dimension."""
    return kpi_table(aggregate(facts, dimensions), settings)


def kpi_table(aggregates: Aggregates, settings: Settings) -> pd.DataFrame:
    """The long KPI table from a period's aggregates (of its whole facts, or its parts' merged)."""
    columns: dict[str, list[Any]] = {c: [] for c in (f.KPI, f.DIMENSION, f.SEGMENT, *NUMBERS)}
    for dimension in aggregates.dimensions:
        segments_ = _Segments(aggregates, dimension)
        for rule in RULES:
            rows = _rule_rows(rule, segments_)  # arrays gathered, one frame built at the end
            columns[f.KPI].append(np.full(len(rows), rule.key, dtype=object))
            columns[f.DIMENSION].append(np.full(len(rows), dimension, dtype=object))
            columns[f.SEGMENT].append(np.asarray(rows.index.astype(str), dtype=object))
            for number in NUMBERS:
                columns[number].append(rows[number].to_numpy(dtype="float64"))
    table = pd.DataFrame({c: np.concatenate(parts) for c, parts in columns.items()})
    table = table.assign(**{c: table[c].astype(str) for c in (f.KPI, f.DIMENSION, f.SEGMENT)})
    direction = table[f.KPI].map({k: v.direction for k, v in KPIS_BY_KEY.items()})
    known: dict[tuple[str, str, str], Band | None] = {}  # a band depends on channel, group, tier

    def band(kpi: str, dimension: str, segment: str) -> Band | None:
        judged = (s.CHANNEL, f.CHANNEL_GROUP, s.TIER)
        key = (kpi, dimension, segment) if dimension in judged else (kpi, "", "")
        if key not in known:
            known[key] = band_for(settings, kpi, dimension, segment, aggregates.months)
        return known[key]

    labels = zip(*(table[c].tolist() for c in (f.KPI, f.DIMENSION, f.SEGMENT)), strict=True)
    bands = [band(k, d, g) for k, d, g in labels]  # lists: iterating Arrow text is slower
    targets = [np.nan if b is None else b.target for b in bands]
    statuses = [
        status_of(v, n, b, dr, settings.min_sample)
        for v, n, b, dr in zip(
            table[f.VALUE].tolist(),
            table[f.DENOMINATOR].tolist(),
            bands,
            direction.tolist(),
            strict=True,
        )
    ]
    return (
        table.assign(
            **{  # type: ignore[arg-type]
                f.TARGET: pd.Series(targets, index=table.index),
                f.STATUS: pd.Series(statuses, index=table.index),
            }
        )
        .loc[:, list(f.KPI_COLUMNS)]
        .sort_values([f.KPI, f.DIMENSION, f.SEGMENT], kind="stable")
        .reset_index(drop=True)
    )


def overall(kpis: pd.DataFrame) -> pd.DataFrame:
    """The dimension-`all` rows, indexed by KPI key."""
    return kpis[kpis[f.DIMENSION] == f.ALL].set_index(f.KPI)
