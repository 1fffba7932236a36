"""Mergeable aggregates: the KPI rows of any split of a period's facts, merged, are those of
the whole (counts and quantiles exactly, non-integer sums within 1e-12 relative)."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from bench.data import extract_of
from csreview import demo
from csreview import facts as f
from csreview import schema as s
from csreview.settings import Settings, load_settings
from tasks import kpis as k
from tasks.kpis import partial
from tests.conftest import OCTOBER, typed_frames

Split = Callable[[pd.Series], np.ndarray]  # contact ids → each one's part


def _demo_facts(settings: Settings) -> f.Facts:
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=12))
    clean = extract_of(frames, OCTOBER, settings.zone, datetime(2026, 11, 23, tzinfo=UTC)).typed
    return k.build_facts(clean, OCTOBER, settings, fcr_provisional=False)


def _parts(facts: f.Facts, split: Split, n: int) -> list[f.Facts]:
    """The facts cut into N parts by contact (a contact's evaluations and surveys with it;
    backlog items by position, as they have no id)."""
    part = pd.Series(split(facts.contacts[s.CONTACT_ID]), index=facts.contacts[s.CONTACT_ID])
    out = []
    for i in range(n):
        mine = part.index[part.to_numpy() == i]

        def of(frame: pd.DataFrame, mine: pd.Index = mine) -> pd.DataFrame:
            return frame[frame[s.CONTACT_ID].isin(mine).to_numpy()]

        backlog = facts.backlog.iloc[np.arange(len(facts.backlog)) % n == i]
        out.append(
            f.Facts(
                contacts=of(facts.contacts),
                backlog=backlog,
                qa=of(facts.qa),
                calibration=of(facts.calibration),
                surveys=of(facts.surveys),
                fcr_provisional=False,
                months=facts.months,
            )
        )
    return out


def _hashed(n: int) -> Split:
    return lambda ids: np.array([zlib.crc32(str(i).encode()) % n for i in ids])


SPLITS: dict[str, tuple[Split, int]] = {
    "customer-hash-like, 2 parts": (_hashed(2), 2),
    "hash, 3 parts": (_hashed(3), 3),
    "halves by position (cuts every segment's waits)": (
        lambda ids: (np.arange(len(ids)) >= len(ids) // 2).astype(int),
        2,
    ),
    "one empty part": (lambda ids: np.zeros(len(ids), dtype=int), 2),
    "one contact each side of the rest": (
        lambda ids: np.where(np.arange(len(ids)) == 3, 0, np.where(np.arange(len(ids)) == 7, 2, 1)),
        3,
    ),
}


def assert_same_kpis(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same rows, targets and statuses; numbers equal, non-integers within 1e-12 relative."""
    labels = [f.KPI, f.DIMENSION, f.SEGMENT, f.STATUS]
    pd.testing.assert_frame_equal(got[labels], expected[labels])
    for column in (f.VALUE, f.NUMERATOR, f.DENOMINATOR, f.TARGET):
        a, b = got[column].to_numpy(), expected[column].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), column
        assert np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True), column


@pytest.fixture(scope="module")
def demo_facts() -> f.Facts:
    return _demo_facts(load_settings())


@pytest.fixture(scope="module")
def demo_kpis(demo_facts: f.Facts) -> pd.DataFrame:
    return k.compute_kpis(demo_facts, load_settings())


@pytest.mark.parametrize("name", list(SPLITS))
def test_merged_parts_give_the_kpis_of_the_whole(
    demo_facts: f.Facts, demo_kpis: pd.DataFrame, name: str
) -> None:
    settings = load_settings()
    split, n = SPLITS[name]
    whole = demo_kpis
    parts = [partial.aggregate(p) for p in _parts(demo_facts, split, n)]
    merged = k.aggregation.kpi_table(partial.merge_all(parts), settings)
    assert_same_kpis(merged, whole)
    waits = merged[merged[f.KPI].isin(["frt_median_seconds", "frt_p90_seconds"])]
    exact = whole[whole[f.KPI].isin(["frt_median_seconds", "frt_p90_seconds"])]
    assert waits[f.VALUE].equals(exact[f.VALUE])  # quantiles: to the last bit


def test_the_demo_split_meets_calibration_and_every_source(demo_facts: f.Facts) -> None:
    """The split test means something: the demo month has calibrated contacts, surveys,
    a backlog and ties among waits."""
    assert len(demo_facts.calibration) and len(demo_facts.surveys) and len(demo_facts.backlog)
    waits = demo_facts.contacts[f.WAIT].dropna()
    assert waits.duplicated().any()


def test_waits_cut_across_parts_keep_the_median_and_p90_exact(settings: Settings) -> None:
    """Hand-checked: the tiny centre's answered waits are 10, 30, 50 and 5 s (median 20,
    p90 44); cut c1 and c5 from c2 and c9, merged they still give 20 and 44."""
    facts = k.build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=False)
    parts = _parts(facts, lambda ids: ids.isin(["c1", "c5"]).to_numpy().astype(int), 2)
    merged = partial.merge_all([partial.aggregate(p) for p in parts])
    q = partial.quantiles(merged.waits[f.ALL], [0.5, 0.9])
    assert q.loc[f.ALL].tolist() == [20.0, 44.0]
    assert merged.sums[(f.ALL, "contacts")].loc[f.ALL, f.ANSWERED] == 4


def test_wait_counts_merge_to_the_counts_of_the_whole() -> None:
    """Equal waits of one segment from two parts become one run with their counts added."""
    a = partial._runs(
        np.array(["x", "y"], dtype=object),
        np.array([0, 0, 1]),
        np.array([1.0, 2.0, 5.0]),
        np.array([1, 2, 1]),
    )
    b = partial._runs(
        np.array(["w", "x"], dtype=object), np.array([0, 1]), np.array([4.0, 2.0]), np.array([3, 1])
    )
    merged = partial._add_waits(a, b)
    assert merged.labels.tolist() == ["w", "x", "y"]
    assert merged.codes.tolist() == [0, 1, 1, 2]
    assert merged.seconds.tolist() == [4.0, 1.0, 2.0, 5.0]
    assert merged.counts.tolist() == [3, 1, 3, 1]
