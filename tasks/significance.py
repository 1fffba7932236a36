"""The p-values of the review's tests of significance, computed as SciPy's `scipy.stats`
computes them, from the distribution functions of `scipy.special`.

Importing `scipy.stats` takes about 0.7 s of every run's start (it imports most of SciPy);
`scipy.special` a fraction of that. Each function repeats SciPy's own arithmetic, step by
step, so the p-values are the same floats (tests/tasks/test_significance.py holds them equal
to `scipy.stats` on many inputs).
"""

from __future__ import annotations

from functools import reduce

import numpy as np
from scipy import special


def normal_two_sided_p(z: float) -> float:
    """`2 * scipy.stats.norm.sf(abs(z))`: the two-sided p-value of a z statistic."""
    return float(2 * special.ndtr(-np.asarray(abs(z), dtype=np.float64)))


def welch_p_value(
    mean1: float, std1: float, n1: float, mean2: float, std2: float, n2: float
) -> float:
    """`scipy.stats.ttest_ind_from_stats(..., equal_var=False).pvalue`: Welch's two-sided
    t-test from each sample's mean, standard deviation and size."""
    v1 = np.asarray(std1, dtype=np.float64) ** 2
    v2 = np.asarray(std2, dtype=np.float64) ** 2
    vn1 = v1 / n1
    vn2 = v2 / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (vn1 + vn2) ** 2 / (vn1**2 / (n1 - 1) + vn2**2 / (n2 - 1))
    df = np.where(np.isnan(df), 1.0, df)
    denom = np.sqrt(vn1 + vn2)
    d = np.asarray(mean1, dtype=np.float64) - np.asarray(mean2, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.divide(d, denom)
    return float(2 * special.stdtr(np.asarray(df, dtype=t.dtype), -np.abs(t)))


def chi2_contingency_p(observed: np.ndarray) -> float:
    """`scipy.stats.chi2_contingency(observed).pvalue` (Pearson's statistic, Yates'
    correction at one degree of freedom) of a two-dimensional table of counts."""
    table = np.asarray(observed, dtype=np.float64)
    if table.size == 0:
        raise ValueError("No data; `observed` has size 0.")
    margins = [
        np.apply_over_axes(np.sum, table, [j for j in range(table.ndim) if j != k])
        for k in range(table.ndim)
    ]
    expected = reduce(np.multiply, margins) / table.sum() ** (table.ndim - 1)
    if np.any(expected == 0):
        raise ValueError("The internally computed table of expected frequencies has a zero.")
    dof = expected.size - sum(expected.shape) + expected.ndim - 1
    if dof == 0:
        return 1.0
    if dof == 1:  # Yates' correction: each count half a unit closer to its expectation
        diff = expected - table
        direction = np.sign(diff)
        magnitude = np.minimum(0.5, np.abs(diff))
        table = table + magnitude * direction
    statistic = ((table - expected) ** 2 / expected).sum()
    return float(special.chdtrc(np.float64(dof), statistic))
