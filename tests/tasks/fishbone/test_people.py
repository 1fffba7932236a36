"""People (人): juniors, new hires, a few agents holding the defects, agents' QA scores —
for each, a case the data confirms and one it rejects, the evidence worked out by hand."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from tasks.fishbone import people
from tasks.fishbone import review_data as rd
from tests.tasks.fishbone.tiny import (
    IN_BILLING,
    contacts,
    details,
    review,
    run,
    verdict,
)


@pytest.mark.parametrize(
    ("juniors", "expected"),
    [
        (6, ("verified", "junior agents handled 60% of the segment's contacts vs 20% elsewhere")),
        (3, ("not_supported", "junior agents handled 30% of the segment's contacts vs 20% elsewhere")),
    ],
)  # fmt: skip
def test_junior_share(juniors: int, expected: tuple[str, str]) -> None:
    frame = contacts(
        (juniors, IN_BILLING | {s.TIER: "junior"}),
        (10 - juniors, IN_BILLING),
        (2, {s.TIER: "junior"}),
        (8, {}),
    )
    assert verdict(run(people.junior_share, review(frame))) == expected


def test_junior_share_and_tenure_of_a_tier_segment_are_circular() -> None:
    frame = contacts((10, {s.TIER: "junior"}), (10, {}))
    data = review(frame, details=details(frame, **{rd.TENURE: [30.0] * 10 + [900.0] * 10}))
    junior = ((s.TIER, "junior"),)
    assert run(people.junior_share, data, segment=junior).verdict == "not_testable"
    assert run(people.new_hires, data, segment=junior).verdict == "not_testable"


@pytest.mark.parametrize(
    ("seg_tenure", "expected"),
    [
        # 5 of 10 under 180 days; median of 30×5 and 400×5 is 215
        ([30.0] * 5 + [400.0] * 5, ("verified", "agents hired less than 180 days before the period handled 50% of the segment's contacts vs 10% elsewhere (median tenure 215 vs 400 days)")),
        ([30.0] * 2 + [400.0] * 8, ("not_supported", "agents hired less than 180 days before the period handled 20% of the segment's contacts vs 10% elsewhere (median tenure 400 vs 400 days)")),
    ],
)  # fmt: skip
def test_new_hires(seg_tenure: list[float], expected: tuple[str, str]) -> None:
    frame = contacts((10, IN_BILLING), (10, {}))
    tenure = seg_tenure + [100.0] + [400.0] * 9
    data = review(frame, details=details(frame, **{rd.TENURE: tenure}))
    assert verdict(run(people.new_hires, data)) == expected


def agents_with_complaints(complaints: list[int]) -> pd.DataFrame:
    """Billing contacts: 10 per agent A1…A10, the first `complaints[i]` of agent i complaints."""
    groups: list[tuple[int, dict[str, Any]]] = []
    for i, n in enumerate(complaints, start=1):
        agent = {f.AGENT: f"A{i:02d}"}
        groups += [(n, IN_BILLING | agent | {f.HANDLED_COMPLAINT: 1}), (10 - n, IN_BILLING | agent)]
    return contacts(*groups, (20, {}))


def test_a_few_agents_holding_most_defects() -> None:
    # A01 holds all 8 complaints with 10 of the 100 contacts: 100 % ÷ 10 % = 10×;
    # χ² over 10 agents × (complaint, not): 78.3 on 9 df, p ≈ 3e-13
    data = review(agents_with_complaints([8] + [0] * 9))
    assert verdict(run(people.agent_concentration, data)) == (
        "verified",
        "the top 1 of 10 agents by defects hold 100% of the segment's defects with 10% of its "
        "customer contacts (10.0×); χ² test of agents' defect rates: p < 0.001",
    )


def test_defects_spread_evenly_over_agents_are_no_concentration() -> None:
    data = review(agents_with_complaints([1] * 10))
    assert verdict(run(people.agent_concentration, data)) == (
        "not_supported",
        "the top 1 of 10 agents by defects hold 10% of the segment's defects with 10% of its "
        "customer contacts (1.0×); χ² test of agents' defect rates: p = 1.000",
    )


def test_waits_and_few_agents_cannot_be_put_on_agents() -> None:
    data = review(agents_with_complaints([8] + [0] * 9))
    assert run(people.agent_concentration, data, kpi="service_level").verdict == "not_testable"
    few = review(agents_with_complaints([8, 0, 0, 0]))
    assert verdict(run(people.agent_concentration, few)) == (
        "not_testable",
        "only 4 agents handled the segment; at least 5 are needed",
    )


@pytest.mark.parametrize(
    ("seg_score", "expected"),
    [
        (80.0, ("verified", "the agents handling the segment score 80.0 QA points on average (per contact handled) vs 85.0 elsewhere")),
        (84.0, ("not_supported", "the agents handling the segment score 84.0 QA points on average (per contact handled) vs 85.0 elsewhere")),
    ],
)  # fmt: skip
def test_qa_scores_of_the_agents_involved(seg_score: float, expected: tuple[str, str]) -> None:
    frame = contacts((6, IN_BILLING), (6, {}))
    data = review(frame, details=details(frame, **{rd.AGENT_QA: [seg_score] * 6 + [85.0] * 6}))
    assert verdict(run(people.agent_qa, data)) == expected
    assert run(people.agent_qa, data, kpi="qa_fail_rate").verdict == "not_testable"
