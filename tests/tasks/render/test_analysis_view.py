"""The improvement plan and the root-cause section as a manager reads them: an action that
answers several problems is listed once, and each of those problems says what it shares."""

from __future__ import annotations

import pandas as pd
import pytest

from tasks import root_cause as rc
from tasks.render import Formatter
from tasks.render.analysis_view import action_rows, shared_causes


def worded_actions() -> pd.DataFrame:
    """Two actions as worded for a report: one answering problems 1, 2 and 4, one only 3."""
    return pd.DataFrame(
        [
            {"action_id": "ACT-1", "problem_rank": 1, "problem_ranks": "1;2;4",
             "action": "Roster 8 more agents on 20:00–24:00", "resource": "r", "risk": "k",
             "kpi": "service_level", "baseline": 0.2, "target": 0.8, "status": "proposed",
             "category": "environment", "scope": "20:00–24:00"},
            {"action_id": "ACT-3", "problem_rank": 3, "problem_ranks": "3",
             "action": "Fix routing in billing", "resource": "r", "risk": "k",
             "kpi": "complaint_rate", "baseline": 0.1, "target": 0.03, "status": "proposed",
             "category": "method", "scope": "billing"},
        ]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("rank", "english"),
    [
        (1, ["Shares its verified environment cause in 20:00–24:00 with problems 2, 4: "
             "one action answers them all (ACT-1)."]),
        (4, ["Shares its verified environment cause in 20:00–24:00 with problems 1, 2: "
             "one action answers them all (ACT-1)."]),
        (3, []),  # its action answers it alone
    ],
)  # fmt: skip
def test_a_problem_says_which_problems_share_its_cause(rank: int, english: list[str]) -> None:
    assert shared_causes(rank, worded_actions(), Formatter("en")) == english


def test_two_problems_sharing_a_cause_say_so_in_chinese() -> None:
    two = worded_actions().assign(problem_ranks=["1;2", "3"])
    (line,) = shared_causes(2, two, Formatter("zh-CN"))
    assert (
        line == "与问题 1 在 20:00–24:00 有同一经验证的根因（环）：一项措施同时应对两者（ACT-1）。"
    )


def test_the_plan_lists_each_action_once_with_every_problem_it_answers() -> None:
    root_cause = rc.RootCause(
        pd.DataFrame(), pd.DataFrame(), worded_actions(), pd.DataFrame(), pd.DataFrame()
    )
    rows = action_rows(root_cause, Formatter("en"))
    assert [(r["action_id"], r["ranks"]) for r in rows] == [("ACT-1", "1, 2, 4"), ("ACT-3", "3")]
    assert (rows[0]["kpi"], rows[0]["baseline"], rows[0]["target"]) == (
        "service level", "20.0%", "80.0%",
    )  # fmt: skip
