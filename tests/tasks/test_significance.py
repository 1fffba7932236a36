"""The p-values from `scipy.special` are the very floats `scipy.stats` gives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tasks.significance import chi2_contingency_p, normal_two_sided_p, welch_p_value

RNG = np.random.default_rng(20261207)


@pytest.mark.parametrize(
    "z", [0.0, 1e-12, 0.5, -1.96, 3.3, -8.2, 40.0, math.inf, math.nan, *RNG.normal(0, 3, 50)]
)
def test_normal_p_is_scipys(z: float) -> None:
    expected = float(2 * stats.norm.sf(abs(z)))
    assert normal_two_sided_p(z) == expected or (math.isnan(expected) and math.isnan(z))


WELCH = [
    (10.0, 2.0, 30, 11.0, 3.0, 40),
    (0.2, math.sqrt(0.161073), 150, 0.225, math.sqrt(0.175251), 200),
    (5.0, 0.0, 12, 5.5, 1.0, 2),  # one sample without spread
    (5.0, 1e-9, 2, 5.0, 1e-9, 2),
    *[
        (m1, s1, int(n1), m2, s2, int(n2))
        for m1, s1, n1, m2, s2, n2 in zip(
            RNG.normal(100, 30, 40),
            RNG.uniform(0.01, 50, 40),
            RNG.integers(2, 5000, 40),
            RNG.normal(100, 30, 40),
            RNG.uniform(0.01, 50, 40),
            RNG.integers(2, 5000, 40),
            strict=True,
        )
    ],
]


@pytest.mark.parametrize(("m1", "s1", "n1", "m2", "s2", "n2"), WELCH)
def test_welch_p_is_scipys(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> None:
    result = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
    assert welch_p_value(m1, s1, float(n1), m2, s2, float(n2)) == float(result.pvalue)


TABLES = [
    [[10, 20], [30, 40]],  # one degree of freedom: Yates' correction
    [[3, 97], [12, 88], [0, 50], [7, 43]],
    [[5, 5]],  # no degree of freedom
    [[1, 1000], [2, 2000]],
    *[
        np.column_stack([d, b - d]).tolist()
        for d, b in (
            (RNG.integers(0, 40, n), RNG.integers(40, 400, n)) for n in RNG.integers(2, 60, 30)
        )
    ],
]


@pytest.mark.parametrize("table", TABLES)
def test_chi2_contingency_p_is_scipys(table: list[list[int]]) -> None:
    observed = np.asarray(table, dtype=float)
    assert chi2_contingency_p(observed) == float(stats.chi2_contingency(observed).pvalue)


def test_chi2_contingency_refuses_a_zero_expectation() -> None:
    with pytest.raises(ValueError, match="zero"):
        chi2_contingency_p(np.array([[0.0, 5.0], [0.0, 7.0]]))
