"""Action drafts: one per cause, naming every problem it answers, its segment in words and,
from the staffing plan, how many agents a rota needs."""

from __future__ import annotations

import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from csreview.messages import Message, Named
from csreview.periods import Period
from csreview.settings import load_settings
from tasks import actions as ac
from tasks import staffing as st
from tasks.fishbone.runner import Hypothesis
from tasks.playbook import load_playbook
from tasks.problems import Problem
from tasks.render import Formatter
from tasks.render.root_cause_words import word
from tests.conftest import ZONE

OCTOBER = Period("monthly", 2026, 10)
EVENING = ((f.HOUR_BAND, "20-24"),)
LOGISTICS_EVENING = ((s.CATEGORY, "logistics"), (f.HOUR_BAND, "20-24"))
BILLING = ((s.CATEGORY, "billing"),)


def problem(rank: int, kpi: str, segment: tuple[tuple[str, str], ...]) -> Problem:
    return Problem(
        rank=rank, kpi=kpi, segment=segment, value=0.3, baseline=0.9, target=0.8,
        defects=10, base=20, excess=5.0, defect_share=0.5, cumulative_share=1.0, priority=5.0,
    )  # fmt: skip


def cause(rank: int, category: str, key: str, strength: float = 1.0) -> Hypothesis:
    return Hypothesis(
        rank, category, Message(key), "verified", "1 vs 2", key=key, strength=strength
    )


PROBLEMS = [
    problem(1, "service_level", EVENING),
    problem(2, "abandon_rate", EVENING),
    problem(3, "complaint_rate", BILLING),
    problem(4, "csat_top2", LOGISTICS_EVENING),
]


def summary(required: list[float], scheduled: list[float]) -> pd.DataFrame:
    """A staffing summary of two days, each with the half-hours 20:00 to 23:30 (eight)."""
    starts = [
        pd.Timestamp(f"2026-10-0{day} 20:00", tz=ZONE) + pd.Timedelta(minutes=30 * i)
        for day in (1, 2)
        for i in range(8)
    ]
    frame = pd.DataFrame(
        {
            st.INTERVAL_START: starts,
            st.CONTACTS: 1,
            st.REQUIRED_AGENTS: required * 2,
            st.SCHEDULED_AGENTS: scheduled * 2,
        }
    )
    gap = frame[st.SCHEDULED_AGENTS] - frame[st.REQUIRED_AGENTS]
    return frame.assign(**{st.GAP: gap, st.UNDERSTAFFED: gap < 0})


def drafts(causes: list[Hypothesis], staffing: pd.DataFrame | None = None) -> pd.DataFrame:
    playbook = load_playbook(None)
    return ac.draft_actions(
        PROBLEMS, causes, OCTOBER, "t", load_settings(), playbook, staffing=staffing
    )


def test_one_cause_in_the_same_hours_is_one_action_naming_every_problem() -> None:
    causes = [
        cause(1, "environment", "agent_load"),
        cause(2, "environment", "erlang_gaps"),
        cause(3, "method", "transfers"),
        cause(4, "environment", "agent_load"),
        cause(4, "material", "unresolved"),
    ]
    table = drafts(causes)
    assert table["problem_ranks"].tolist() == ["1;2;4", "3", "4"]
    assert table["problem_rank"].tolist() == [1, 3, 4]
    assert table["category"].tolist() == ["environment", "method", "material"]
    first = table.iloc[0]  # measured as its first problem: KPI, baseline and segment
    assert (first["kpi"], first[ac.SEGMENT]) == ("service_level", EVENING)
    assert first["action_id"] == ac.action_id("t", OCTOBER, PROBLEMS[0], "environment")
    assert table["action_id"].is_unique
    assert table[ac.SCOPE].tolist() == [Named(EVENING), Named(BILLING), Named(LOGISTICS_EVENING)]
    assert list(table.columns[: len(ac.ACTION_COLUMNS)]) == list(ac.ACTION_COLUMNS)


