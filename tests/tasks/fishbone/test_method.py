"""Method (法): transfers, escalations (complaints aside) and routing between teams."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from tasks.fishbone import method
from tests.tasks.fishbone.tiny import (
    IN_BILLING,
    contacts,
    review,
    run,
    said,
    verdict,
)


@pytest.mark.parametrize(
    ("moved", "expected"),
    [
        (8, ("verified", "transfer rate 40.0% in the segment vs 10.0% elsewhere")),
        (2, ("not_supported", "transfer rate 10.0% in the segment vs 10.0% elsewhere")),
    ],
)
def test_transfers(moved: int, expected: tuple[str, str]) -> None:
    frame = contacts(
        (moved, IN_BILLING | {f.HANDLED_TRANSFERRED: 1}),
        (20 - moved, IN_BILLING),
        (2, {f.HANDLED_TRANSFERRED: 1}),
        (18, {}),
    )
    assert verdict(run(method.transfers, review(frame))) == expected


def test_escalations_of_complaints_do_not_explain_complaints() -> None:
    # the segment: 10 escalated complaints, 1 escalation in 10 other contacts; the rest: 2 in 20
    escalated = {f.HANDLED_ESCALATED: 1}
    frame = contacts(
        (10, IN_BILLING | escalated | {f.HANDLED_COMPLAINT: 1}),
        (1, IN_BILLING | escalated),
        (9, IN_BILLING),
        (2, escalated),
        (18, {}),
    )
    assert verdict(run(method.escalations, review(frame), kpi="complaint_rate")) == (
        "not_supported",
        "escalation rate 10.0% in the segment vs 10.0% elsewhere, over contacts that were not "
        "complaints",
    )
    assert verdict(run(method.escalations, review(frame), kpi="service_level")) == (
        "verified",
        "escalation rate 55.0% in the segment vs 10.0% elsewhere",
    )


def teams_centre(alpha: int) -> pd.DataFrame:
    """Billing: team Alpha handles `alpha` contacts with 10 % complaints, Bravo and Charlie
    35 each with 40 %."""
    complaint = {f.HANDLED_COMPLAINT: 1}
    groups: list[tuple[int, dict[str, Any]]] = [
        (alpha // 10, IN_BILLING | complaint),
        (alpha - alpha // 10, IN_BILLING),
    ]
    for team in ("Bravo", "Charlie"):
        groups += [(14, IN_BILLING | {s.TEAM: team} | complaint), (21, IN_BILLING | {s.TEAM: team})]
    return contacts(*groups, (20, {}))


def test_routing_to_teams_that_handle_the_segment_less_well() -> None:
    # Alpha 3/30 = 10 % vs the others 28/70 = 40 % (0.25×), who handle 70 %:
    # pooled 0.31, se 0.1009, z = −2.97, p = 0.003
    assert verdict(run(method.routing, review(teams_centre(30)))) == (
        "verified",
        "team Alpha: complaint rate 10.0% in the segment vs 40.0% in the other teams, which "
        "handle 70% of it (z-test p = 0.003)",
    )


def test_routing_is_no_cause_when_the_best_team_already_takes_most() -> None:
    result = run(method.routing, review(teams_centre(110)))  # Alpha handles 110 of 180: 61 %
    assert result.verdict == "not_supported"
    assert "which handle 39% of it" in said(result)
    team = ((s.TEAM, "Bravo"),)
    assert run(method.routing, review(teams_centre(30)), segment=team).verdict == "not_testable"
