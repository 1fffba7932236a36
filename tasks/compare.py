"""Period comparison: each KPI against an earlier period, with a test of whether it changed.

A manager must not read noise as change: a rate is compared with a two-proportion z-test, a
mean with Welch's t-test (NPS as the mean of +100 / 0 / −100 per survey); a delta is called
better or worse only when the test says so at the 5 % level and both samples are large
enough. Medians, percentiles and counts get a delta without a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.catalog import KPIS_BY_KEY
from tasks.significance import normal_two_sided_p, welch_p_value

VARIANCE: Final = "variance"
PREVIOUS: Final = "previous"
DELTA: Final = "delta"
P_VALUE: Final = "p_value"
TEST: Final = "test"
VERDICT: Final = "verdict"
COMPARISON_COLUMNS: Final = (f.KPI, f.VALUE, PREVIOUS, DELTA, P_VALUE, TEST, VERDICT)
HISTORY_COLUMNS: Final = (
    f.KPI, f.DIMENSION, f.SEGMENT, f.VALUE, f.NUMERATOR, f.DENOMINATOR, VARIANCE,
)  # fmt: skip
ALPHA: Final = 0.05

PROPORTIONS: Final = frozenset(
    {
        "service_level", "abandon_rate", "fcr", "complaint_rate", "escalation_rate",
        "transfer_rate", "conversion_rate", "qa_fail_rate", "csat_top2", "survey_response_rate",
    }
)  # fmt: skip
MEANS: Final = frozenset(
    {"asa_seconds", "aht_seconds", "qa_score", "qa_reviewer_spread", "csat", "nps",
     "satisfaction_index", "effort_score"}
)  # fmt: skip


# ---------------------------------------------------------------- the samples
@dataclass(frozen=True)
class Moments:
    """A sample's size, mean and variance (ddof 1, NaN below two values), mergeable by
    Chan's formula: what Welch's test needs of a period in parts."""

    n: int
    mean: float
    variance: float


NO_SAMPLE: Final = Moments(0, math.nan, math.nan)


def moments(x: pd.Series) -> Moments:
    """The moments of a sample's values (missing ones left out), as pandas works them out."""
    n = int(x.count())
    if n == 0:
        return NO_SAMPLE
    return Moments(n, float(x.mean()), float(x.var(ddof=1)) if n > 1 else math.nan)


def _squares(m: Moments) -> float:
    """The sum of squared deviations from the mean."""
    return m.variance * (m.n - 1) if m.n > 1 else 0.0


def merge_moments(a: Moments, b: Moments) -> Moments:
    """The moments of two disjoint samples together (Chan et al.): exact in exact
    arithmetic, within 1e-12 relative in floats; an empty sample changes nothing."""
    if b.n == 0:
        return a
    if a.n == 0:
        return b
    n = a.n + b.n
    delta = b.mean - a.mean
    squares = _squares(a) + _squares(b) + delta * delta * (a.n * b.n / n)
    return Moments(n, a.mean + delta * (b.n / n), squares / (n - 1))


def variance_part(facts: f.Facts) -> dict[str, Moments]:
    """The moments of the per-unit measure behind each mean KPI, overall (a part holds its
    contacts' evaluations, so a contact's reviewer spread is its part's)."""
    answered = facts.contacts[f.ANSWERED] == 1  # two columns read: no copy of the rest
    surveys = facts.surveys
    nps_points = (100 * surveys[f.PROMOTER] - 100 * surveys[f.DETRACTOR])[surveys[f.NPS_N] == 1]
    # only a contact evaluated more than once (the calibration facts) has two reviewers
    per_contact = facts.calibration.groupby(s.CONTACT_ID).agg(
        reviewers=(s.REVIEWER_ID, "nunique"), high=(s.SCORE, "max"), low=(s.SCORE, "min")
    )
    calibrated = per_contact[per_contact["reviewers"] >= 2]
    samples = {
        "asa_seconds": facts.contacts[f.WAIT][answered],
        "aht_seconds": facts.contacts[f.HANDLE][answered],
        "qa_score": facts.qa[s.SCORE],
        "qa_reviewer_spread": calibrated["high"] - calibrated["low"],
        "csat": surveys[s.CSAT][surveys[f.CSAT_N] == 1],
        "nps": nps_points,
        "satisfaction_index": surveys[f.SATISFACTION_POINTS][surveys[f.SATISFACTION_N] == 1],
        "effort_score": surveys[s.EFFORT][surveys[f.EFFORT_N] == 1],
    }
    return {key: moments(x) for key, x in samples.items()}


def merge_variances(a: Mapping[str, Moments], b: Mapping[str, Moments]) -> dict[str, Moments]:
    """Two parts' moments, measure by measure."""
    return {key: merge_moments(m, b[key]) for key, m in a.items()}


def kpi_variances(facts: f.Facts) -> dict[str, float]:
    """Sample variance (ddof 1) of the per-unit measure behind each mean KPI, overall: what
    Welch's test needs beyond the value and the sample size (the facts as one part)."""
    return {key: m.variance for key, m in variance_part(facts).items()}