def test_a_merged_action_keeps_its_id_across_reissues_and_differs_by_period() -> None:
    causes = [cause(1, "environment", "agent_load"), cause(2, "environment", "agent_load")]
    again = drafts(list(reversed(causes)))
    assert drafts(causes)["action_id"].tolist() == again["action_id"].tolist()
    november = ac.action_id("t", Period("monthly", 2026, 11), PROBLEMS[0], "environment")
    assert november != again["action_id"].iloc[0]


def test_different_actions_on_the_same_segment_stay_apart() -> None:
    """A hypothesis that words its own action is another action, even in the same category."""
    table = drafts([cause(1, "people", "new_hires"), cause(2, "people", "agent_qa")])
    assert table["problem_ranks"].tolist() == ["1", "2"]


@pytest.mark.parametrize(
    ("required", "scheduled", "expected"),
    [
        # the largest mean gap is at 21:00: 9 needed, 1 on the rota → 8 more
        ([2, 2, 9, 8, 6, 4, 2, 1], [1, 1, 1, 1, 1, 1, 1, 1], ac.Size("21:00", 9.0, 1.0, 8)),
        # a gap of 2.5 agents needs 3 more; a gap of exactly 1 needs one
        ([3, 4.5, 2, 2, 2, 2, 2, 2], [2, 2, 2, 2, 2, 2, 2, 2], ac.Size("20:30", 4.5, 2.0, 3)),
        ([3, 3, 2, 2, 2, 2, 2, 2], [2, 2, 2, 2, 2, 2, 2, 2], ac.Size("20:00", 3.0, 2.0, 1)),
        ([1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2, 2, 2], None),  # the rota meets the need
    ],
)
def test_the_size_is_the_largest_gap_of_the_hours_in_whole_agents(
    required: list[float], scheduled: list[float], expected: ac.Size | None
) -> None:
    assert ac.staffing_size(summary(required, scheduled), EVENING) == expected


def test_the_size_needs_hours_and_a_staffing_plan() -> None:
    short = summary([9] * 8, [1] * 8)
    assert ac.staffing_size(short, BILLING) is None
    assert ac.staffing_size(None, EVENING) is None
    assert ac.staffing_size(short, ((f.HOUR_BAND, "08-12"),)) is None  # no interval in 08-12


def test_a_rota_action_names_its_hours_and_how_many_agents_in_both_languages() -> None:
    causes = [cause(1, "environment", "agent_load"), cause(4, "environment", "erlang_gaps")]
    table = drafts(causes, summary([2, 2, 9, 8, 6, 4, 2, 1], [1] * 8))
    assert table["problem_ranks"].tolist() == ["1;4"]
    action = table["action"].iloc[0]
    assert word(action, Formatter("en")) == (
        "Roster 8 more agents on 20:00–24:00 so that staffing follows the arrival pattern: "
        "at 21:00 Erlang C needs 9.0 agents on average, the rota has 1.0"
    )
    assert word(action, Formatter("zh-CN")).startswith("为 20:00–24:00 增加 8 名排班坐席")
    one = drafts(causes, summary([2] * 8, [1] * 8))["action"].iloc[0]
    assert word(one, Formatter("en")).startswith("Roster one more agent on 20:00–24:00")
    unsized = drafts([cause(3, "environment", "agent_load")], summary([9] * 8, [1] * 8))
    assert word(unsized["action"].iloc[0], Formatter("en")) == (
        "Roster more agents for billing so that staffing follows the arrival pattern"
    )


def test_a_forecast_is_not_sized_and_keeps_its_whole_segment() -> None:
    table = drafts([cause(4, "environment", "volume_spike")], summary([9] * 8, [1] * 8))
    assert table[ac.SCOPE].tolist() == [Named(LOGISTICS_EVENING)]
    assert word(table["action"].iloc[0], Formatter("en")) == (
        "Forecast the seasonal peaks and campaigns in logistics, 20:00–24:00, "
        "and plan staff or callbacks for them ahead"
    )
