"""Actions are decided by a person and followed up by later periods, never overwritten."""

from __future__ import annotations

from typing import Any

import pytest

from csreview.store import (
    ActionError,
    approved_before,
    decide,
    followups_checked_in,
    list_actions,
    record_drafts,
    record_followups,
    record_run,
)
from tests.csreview.store.recorded import RULES, manifest


def draft(action_id: str, text: str = "roster more agents") -> dict[str, Any]:
    return {"action_id": action_id, "problem_rank": 1, "segment": "hour_band=20-24",
            "action": text, "kpi": "service_level", "baseline": 0.2, "target": 0.8,
            "owner_role": "workforce planner", "due_date": "2026-11-30"}  # fmt: skip


def test_actions_are_approved_with_who_and_when_and_never_overwritten(url: str) -> None:
    record_drafts(url, "default", "monthly", "2026-10", "r1", [draft("A1"), draft("A2")])
    decide(url, "A1", "approved", "Li Lei", {"target": 0.75})
    decide(url, "A2", "rejected", "Li Lei", {})
    record_drafts(url, "default", "monthly", "2026-10", "r2", [draft("A1", "reworded")])
    a1 = next(a for a in list_actions(url) if a["action_id"] == "A1")
    assert (a1["status"], a1["target"], a1["action"]) == ("approved", 0.75, "roster more agents")
    assert a1["decided_by"] == "Li Lei" and a1["decided_at"] is not None
    assert [a["action_id"] for a in approved_before(url, "default", "monthly", "2026-11")] == ["A1"]
    assert approved_before(url, "default", "monthly", "2026-10") == []
    with pytest.raises(ActionError, match="no action"):
        decide(url, "A9", "approved", "x", {})
    with pytest.raises(ActionError, match="cannot change"):
        decide(url, "A1", "edited", "x", {"kpi": "fcr"})


def test_a_quarter_also_follows_up_the_monthly_actions_opened_before_it(url: str) -> None:
    record_drafts(url, "default", "monthly", "2026-06", "r6", [draft("M-jun")])
    record_drafts(url, "default", "monthly", "2026-07", "r7", [draft("M-jul")])
    record_drafts(url, "default", "quarterly", "2026-Q2", "rq2", [draft("Q-2")])
    record_drafts(url, "default", "quarterly", "2026-Q3", "rq3", [draft("Q-3")])
    for action_id in ("M-jun", "M-jul", "Q-2", "Q-3"):
        decide(url, action_id, "approved", "Li Lei", {})
    quarter = approved_before(url, "default", "quarterly", "2026-Q3")
    assert sorted(a["action_id"] for a in quarter) == ["M-jun", "Q-2"]  # not July's: inside Q3
    month = approved_before(url, "default", "monthly", "2026-08")
    assert sorted(a["action_id"] for a in month) == ["M-jul", "M-jun"]  # never a quarter's


def test_followups_of_a_quarter_are_the_latest_published_run_of_each_month(url: str) -> None:
    record_drafts(url, "default", "monthly", "2026-07", "r7", [draft("A1")])
    record_drafts(url, "north", "monthly", "2026-07", "n7", [draft("N1")])
    decide(url, "A1", "approved", "Li Lei", {})
    decide(url, "N1", "approved", "Li Lei", {})
    runs = {  # run id → (period, tenant, follow-ups recorded)
        "r8": ("2026-08", None, [("A1", 0.70, "too_early")]),
        "r8b": ("2026-08", None, [("A1", 0.72, "too_early")]),  # a reissue of August: it wins
        "r9": ("2026-09", None, [("A1", 0.85, "effective")]),
        "r10": ("2026-10", None, [("A1", 0.90, "effective")]),  # after the quarter
        "n8": ("2026-08", "north", [("N1", 0.10, "not_effective")]),  # another tenant
    }
    for day, (run_id, (period, tenant, rows)) in enumerate(runs.items(), start=1):
        record_run(
            url,
            manifest(run_id, period, tenant=tenant)
            | {"started_at": f"2026-11-{day:02d}T01:00:00+00:00"},
            RULES,
        )
        record_followups(url, period, run_id, [{"action_id": a, "current": v, "verdict": w} for a, v, w in rows])  # fmt: skip
    found = followups_checked_in(url, "default", "monthly", ["2026-07", "2026-08", "2026-09"])
    assert found == [
        {"action_id": "A1", "checked_in": "2026-08", "current": 0.72, "verdict": "too_early"},
        {"action_id": "A1", "checked_in": "2026-09", "current": 0.85, "verdict": "effective"},
    ]


def test_an_action_answering_several_problems_is_approved_once_with_all_of_them(url: str) -> None:
    merged = draft("A1") | {"problem_ranks": "1;2;4"}
    record_drafts(url, "default", "monthly", "2026-10", "r1", [merged, draft("A2")])
    decide(url, "A1", "approved", "Li Lei", {})
    record_drafts(url, "default", "monthly", "2026-10", "r2", [merged | {"target": 0.9}])
    (a1,) = approved_before(url, "default", "monthly", "2026-11")
    assert (a1["action_id"], a1["problem_rank"], a1["problem_ranks"]) == ("A1", 1, "1;2;4")
    assert (a1["segment"], a1["target"]) == ("hour_band=20-24", 0.8)  # decided: not refreshed
    a2 = next(a for a in list_actions(url) if a["action_id"] == "A2")
    assert a2["problem_ranks"] == "1"  # a draft without the column answers its problem_rank
