"""The analysis in words: message records worded in English and Chinese, and one drafted root
cause worded in each language without being drafted again."""

from __future__ import annotations

import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from csreview.messages import (
    Joined,
    KpiName,
    KpiValue,
    Message,
    Named,
    Where,
    quotes_number,
    say,
)
from tasks import root_cause as rc
from tasks.problems import Problem
from tasks.render import Formatter
from tasks.render.root_cause_words import WHERE, word, worded_root_cause

EN, ZH = Formatter("en"), Formatter("zh-CN")
EVENING_CHAT = ((f.HOUR_BAND, "20-24"), (s.CHANNEL, "chat"))


def test_a_message_is_translated_then_filled_in() -> None:
    rate = say("transfer rate {seg:.1%} in the segment vs {rest:.1%} elsewhere", seg=0.25, rest=0.1)
    assert word(rate, EN) == "transfer rate 25.0% in the segment vs 10.0% elsewhere"
    assert word(rate, ZH) == "该细分转接率 25.0%，其他为 10.0%"


def test_kpis_segments_and_nested_messages_are_worded_in_the_language() -> None:
    title = say(
        "{where}: {kpi} {value} (target {target}); {share} of all such defects",
        where=Where(EVENING_CHAT),
        kpi=KpiName("service_level"),
        value=KpiValue("service_level", 0.4),
        target=KpiValue("service_level", 0.8),
        share="50%",
    )
    assert word(title, EN) == (
        "time band 20-24, channel chat: service level 40.0% (target 80.0%); 50% of all such defects"
    )
    why = say("Why: {symptom}?", symptom=title)
    assert word(why, ZH).startswith("为什么：时段 20-24")
    assert word(Where(()), EN) == "all contacts"


@pytest.mark.parametrize(
    ("segment", "english", "chinese"),
    [
        (((f.HOUR_BAND, "20-24"),), "20:00–24:00", "20:00–24:00"),
        (((s.CATEGORY, "billing"),), "billing", "billing"),
        (((s.TIER, "junior"), (f.HOUR_BAND, "00-08")), "tier junior, 00:00–08:00", "层级 初级, 00:00–08:00"),
        ((), "the whole centre", "全中心"),
    ],
)  # fmt: skip
def test_an_action_names_hours_as_clock_times_and_a_category_by_its_name(
    segment: tuple[tuple[str, str], ...], english: str, chinese: str
) -> None:
    action = say(
        "Fix routing in {segment} so that contacts reach an agent who can resolve them without transfer",
        segment=Named(segment),
    )
    assert (
        word(action, EN)
        == f"Fix routing in {english} so that contacts reach an agent who can resolve them without transfer"
    )
    assert word(Named(segment), ZH) == chinese
    assert chinese in word(action, ZH)


def test_a_message_without_values_is_never_formatted_and_joined_texts_follow_each_other() -> None:
    assert word(Message("{not a placeholder}"), EN) == "{not a placeholder}"
    joined = Joined((Message("customer contacts"), " (", say("{n} rows", n=3), ")"))
    assert word(joined, ZH) == "客户接触 (3 rows)"


def test_a_claim_quotes_numbers_only_through_its_values() -> None:
    assert quotes_number(say("{seg:.0%} vs {rest:.0%}", seg=0.5, rest=0.1))
    assert quotes_number(Joined((Message("none"), say("{p}", p="p = 0.010"))))
    assert not quotes_number(Message("the segment looks understaffed in 2026"))
    assert not quotes_number(say("{x}", x=float("nan")))


def drafted() -> rc.RootCause:
    """One problem with its title, a 5-Why step and an action, as the analysis drafts them."""
    problem = Problem(
        rank=1, kpi="service_level", segment=EVENING_CHAT, value=0.4, baseline=0.9,
        target=0.8, defects=60, base=100, excess=40.0, defect_share=0.5,
        cumulative_share=1.0, priority=40.0,
    )  # fmt: skip
    problems = pd.DataFrame(
        [{"rank": 1, "title": rc.problem_title(problem), "segment": problem.segment}]
    )
    whys = pd.DataFrame(
        [(1, "environment", 2, Message("Why does that happen?"), Message("customer contacts"))],
        columns=list(rc.WHY_COLUMNS),
    )
    actions = pd.DataFrame(
        [{"action": Message("customer contacts"), "owner_role": Message("surveys"),
          "resource": Message("surveys"), "risk": Message("surveys"), rc.SEGMENT: EVENING_CHAT,
          rc.SCOPE: Named(EVENING_CHAT[:1])}]
    )  # fmt: skip
    causes = pd.DataFrame(columns=[*rc.ROOT_CAUSE_COLUMNS, "label"])
    followups = pd.DataFrame(columns=list(rc.FOLLOWUP_COLUMNS))
    return rc.RootCause(problems, causes, actions, followups, whys)


def test_one_draft_is_worded_in_each_language_and_left_as_it_was() -> None:
    draft = drafted()
    english, chinese = worded_root_cause(draft, "en"), worded_root_cause(draft, "zh-CN")
    for worded in (english, chinese):  # segments as the CSV files and the store keep them
        assert worded.problems["segment"].tolist() == ["hour_band=20-24;channel=chat"]
        assert worded.actions[rc.SEGMENT].tolist() == ["hour_band=20-24;channel=chat"]
    assert english.problems[WHERE].tolist() == ["time band 20-24, channel chat"]
    assert english.problems["title"][0].startswith("time band 20-24, channel chat: service")
    assert chinese.problems["title"][0].startswith("时段 20-24")
    assert english.whys["why"].tolist() == ["Why does that happen?"]
    assert chinese.actions["action"].tolist() == ["客户接触"]
    assert english.actions[rc.SCOPE].tolist() == ["20:00–24:00"]
    assert draft.problems["segment"].tolist() == [EVENING_CHAT]  # the draft is not changed
    assert isinstance(draft.whys["because"][0], Message)


def test_an_incident_is_named_by_its_dates_and_hours_in_both_languages() -> None:
    outage = Problem(
        rank=2, kpi="complaint_rate", segment=((f.DATE, "2026-10-09/2026-10-11"),),
        value=0.094, baseline=0.014, target=0.03, defects=33, base=351, excess=28.0,
        defect_share=0.3, cumulative_share=0.8, priority=84.0,
        days=("2026-10-09", "2026-10-10", "2026-10-11"), hours=(10, 22),
    )  # fmt: skip
    title = rc.problem_title(outage)
    assert word(title, EN) == (
        "incident, date 9 Oct 2026 to 11 Oct 2026: complaint rate 9.4% against 1.4% on usual "
        "days (target 3.0%), worst 10:00–22:00"
    )
    assert word(title, ZH) == (
        "异常事件，日期 2026年10月9日至2026年10月11日：投诉率 9.4%，常态日为 1.4%（目标 3.0%），"
        "最严重时段 10:00–22:00"
    )
    assert EN.segment(f.DATE, "2026-10-21") == "21 Oct 2026"
    assert ZH.segment(f.DATE, "2026-10-21") == "2026年10月21日"
