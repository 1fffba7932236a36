"""Tiered agent scores and the financial view, on the tiny centre worked by hand."""

from __future__ import annotations

import dataclasses
import functools
import itertools

import pandas as pd
import pytest

from csreview import schema as s
from csreview.settings import load_settings
from tasks import kpis as k
from tasks import scorecard as sc
from tests.conftest import OCTOBER, ZONE, typed_frames


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    settings = load_settings(min_sample=1)
    frames = typed_frames()
    facts = k.build_facts(frames, OCTOBER, settings, fcr_provisional=False)
    kpis = k.compute_kpis(facts, settings)
    weights = settings.scorecard["weights"]
    return sc.agent_scorecard(kpis, frames["agents"], settings, (10,), weights).set_index(
        s.AGENT_ID
    )


def test_senior_is_scored_on_resolution_and_satisfaction(scores: pd.DataFrame) -> None:
    # A1 (senior): fcr 1/2 breach, complaint_rate 1/2 breach, csat 4.5 ok,
    # qa_score 73.3 breach (senior target 90); aht has no target → left out.
    # score = 0.30 × 100 ÷ (0.25 + 0.25 + 0.30 + 0.10) = 33.3; coverage 0.9
    a1 = scores.loc["A1"]
    assert a1[sc.SCORE] == pytest.approx(100 * 0.30 / 0.90)
    assert a1[sc.COVERAGE] == pytest.approx(0.90)
    assert a1[sc.WEAKEST] == "complaint_rate"  # weight 0.25, tied with fcr: by name
    assert a1[sc.HANDLED] == 2


def test_junior_is_scored_on_speed_and_standards(scores: pd.DataFrame) -> None:
    # A2 (junior): qa_score 85 ok (junior target 80), qa_fail_rate 1.0, transfer 1/2,
    # fcr 1/2, csat 2.0 all breach; aht has no target → 0.3 × 100 ÷ 0.7
    a2 = scores.loc["A2"]
    assert a2[sc.SCORE] == pytest.approx(100 * 0.30 / 0.70)
    assert a2[sc.COVERAGE] == pytest.approx(0.70)


def test_tier_summary(scores: pd.DataFrame) -> None:
    summary = sc.tier_summary(scores.reset_index()).set_index(s.TIER)
    assert summary.loc["senior", "agents"] == 1 and summary.loc["junior", "below"] == 1


def test_cost_per_contact_and_cost_of_repeats() -> None:
    settings = load_settings()
    facts = k.build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=False)
    shifts = typed_frames()["shifts"]  # two 9-hour shifts on 5 October
    start, end = pd.Timestamp("2026-10-01", tz=ZONE), pd.Timestamp("2026-11-01", tz=ZONE)
    money = sc.finance(facts, shifts, start, end, {"currency": "CNY", "agent_hour": 60.0})
    assert money.agent_hours == 18.0 and money.cost == 1080.0
    assert money.handled == 4 and money.cost_per_contact == 270.0
    assert money.repeats == 2 and money.cost_of_repeats == 540.0  # c1 and c9 were repeated


def test_sales_balance_sets_offered_against_not_offered() -> None:
    settings = load_settings()
    facts = k.build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=False)
    table = sc.sales_balance(facts).set_index(sc.OFFER)
    # handled: c2 (offer, sale, no complaint), c5 (offer, no sale); c1 (complaint), c9
    assert table.loc[True, sc.HANDLED] == 2 and table.loc[True, "conversion_rate"] == 0.5
    assert table.loc[True, "complaint_rate"] == 0.0 and table.loc[False, "complaint_rate"] == 0.5
    assert table.loc[True, "csat_top2"] == 0.5 and table.loc[False, "csat_top2"] == 1.0


@pytest.mark.parametrize(
    "cuts", [[0, 99], [0, 2, 99], [0, 0, 3, 99], [0, 1, 2, 99]], ids=["whole", "2", "empty", "3"]
)
def test_sales_balance_of_merged_parts_is_the_whole(cuts: list[int]) -> None:
    facts = k.build_facts(typed_frames(), OCTOBER, load_settings(), fcr_provisional=False)
    whole = sc.sales_balance(facts)
    contacts, surveys = facts.contacts.iloc[::-1], facts.surveys.sample(frac=1, random_state=1)
    parts = [
        sc.sales_part(
            dataclasses.replace(facts, contacts=contacts.iloc[a:b], surveys=surveys.iloc[a:b])
        )
        for a, b in itertools.pairwise(cuts)
    ]
    pd.testing.assert_frame_equal(sc.finish_sales(functools.reduce(sc.merge_sales, parts)), whole)
    assert whole[sc.HANDLED].tolist() == [2, 2] and whole["surveys"].tolist() == [2, 1]
