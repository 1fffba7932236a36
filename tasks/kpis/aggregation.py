"""The long KPI table (`kpis.csv`): every KPI for every segment, summed from the facts.

Each dimension's segments are grouped once per facts frame and shared by every KPI of
that frame; targets and status are then looked up per row.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.catalog import KPIS_BY_KEY
from csreview.settings import Band, Settings
from tasks.kpis.rules import MEASURES, RULES, KpiRule, Source
from tasks.kpis.status import band_for, status_of

QUANTILES: Final = {"median": 0.5, "p90": 0.9}
NUMBERS: Final = (f.NUMERATOR, f.DENOMINATOR, f.VALUE)


class _Segments:
    """The sums of one dimension's segments, per facts frame, each grouped once and shared
    by every KPI of that frame (a column's sum does not depend on the others summed)."""

    def __init__(
        self, facts: f.Facts, dimension: str, answered: pd.DataFrame, by_wait: np.ndarray
    ) -> None:
        self.facts = facts
        self.dimension = dimension
        self.answered = answered  # the answered contacts' segments and waits
        self.by_wait = by_wait  # their positions in the order of their waits
        self._sums: dict[Source, pd.DataFrame] = {}
        self._waits: Any = None
        self._quantiles: pd.DataFrame | None = None

    def frame(self, source: Source) -> pd.DataFrame:
        frames: dict[Source, pd.DataFrame] = {
            "contacts": self.facts.contacts,
            "backlog": self.facts.backlog,
            "qa": self.facts.qa,
            "calibration": self.facts.calibration,
            "surveys": self.facts.surveys,
        }
        return frames[source]

    def sums(self, source: Source) -> pd.DataFrame:
        if source not in self._sums:
            frame = self.frame(source)
            self._sums[source] = frame.groupby(self.dimension, observed=True, sort=True)[
                list(MEASURES[source])
            ].sum()
        return self._sums[source]

    def waits(self) -> Any:
        """The waits of answered contacts, grouped by segment."""
        if self._waits is None:
            self._waits = self.answered.groupby(self.dimension, observed=True)[f.WAIT]
        return self._waits

    def quantile(self, q: float) -> pd.Series:
        """A quantile of the waits per segment (the median and the 90th in one pass)."""
        if self._quantiles is None:
            qs = list(QUANTILES.values())
            segment = self.answered[self.dimension]
            if isinstance(segment.dtype, pd.CategoricalDtype):
                self._quantiles = segment_quantiles(
                    segment, self.answered[f.WAIT], self.by_wait, qs
                )
            else:  # no answered contact in any segment: no column, and every value missing
                self._quantiles = self.waits().quantile(qs).unstack().reindex(columns=qs)
        return self._quantiles[q]


def segment_quantiles(
    segment: pd.Series, values: pd.Series, by_value: np.ndarray, qs: list[float]
) -> pd.DataFrame:
    """Quantiles of VALUES per segment (a categorical; rows by their position in the
    order of their values: BY_VALUE), exactly as `groupby(segment).quantile(qs)` works them
    out (linear between the two nearest ranks, missing values left out): the values are
    sorted once for every dimension, and each dimension reorders them by its codes alone."""
    codes = segment.cat.codes.to_numpy()[by_value]
    sorted_values = values.to_numpy(dtype="float64")[by_value]
    known = (codes >= 0) & ~np.isnan(sorted_values)
    codes, sorted_values = codes[known], sorted_values[known]
    order = np.argsort(codes, kind="stable")  # by segment, each segment's values in order
    sorted_values = sorted_values[order]
    n = np.bincount(codes.astype(np.int64), minlength=len(segment.cat.categories))
    met = np.flatnonzero(n)
    start, size = (np.cumsum(n) - n)[met], n[met]
    out = {}
    for q in qs:
        at = q * (size - 1).astype("float64")
        lower = start + at.astype(np.int64)
        fraction = np.fmod(at, 1.0)
        low = sorted_values[lower]
        high = sorted_values[np.where(fraction == 0.0, lower, lower + 1)]
        out[q] = np.where(fraction == 0.0, low, low + (high - low) * fraction)
    index = pd.CategoricalIndex(
        pd.Categorical.from_codes(
            met, categories=segment.cat.categories, ordered=segment.cat.ordered
        ),
        name=segment.name,
    )
    return pd.DataFrame(out, index=index, columns=qs)


def _calibration_spread(qa: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Per segment: sum of (max − min score) over contacts with 2+ distinct reviewers, and
    the number of such contacts."""
    per_contact = qa.groupby([dimension, s.CONTACT_ID], observed=True).agg(
        reviewers=(s.REVIEWER_ID, "nunique"), high=(s.SCORE, "max"), low=(s.SCORE, "min")
    )
    calibrated = per_contact[per_contact["reviewers"] >= 2]
    spread = (calibrated["high"] - calibrated["low"]).groupby(level=0, observed=True)
    return pd.DataFrame({f.SPREAD: spread.sum(), f.N: spread.size()})


def _rule_rows(rule: KpiRule, segments: _Segments) -> pd.DataFrame:
    """numerator, denominator and value of one KPI for every segment of one dimension."""
    if rule.kind == "count":
        n = segments.sums("backlog" if rule.source == "backlog" else "contacts")[f.N]
        return pd.DataFrame({f.NUMERATOR: n, f.DENOMINATOR: np.nan, f.VALUE: n.astype("float64")})
    if rule.kind in ("median", "p90"):
        segments_ = segments.sums("contacts").index
        return pd.DataFrame(
            {
                f.NUMERATOR: np.nan,
                f.DENOMINATOR: segments.waits().size().reindex(segments_, fill_value=0),
                f.VALUE: segments.quantile(QUANTILES[rule.kind]).reindex(segments_),
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
        spread = _calibration_spread(segments.facts.calibration, segments.dimension)
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
    columns: dict[str, list[Any]] = {c: [] for c in (f.KPI, f.DIMENSION, f.SEGMENT, *NUMBERS)}
    contacts = facts.contacts
    answered = contacts.loc[contacts[f.ANSWERED] == 1, [*dimensions, f.WAIT]]
    by_wait = np.argsort(answered[f.WAIT].to_numpy(dtype="float64"), kind="stable")
    for dimension in dimensions:
        segments_ = _Segments(facts, dimension, answered, by_wait)
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
            known[key] = band_for(settings, kpi, dimension, segment, facts.months)
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
