"""Golden KPI numbers: every core KPI on the tiny centre of conftest, worked out by hand.

Answered c1 c2 c5 c9 (waits 10, 30, 50, 5 s); abandoned c3 (3 s: short) and c4 (100 s);
c6 is a waiting e-mail; c7 (September, still open) and c8 (November) are outside C.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from csreview import facts as f
from csreview.settings import Settings, load_settings
from tasks import kpis as k
from tests.conftest import OCTOBER, typed_frames


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    settings = load_settings()
    facts = k.build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=False)
    return k.compute_kpis(facts, settings)


def value(table: pd.DataFrame, kpi: str, dimension: str = "all", segment: str = "all") -> pd.Series:
    rows = table[(table.kpi == kpi) & (table.dimension == dimension) & (table.segment == segment)]
    assert len(rows) == 1, (kpi, dimension, segment)
    return rows.iloc[0]


GOLDEN = [
    # kpi, value, numerator, denominator
    ("contacts", 7, 7, None),
    ("service_level", 3 / 5, 3, 5),  # c1, c5, c9 within T over 4 answered + 1 counted abandon
    ("asa_seconds", 95 / 4, 95, 4),
    ("abandon_rate", 1 / 5, 1, 5),  # c3 is a short abandon (3 s < 5 s)
    ("frt_median_seconds", 20.0, None, 4),  # waits 5, 10, 30, 50
    ("frt_p90_seconds", 44.0, None, 4),  # 30 + 0.7 × (50 − 30)
    ("aht_seconds", 780 / 4, 780, 4),  # 300 + 120 + 300 + 60
    ("fcr", 2 / 4, 2, 4),  # c1 repeated by c5 (same customer, category, 2 days); c9 by c8
    ("complaint_rate", 1 / 4, 1, 4),
    ("escalation_rate", 1 / 4, 1, 4),
    ("transfer_rate", 1 / 4, 1, 4),
    ("backlog", 2, 2, None),  # c6 never answered, c7 open since September
    ("conversion_rate", 1 / 2, 1, 2),
    ("qa_score", 305 / 4, 305, 4),
    ("qa_fail_rate", 3 / 4, 3, 4),  # 70 and 60 below 80; 85 with a critical error
    ("qa_reviewer_spread", 20.0, 20, 1),  # c1 scored 90 and 70
    ("csat", 11 / 3, 11, 3),
    ("csat_top2", 2 / 3, 2, 3),
    ("nps", 25.0, None, 4),  # promoters 10, 9; detractor 3; passive 8
    ("survey_response_rate", 4 / 4, 4, 4),
    # s1 (5, 10) → 100; s2 (2, 3) → (.5×25 + .3×30) ÷ .8; s3 (4, 8) → (.5×75 + .3×80) ÷ .8;
    # s4 (nps 9 only) → 90: effort is unanswered, so weights renormalise over csat and nps
    ("satisfaction_index", (100 + 26.875 + 76.875 + 90) / 4, 293.75, 4),
    # offered: c2 (csat 2), c5 (csat 4) → top-2 1/2; not offered: c1 (csat 5) → 1/1
    ("sales_satisfaction_ratio", 0.5, None, 1),
]


@pytest.mark.parametrize(("kpi", "expected", "numerator", "denominator"), GOLDEN)
def test_core_kpi_overall(
    table: pd.DataFrame,
    kpi: str,
    expected: float,
    numerator: float | None,
    denominator: float | None,
) -> None:
    row = value(table, kpi)
    assert row.value == pytest.approx(expected)
    if numerator is None:
        assert math.isnan(row.numerator)
    else:
        assert row.numerator == pytest.approx(numerator)
    if denominator is None:
        assert math.isnan(row.denominator)
    else:
        assert row.denominator == denominator


@pytest.mark.parametrize(
    ("kpi", "dimension", "segment", "expected"),
    [
        ("contacts", "channel", "phone", 4),
        ("service_level", "channel", "phone", 2 / 3),  # c1, c9 of c1, c2, c9 (c3 short)
        ("service_level", "channel", "chat", 1 / 2),  # c5 within 60 s; c4 abandoned
        ("abandon_rate", "channel", "chat", 1 / 2),
        ("fcr", "category", "logistics", 1 / 2),  # c1 repeated, c5 not
        ("backlog", "channel", "email", 1),
        ("backlog", "category", "billing", 1),
        ("qa_score", "team", "Alpha", (90 + 70 + 60) / 3),  # evaluation's own agent
        ("csat", "category", "logistics", 9 / 2),
        ("contacts", "team", "unassigned", 3),  # c3, c4, c6 have no agent
        ("contacts", "site", "unassigned", 3 + 2),  # A2 has no site
        ("contacts", "hour_band", "20-24", 2),
        ("contacts", "weekday", "mon", 2),  # c1, c2: 2026-10-05 is a Monday
    ],
)
def test_segments(
    table: pd.DataFrame, kpi: str, dimension: str, segment: str, expected: float
) -> None:
    assert value(table, kpi, dimension, segment).value == pytest.approx(expected)


def test_zero_denominator_is_not_available(table: pd.DataFrame) -> None:
    row = value(table, "service_level", "channel", "email")  # the e-mail is still waiting
    assert math.isnan(row.value)
    assert row.status == "na"
    assert not ((table.dimension == "channel") & (table.segment == "social")).any()


def test_small_samples_are_never_breaches(table: pd.DataFrame) -> None:
    assert value(table, "service_level").status == "low_sample"


def test_inputs_are_not_mutated(settings: Settings) -> None:
    frames = typed_frames()
    before = {name: frame.copy() for name, frame in frames.items()}
    k.compute_kpis(k.build_facts(frames, OCTOBER, settings, fcr_provisional=False), settings)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_effort_score_is_the_mean_effort_and_na_without_answers(table: pd.DataFrame) -> None:
    assert math.isnan(value(table, "effort_score").value)
    settings = load_settings()
    frames = typed_frames()
    surveys = frames["surveys"]
    efforts = [2.0, 5.0] + [float("nan")] * (len(surveys) - 2)
    frames["surveys"] = surveys.assign(effort=pd.Series(efforts, index=surveys.index))
    facts = k.build_facts(frames, OCTOBER, settings, fcr_provisional=False)
    row = value(k.compute_kpis(facts, settings), "effort_score")
    assert (row.value, row.numerator, row.denominator) == (3.5, 7, 2)


def test_targets_follow_tier_and_season(table: pd.DataFrame) -> None:
    assert value(table, "qa_score", "tier", "senior").target == 90.0
    assert value(table, "qa_score", "tier", "junior").target == 80.0
    assert value(table, "service_level").target == 0.80  # October: no promotion season
    settings = load_settings()
    facts = k.build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=False)
    november = k.compute_kpis(dataclasses.replace(facts, months=(11,)), settings)
    assert value(november, "service_level").target == 0.75


def test_segments_with_no_answered_contact_have_no_wait_quantiles(settings: Settings) -> None:
    """A follow-up on an agent who answered nothing this period reads missing, not fails."""
    facts = k.build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=False)
    unanswered = dataclasses.replace(facts, contacts=facts.contacts.assign(**{f.ANSWERED: 0}))
    table = k.compute_kpis(unanswered, settings)
    waits = table[table[f.KPI].isin(["frt_median_seconds", "frt_p90_seconds"])]
    assert len(waits) and waits[f.VALUE].isna().all() and (waits[f.DENOMINATOR] == 0).all()


@pytest.mark.parametrize("seed", [1, 2])
def test_segment_quantiles_equal_pandas_groupby_quantiles(seed: int) -> None:
    """Sorted once and reordered by segment, the median and 90th percentile equal
    groupby's to the last bit: ties, missing waits, a segment of one wait, one with only
    a missing wait and one never met."""
    rng = np.random.default_rng(seed)
    waits = pd.Series(rng.random(300) * 97.3)
    waits[rng.choice(298, 60, replace=False)] = 12.5  # ties
    waits[rng.choice(298, 20, replace=False)] = np.nan
    segment = pd.Series(
        pd.Categorical.from_codes(
            np.append(rng.integers(-1, 3, 298), [3, 4]), categories=list("abcdef")
        )
    )
    waits.iloc[-1] = np.nan  # "e": only a missing wait; "f": never met
    qs = [0.5, 0.9]
    found = k.aggregation.segment_quantiles(
        segment, waits, np.argsort(waits.to_numpy(), kind="stable"), qs
    )
    expected = waits.groupby(segment, observed=True).quantile(qs).unstack()
    met = found.index.astype(str).tolist()
    assert met == ["a", "b", "c", "d"]
    pd.testing.assert_frame_equal(
        found.set_axis(met).rename_axis(None),
        expected.loc[met].set_axis(met).rename_axis(None),
        check_exact=True,
        check_names=False,
    )
    assert found.loc["d"].tolist() == [waits.iloc[-2]] * 2  # one wait: every quantile