def history_rows(kpis: pd.DataFrame, facts: f.Facts) -> pd.DataFrame:
    """The KPI rows kept in the results store for later comparisons: every dimension but the
    agent and date ones (a day of one period has no like in another), with the variance of
    mean KPIs on the overall rows."""
    return history_of(kpis, kpi_variances(facts))


def history_of(kpis: pd.DataFrame, variances: Mapping[str, float]) -> pd.DataFrame:
    """`history_rows` from the KPI table and the variances (of parts merged, on Dask)."""
    kept = kpis[~kpis[f.DIMENSION].isin((f.AGENT, f.DATE))]
    overall = kept[f.DIMENSION] == f.ALL
    variance = kept[f.KPI].map(dict(variances)).where(overall)
    return kept.assign(**{VARIANCE: variance}).loc[:, list(HISTORY_COLUMNS)]


# ---------------------------------------------------------------- the tests
def two_proportion_p(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0 if x1 / n1 == x2 / n2 else 0.0
    z = (x1 / n1 - x2 / n2) / se
    return normal_two_sided_p(z)


def welch_p(mean1: float, var1: float, n1: float, mean2: float, var2: float, n2: float) -> float:
    """Two-sided p-value of Welch's t-test from summary statistics."""
    if n1 < 2 or n2 < 2 or math.isnan(var1) or math.isnan(var2):
        return math.nan
    if var1 == 0 and var2 == 0:
        return 1.0 if mean1 == mean2 else 0.0
    return welch_p_value(mean1, math.sqrt(var1), n1, mean2, math.sqrt(var2), n2)


def _test(kpi: str, now: pd.Series, before: pd.Series, min_sample: int) -> tuple[float, str | None]:
    n1, n2 = now[f.DENOMINATOR], before[f.DENOMINATOR]
    if pd.isna(n1) or pd.isna(n2) or min(n1, n2) < 1:
        return math.nan, None
    if kpi in PROPORTIONS:
        return two_proportion_p(now[f.NUMERATOR], n1, before[f.NUMERATOR], n2), "z"
    if kpi in MEANS:
        p = welch_p(now[f.VALUE], now[VARIANCE], n1, before[f.VALUE], before[VARIANCE], n2)
        return p, ("welch" if not math.isnan(p) else None)
    return math.nan, None


def _verdict(kpi: str, delta: float, p: float, test: str | None, small: bool) -> str:
    if math.isnan(delta):
        return "na"
    if test is None:
        return "not_tested"
    if small:
        return "low_sample"
    if math.isnan(p) or p >= ALPHA or delta == 0:
        return "no_change"
    direction = KPIS_BY_KEY[kpi].direction
    if direction == "none":
        return "changed"
    return "better" if (delta > 0) == (direction == "higher") else "worse"


def compare(current: pd.DataFrame, previous: pd.DataFrame, min_sample: int) -> pd.DataFrame:
    """Overall KPIs of this period against an earlier one (both as `history_rows`)."""
    if previous.empty:
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    now = current[current[f.DIMENSION] == f.ALL].set_index(f.KPI)
    before = previous[previous[f.DIMENSION] == f.ALL].set_index(f.KPI)
    rows = []
    for kpi in now.index:
        if kpi not in before.index:
            continue
        a, b = now.loc[kpi], before.loc[kpi]
        delta = float(a[f.VALUE] - b[f.VALUE])
        p, test = _test(kpi, a, b, min_sample)
        sizes = [n for n in (a[f.DENOMINATOR], b[f.DENOMINATOR]) if not pd.isna(n)]
        small = any(n < min_sample for n in sizes)
        rows.append(
            {
                f.KPI: kpi,
                f.VALUE: a[f.VALUE],
                PREVIOUS: b[f.VALUE],
                DELTA: delta,
                P_VALUE: p,
                TEST: test,
                VERDICT: _verdict(kpi, delta, p, test, small),
            }
        )
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


# ---------------------------------------------------------------- a quarter month by month
MONTH: Final = "month"


@dataclass(frozen=True)
class MonthByMonth:
    """A quarter's reviewed months side by side: did the quarter improve as it went?"""

    overall: pd.DataFrame  # MONTH, kpi, value: the overall KPIs of each reviewed month
    change: pd.DataFrame  # COMPARISON_COLUMNS: the last reviewed month against the first
    first: str | None
    last: str | None


def month_by_month(months: Mapping[str, pd.DataFrame], min_sample: int) -> MonthByMonth:
    """The overall KPIs of a quarter's months (history rows by month label; a month never
    reviewed is left out), and the last reviewed month tested against the first."""
    reviewed = sorted(label for label, rows in months.items() if not rows.empty)
    overall = [
        months[m].loc[months[m][f.DIMENSION] == f.ALL, [f.KPI, f.VALUE]].assign(**{MONTH: m})
        for m in reviewed
    ]
    values = (
        pd.concat(overall, ignore_index=True).loc[:, [MONTH, f.KPI, f.VALUE]]
        if overall
        else pd.DataFrame(columns=[MONTH, f.KPI, f.VALUE])
    )
    if len(reviewed) < 2:
        return MonthByMonth(values, pd.DataFrame(columns=list(COMPARISON_COLUMNS)), None, None)
    first, last = reviewed[0], reviewed[-1]
    return MonthByMonth(values, compare(months[last], months[first], min_sample), first, last)
