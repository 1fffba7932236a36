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

from csreview.settings import Band, Settings, load_settings
from tasks import kpis as k
from tests.conftest import AFTER_WINDOW, OCTOBER, ZONE, typed_frames


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


@pytest.mark.parametrize(
    ("value_", "denominator", "direction", "expected"),
    [
        (0.85, 100, "higher", "ok"),
        (0.77, 100, "higher", "warn"),
        (0.70, 100, "higher", "breach"),
        (0.04, 100, "lower", "ok"),
        (0.06, 100, "lower", "warn"),
        (0.09, 100, "lower", "breach"),
        (0.70, 10, "higher", "low_sample"),
        (float("nan"), 100, "higher", "na"),
        (0.5, 100, "none", "na"),
    ],
)
def test_status(value_: float, denominator: float, direction: str, expected: str) -> None:
    band = Band(target=0.8, warn=0.75) if direction == "higher" else Band(target=0.05, warn=0.08)
    assert k.status_of(value_, denominator, band, direction, 30) == expected


@pytest.mark.parametrize(
    ("scores", "direction", "expected"),
    [  # one-decimal scores averaging exactly 85: (90.3, 80.1, 84.6) sums to 254.99999999999997
        ((90.3, 80.1, 84.6), "higher", "ok"),
        ((80.1, 84.6, 90.3), "higher", "ok"),
        ((85.0, 85.0, 84.99999), "higher", "warn"),  # truly short of the target
        ((80.0, 80.0, 80.0), "higher", "warn"),
        ((80.0, 80.0, 79.99999), "higher", "breach"),
        ((88.4, 81.2, 85.4), "lower", "ok"),  # sums to 255.00000000000003
        ((85.0, 85.0, 85.00001), "lower", "warn"),
    ],
)
def test_status_at_a_band_edge_does_not_depend_on_summation_order(
    scores: tuple[float, ...], direction: str, expected: str
) -> None:
    total = 0.0
    for score in scores:  # in this order, as a sum over rows does
        total += score
    band = Band(target=85.0, warn=80.0) if direction == "higher" else Band(target=85.0, warn=90.0)
    assert k.status_of(total / len(scores), 30, band, direction, 30) == expected


def test_fcr_provisional_until_window_closes(settings: Settings) -> None:
    from datetime import datetime

    from tests.conftest import ZONE

    early = datetime(2026, 11, 3, tzinfo=ZONE)
    assert k.fcr_is_provisional(OCTOBER, settings, early)
    assert not k.fcr_is_provisional(OCTOBER, settings, AFTER_WINDOW)
    assert k.build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=True).fcr_provisional


def test_repeat_needs_strictly_later_contact() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["U", "U", "U"],
            "category": ["x", "x", "x"],
            "created_at": pd.to_datetime(
                ["2026-10-01 10:00", "2026-10-01 10:00", "2026-10-08 10:00"]
            ),
        }
    )
    # the two simultaneous contacts are not repeats of each other; the third is exactly 7 days later
    assert k.repeated_contacts(frame).tolist() == [True, True, False]


def test_inputs_are_not_mutated(settings: Settings) -> None:
    frames = typed_frames()
    before = {n: f.copy() for n, f in frames.items()}
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


def test_repeats_on_random_contacts_match_the_definition() -> None:
    """Against the definition read literally: for each contact, the first later contact of
    the same customer and category (missing keys and times never repeat)."""
    rng = np.random.default_rng(3)
    for _ in range(10):
        n = 60
        frame = pd.DataFrame(
            {
                "customer_id": pd.Series(rng.choice(["U1", "U2", "U3", None], n), dtype="string"),
                "category": pd.Series(rng.choice(["x", "y"], n), dtype="string"),
                "created_at": pd.Series(
                    pd.Timestamp("2026-10-01", tz=ZONE)
                    + pd.to_timedelta(rng.integers(0, 20, n), unit="D")
                ).where(rng.random(n) > 0.1),
            }
        )
        expected = []
        for _, row in frame.iterrows():
            if pd.isna(row.customer_id) or pd.isna(row.created_at):
                expected.append(False)
                continue
            same = frame[
                (frame.customer_id == row.customer_id).fillna(False)
                & (frame.category == row.category)
                & (frame.created_at > row.created_at)
            ]
            later = same.created_at.min() if len(same) else pd.NaT
            expected.append(
                bool(pd.notna(later) and later - row.created_at <= pd.Timedelta(days=7))
            )
        assert k.repeated_contacts(frame).tolist() == expected


def test_segments_with_no_answered_contact_have_no_wait_quantiles(settings: Settings) -> None:
    """A follow-up on an agent who answered nothing this period reads missing, not fails."""
    facts = k.build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=False)
    unanswered = dataclasses.replace(facts, contacts=facts.contacts.assign(**{k.ANSWERED: 0}))
    table = k.compute_kpis(unanswered, settings)
    waits = table[table[k.KPI].isin(["frt_median_seconds", "frt_p90_seconds"])]
    assert len(waits) and waits[k.VALUE].isna().all() and (waits[k.DENOMINATOR] == 0).all()


@pytest.mark.parametrize("largest", [5, 2**62])  # one key; two where one would overflow
def test_rows_are_ordered_by_customer_and_category_then_time(largest: int) -> None:
    who = np.array([largest, 0, largest, 3, 0], dtype=np.int64)
    rank = np.array([1, 2, 0, 0, 2], dtype=np.int64)
    order = k.by_who_then_time(who, rank, 3)
    assert order.tolist() == np.lexsort((rank, who)).tolist() == [1, 4, 3, 2, 0]


def test_segments_are_categories_in_text_order(settings: Settings) -> None:
    facts = k.build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=False)
    for dimension in k.DIMENSIONS:
        categories = list(facts.contacts[dimension].cat.categories)
        assert categories == sorted(categories), dimension
    inside = k.in_segment(facts.contacts, (("channel", "phone"), ("weekday", "mon")))
    assert sorted(facts.contacts[inside]["contact_id"]) == ["c1", "c2"]
