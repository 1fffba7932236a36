"""Period comparison: deltas with a test, so noise is not reported as change."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csreview import facts as f
from tasks import compare as c


def test_two_proportion_z_test_by_hand() -> None:
    # 50/100 vs 60/100: pooled p = 0.55, se = √(0.55 × 0.45 × 2/100) = 0.070356,
    # z = 0.1 / 0.070356 = 1.4213, two-sided p = 0.1552
    assert c.two_proportion_p(50, 100, 60, 100) == pytest.approx(0.1552, abs=1e-4)
    assert c.two_proportion_p(5, 10, 5, 10) == pytest.approx(1.0)


def test_welch_from_summaries_equals_welch_on_the_samples() -> None:
    a = np.array([12.0, 15.0, 11.0, 19.0, 14.0, 13.0, 18.0])
    b = np.array([22.0, 17.0, 25.0, 21.0, 19.0])
    expected = stats.ttest_ind(a, b, equal_var=False).pvalue
    got = c.welch_p(a.mean(), a.var(ddof=1), len(a), b.mean(), b.var(ddof=1), len(b))
    assert got == pytest.approx(expected)
    assert math.isnan(c.welch_p(1.0, math.nan, 1, 2.0, 1.0, 10))


def rows(values: dict[str, tuple[float, float, float, float]]) -> pd.DataFrame:
    """kpi → (value, numerator, denominator, variance), overall rows."""
    return pd.DataFrame(
        [
            {f.KPI: kpi, f.DIMENSION: "all", f.SEGMENT: "all", f.VALUE: v, f.NUMERATOR: x,
             f.DENOMINATOR: n, c.VARIANCE: var}
            for kpi, (v, x, n, var) in values.items()
        ]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kpi", "now", "before", "verdict"),
    [
        ("service_level", (0.9, 900, 1000, math.nan), (0.8, 800, 1000, math.nan), "better"),
        ("service_level", (0.81, 810, 1000, math.nan), (0.8, 800, 1000, math.nan), "no_change"),
        ("abandon_rate", (0.1, 100, 1000, math.nan), (0.05, 50, 1000, math.nan), "worse"),
        ("abandon_rate", (0.2, 4, 20, math.nan), (0.05, 1, 20, math.nan), "low_sample"),
        ("asa_seconds", (30.0, 30000, 1000, 100.0), (20.0, 20000, 1000, 100.0), "worse"),
        ("csat", (4.3, 430, 100, 0.5), (4.25, 425, 100, 0.5), "no_change"),
        ("frt_p90_seconds", (60.0, math.nan, 1000, math.nan), (50.0, math.nan, 900, math.nan), "not_tested"),
    ],
)  # fmt: skip
def test_verdicts(
    kpi: str,
    now: tuple[float, float, float, float],
    before: tuple[float, float, float, float],
    verdict: str,
) -> None:
    result = c.compare(rows({kpi: now}), rows({kpi: before}), min_sample=30)
    row = result.set_index(f.KPI).loc[kpi]
    assert row[c.VERDICT] == verdict
    assert row[c.DELTA] == pytest.approx(now[0] - before[0])


def test_kpis_missing_from_the_earlier_period_are_left_out() -> None:
    result = c.compare(rows({"fcr": (0.7, 70, 100, math.nan)}), rows({}), min_sample=30)
    assert result.empty


def test_a_quarter_month_by_month_tests_the_last_reviewed_month_against_the_first() -> None:
    months = {
        "2026-07": rows({"service_level": (0.80, 800, 1000, math.nan)}),
        "2026-08": pd.DataFrame(columns=list(c.HISTORY_COLUMNS)),  # never reviewed
        "2026-09": rows({"service_level": (0.90, 900, 1000, math.nan)}),
    }
    result = c.month_by_month(months, min_sample=30)
    assert result.overall.to_dict("records") == [
        {c.MONTH: "2026-07", f.KPI: "service_level", f.VALUE: 0.80},
        {c.MONTH: "2026-09", f.KPI: "service_level", f.VALUE: 0.90},
    ]
    assert (result.first, result.last) == ("2026-07", "2026-09")
    change = result.change.set_index(f.KPI).loc["service_level"]
    # 900/1000 vs 800/1000: z = 0.1 / √(0.85 × 0.15 × 2/1000) = 6.26, far below 0.05
    assert change[c.DELTA] == pytest.approx(0.10)
    assert change[c.VERDICT] == "better"


def test_a_quarter_with_one_reviewed_month_has_no_change() -> None:
    result = c.month_by_month({"2026-09": rows({"fcr": (0.7, 70, 100, math.nan)})}, 30)
    assert len(result.overall) == 1 and result.change.empty
    assert result.first is None and result.last is None
    assert c.month_by_month({}, 30).overall.empty


# ---------------------------------------------------------------- variances in parts
SAMPLE = pd.Series([1.0, 2.0, 3.0, 4.0, np.nan, 10.0, 0.5, 7.25])


def test_moments_by_hand() -> None:
    # 1, 2, 3, 4: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, ÷ 3
    m = c.moments(pd.Series([1.0, 2.0, np.nan, 3.0, 4.0]))
    assert (m.n, m.mean, m.variance) == (4, 2.5, pytest.approx(5 / 3))
    assert math.isnan(c.moments(pd.Series([1.0])).variance)
    assert c.moments(pd.Series([], dtype="float64")) == c.NO_SAMPLE


@pytest.mark.parametrize(
    "cuts",
    [[0, 8], [0, 4, 8], [0, 0, 5, 8], [0, 1, 2, 8], [0, 7, 8, 8], [0, 3, 6, 8]],
    ids=["whole", "halves", "empty", "singles", "empty-last", "thirds"],
)
def test_merged_moments_are_the_whole_within_1e_12(cuts: list[int]) -> None:
    whole = c.moments(SAMPLE)
    parts = [c.moments(SAMPLE.iloc[a:b]) for a, b in itertools.pairwise(cuts)]
    forward, backward = parts[0], parts[-1]
    for part in parts[1:]:
        forward = c.merge_moments(forward, part)
    for part in parts[-2::-1]:
        backward = c.merge_moments(part, backward)
    for got in (forward, backward):
        assert got.n == whole.n == 7
        assert got.mean == pytest.approx(whole.mean, rel=1e-12, abs=0)
        assert got.variance == pytest.approx(whole.variance, rel=1e-12, abs=0)
    assert whole.variance == pytest.approx(SAMPLE.dropna().var(ddof=1), rel=0, abs=0)
