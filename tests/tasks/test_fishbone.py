"""Fishbone hypotheses on tiny frames: for each, a case the data confirms and one it rejects,
with the evidence numbers worked out by hand; circular or data-less ones are not testable."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from csreview import schema as s
from csreview.periods import Period
from csreview.settings import load_settings
from tasks import compare, render
from tasks import fishbone as fb
from tasks import kpis as k
from tasks import root_cause as rc
from tasks import staffing as st
from tasks.validate import REASON
from tests.conftest import OCTOBER, ZONE, typed_frames

EN = render.Formatter("en")
LIMITS = rc.load_playbook(None)["thresholds"]
BILLING = ((s.CATEGORY, "billing"),)
IN_BILLING = {s.CATEGORY: "billing"}

BASE_ROW: dict[str, Any] = {
    k.ALL: "all", s.CHANNEL: "phone", s.CATEGORY: "other", s.TEAM: "Alpha", s.TIER: "senior",
    s.SITE: "Shanghai", k.HOUR_BAND: "08-12", k.WEEKDAY: "mon", k.AGENT: "A1",
    k.N: 1, k.ANSWERED: 1, k.COUNTED: 1, k.ABANDON_COUNTED: 0, k.WITHIN_SL: 1, k.WAIT: 10.0,
    k.HANDLE: 300.0, k.NOT_REPEATED: 1, k.HANDLED_COMPLAINT: 0, k.HANDLED_ESCALATED: 0,
    k.HANDLED_TRANSFERRED: 0, k.OFFERED: 0, k.SOLD: 0, k.HOUR: 9,
}  # fmt: skip


def contacts(*groups: tuple[int, dict[str, Any]]) -> pd.DataFrame:
    """Contact facts from `(count, values)` groups, ids c1, c2, … in order."""
    rows = [BASE_ROW | values for count, values in groups for _ in range(count)]
    return pd.DataFrame(rows).assign(**{s.CONTACT_ID: [f"c{i}" for i in range(1, len(rows) + 1)]})


def details(frame: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    """Per-contact details aligned on `frame`: nothing known unless given."""
    n = len(frame)
    base: dict[str, Any] = {
        fb.DAY: pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
        fb.TENURE: [math.nan] * n,
        fb.AGENT_QA: [math.nan] * n,
        fb.UNRESOLVED: [0] * n,
        fb.UNDERSTAFFED: pd.array([pd.NA] * n, dtype="boolean"),
    }
    out = pd.DataFrame(base | columns)
    out.index = frame.index
    return out


def review(frame: pd.DataFrame, **fields: Any) -> fb.ReviewData:
    """The review data of a tiny centre: its contact facts and whatever a test gives."""
    qa = fields.pop("qa", pd.DataFrame(columns=[*BASE_ROW, s.CONTACT_ID, s.REVIEWER_ID, s.SCORE]))
    surveys = fields.pop("surveys", pd.DataFrame(columns=[*BASE_ROW, s.CONTACT_ID]))
    facts = k.Facts(
        contacts=frame,
        backlog=frame.iloc[0:0],
        qa=qa,
        calibration=qa,
        surveys=surveys,
        fcr_provisional=False,
    )
    defaults: dict[str, Any] = {
        "details": details(frame),
        "load": pd.Series(dtype="float64"),
        "has_shifts": True,
        "has_staffing": True,
        "resolved_known": True,
        "previous": pd.DataFrame(columns=list(compare.HISTORY_COLUMNS)),
        "rejected": None,
        "days": 30.0,
        "previous_days": 31.0,
        "previous_label": "2026-08",
        "qa_spread_target": 9.0,
        "min_sample": 5,
    }
    return fb.ReviewData(facts=facts, **(defaults | fields))


def run(
    check: fb.Check,
    data: fb.ReviewData,
    kpi: str = "complaint_rate",
    segment: fb.Segment = BILLING,
) -> fb.Result:
    return check(fb.Case(1, kpi, segment, data), LIMITS, EN)


def verdict(result: fb.Result) -> tuple[str, str]:
    return result.verdict, result.evidence


# ---------------------------------------------------------------- people
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
    assert verdict(run(fb.junior_share, review(frame))) == expected


def test_junior_share_and_tenure_of_a_tier_segment_are_circular() -> None:
    frame = contacts((10, {s.TIER: "junior"}), (10, {}))
    data = review(frame, details=details(frame, **{fb.TENURE: [30.0] * 10 + [900.0] * 10}))
    junior = ((s.TIER, "junior"),)
    assert run(fb.junior_share, data, segment=junior).verdict == "not_testable"
    assert run(fb.new_hires, data, segment=junior).verdict == "not_testable"


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
    data = review(frame, details=details(frame, **{fb.TENURE: tenure}))
    assert verdict(run(fb.new_hires, data)) == expected


def agents_with_complaints(complaints: list[int]) -> pd.DataFrame:
    """Billing contacts: 10 per agent A1…A10, the first `complaints[i]` of agent i complaints."""
    groups: list[tuple[int, dict[str, Any]]] = []
    for i, n in enumerate(complaints, start=1):
        agent = {k.AGENT: f"A{i:02d}"}
        groups += [(n, IN_BILLING | agent | {k.HANDLED_COMPLAINT: 1}), (10 - n, IN_BILLING | agent)]
    return contacts(*groups, (20, {}))


def test_a_few_agents_holding_most_defects() -> None:
    # A01 holds all 8 complaints with 10 of the 100 contacts: 100 % ÷ 10 % = 10×;
    # χ² over 10 agents × (complaint, not): 78.3 on 9 df, p ≈ 3e-13
    data = review(agents_with_complaints([8] + [0] * 9))
    assert verdict(run(fb.agent_concentration, data)) == (
        "verified",
        "the top 1 of 10 agents by defects hold 100% of the segment's defects with 10% of its "
        "customer contacts (10.0×); χ² test of agents' defect rates: p < 0.001",
    )


def test_defects_spread_evenly_over_agents_are_no_concentration() -> None:
    data = review(agents_with_complaints([1] * 10))
    assert verdict(run(fb.agent_concentration, data)) == (
        "not_supported",
        "the top 1 of 10 agents by defects hold 10% of the segment's defects with 10% of its "
        "customer contacts (1.0×); χ² test of agents' defect rates: p = 1.000",
    )


def test_waits_and_few_agents_cannot_be_put_on_agents() -> None:
    data = review(agents_with_complaints([8] + [0] * 9))
    assert run(fb.agent_concentration, data, kpi="service_level").verdict == "not_testable"
    few = review(agents_with_complaints([8, 0, 0, 0]))
    assert verdict(run(fb.agent_concentration, few)) == (
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
    data = review(frame, details=details(frame, **{fb.AGENT_QA: [seg_score] * 6 + [85.0] * 6}))
    assert verdict(run(fb.agent_qa, data)) == expected
    assert run(fb.agent_qa, data, kpi="qa_fail_rate").verdict == "not_testable"


# ---------------------------------------------------------------- machine
@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        (500.0, ("verified", "average handle time 500 s in the segment vs 300 s elsewhere")),
        (330.0, ("not_supported", "average handle time 330 s in the segment vs 300 s elsewhere")),
    ],
)
def test_handle_time(handle: float, expected: tuple[str, str]) -> None:
    frame = contacts((5, IN_BILLING | {k.HANDLE: handle}), (5, {}))
    assert verdict(run(fb.handle_time, review(frame))) == expected


def test_handle_time_is_compared_like_for_like_within_a_channel() -> None:
    frame = contacts(
        (5, IN_BILLING | {s.CHANNEL: "chat", k.HANDLE: 500.0}),
        (5, {s.CHANNEL: "chat", k.HANDLE: 450.0}),
        (5, {k.HANDLE: 200.0}),
    )
    pair = ((s.CATEGORY, "billing"), (s.CHANNEL, "chat"))
    assert verdict(run(fb.handle_time, review(frame), segment=pair)) == (
        "not_supported",
        "average handle time 500 s in the segment vs 450 s in the same channel elsewhere",
    )
    chat = ((s.CHANNEL, "chat"),)
    assert run(fb.handle_time, review(frame), segment=chat).verdict == "not_testable"


def spike_centre(spike_complaints: int, usual_complaints: int) -> fb.ReviewData:
    """Billing over 8 days: 7 usual days of 10 contacts (handle 300 s) and a spike day of 20
    (handle 900 s), with complaints on the spike day and spread over the usual days."""
    usual = [(10, IN_BILLING) for _ in range(7)]
    frame = contacts(
        *usual,
        (spike_complaints, IN_BILLING | {k.HANDLE: 900.0, k.HANDLED_COMPLAINT: 1}),
        (20 - spike_complaints, IN_BILLING | {k.HANDLE: 900.0}),
    )
    frame.loc[frame.index[:usual_complaints], k.HANDLED_COMPLAINT] = 1
    days = [pd.Timestamp(f"2026-09-0{d}") for d in range(1, 8) for _ in range(10)]
    days += [pd.Timestamp("2026-09-08")] * 20
    return review(frame, details=details(frame, **{fb.DAY: days}))


def test_a_spike_day_holding_the_defects() -> None:
    # handle time by day: 300 × 7, 900: median 300, MAD 0, so mean deviation 75 × 1.2533 →
    # z = 600 / 94 = 6.4; the spike day holds 10 of 11 complaints (91 %) with 20 of 90
    # contacts (22 %); 10/20 vs 1/70: z = 5.2, p < 0.001
    assert verdict(run(fb.day_spikes, spike_centre(10, 1))) == (
        "verified",
        "days with handle time or wait far above the segment's usual: 1 (worst 2026-09-08: "
        "handle time 900 s vs a median day's 300 s); they hold 91% of its defects with 22% of "
        "its customer contacts (z-test p < 0.001)",
    )


def test_a_spike_day_without_more_defects_is_no_cause() -> None:
    # 1 of 4 complaints (25 %) on the day with 22 % of the contacts: 1.1×
    result = run(fb.day_spikes, spike_centre(1, 3))
    assert result.verdict == "not_supported"
    assert "they hold 25% of its defects with 22% of its customer contacts" in result.evidence


def test_day_spikes_need_seven_days() -> None:
    frame = contacts((30, IN_BILLING))
    data = review(frame, details=details(frame, **{fb.DAY: [pd.Timestamp("2026-09-01")] * 30}))
    assert verdict(run(fb.day_spikes, data)) == (
        "not_testable",
        "only 1 days have at least 10 handled contacts in the segment; 7 are needed",
    )


def test_robust_z_is_not_swayed_by_the_outlier() -> None:
    # median 11, |deviations| 1 2 0 1 29 → MAD 1 → scale 1.4826
    z = fb.robust_z(pd.Series([10.0, 9.0, 11.0, 12.0, 40.0]))
    assert z.iloc[4] == pytest.approx(29 / 1.4826)
    assert (fb.robust_z(pd.Series([5.0, 5.0, 5.0])) == 0).all()


# ---------------------------------------------------------------- material
@pytest.mark.parametrize(
    ("repeated", "expected"),
    [
        (6, ("verified", "30.0% of handled contacts repeated within 7 days vs 10.0% elsewhere")),
        (
            2,
            (
                "not_supported",
                "10.0% of handled contacts repeated within 7 days vs 10.0% elsewhere",
            ),
        ),
    ],
)
def test_repeat_contacts(repeated: int, expected: tuple[str, str]) -> None:
    frame = contacts(
        (repeated, IN_BILLING | {k.NOT_REPEATED: 0}),
        (20 - repeated, IN_BILLING),
        (2, {k.NOT_REPEATED: 0}),
        (18, {}),
    )
    assert verdict(run(fb.repeat_contacts, review(frame))) == expected
    assert run(fb.repeat_contacts, review(frame), kpi="fcr").verdict == "not_testable"


@pytest.mark.parametrize(
    ("unresolved", "expected"),
    [
        (8, ("verified", "40.0% of handled contacts were not resolved vs 10.0% elsewhere")),
        (2, ("not_supported", "10.0% of handled contacts were not resolved vs 10.0% elsewhere")),
    ],
)
def test_unresolved(unresolved: int, expected: tuple[str, str]) -> None:
    frame = contacts((20, IN_BILLING), (20, {}))
    flags = [1] * unresolved + [0] * (20 - unresolved) + [1] * 2 + [0] * 18
    data = review(frame, details=details(frame, **{fb.UNRESOLVED: flags}))
    assert verdict(run(fb.unresolved, data)) == expected
    without = review(frame, resolved_known=False)
    assert run(fb.unresolved, without).verdict == "not_testable"


@pytest.mark.parametrize(
    ("came_back", "expected"),
    [
        (5, ("verified", "50.0% of the segment's transferred contacts came back within 7 days vs 10.0% of its contacts that were not transferred")),
        (1, ("not_supported", "10.0% of the segment's transferred contacts came back within 7 days vs 10.0% of its contacts that were not transferred")),
    ],
)  # fmt: skip
def test_transfer_repeats(came_back: int, expected: tuple[str, str]) -> None:
    moved = {k.HANDLED_TRANSFERRED: 1}
    frame = contacts(
        (came_back, IN_BILLING | moved | {k.NOT_REPEATED: 0}),
        (10 - came_back, IN_BILLING | moved),
        (2, IN_BILLING | {k.NOT_REPEATED: 0}),
        (18, IN_BILLING),
        (30, moved | {k.NOT_REPEATED: 0}),  # the rest of the centre does not count
    )
    assert verdict(run(fb.transfer_repeats, review(frame))) == expected


def test_transfer_repeats_need_enough_transfers() -> None:
    frame = contacts((3, IN_BILLING | {k.HANDLED_TRANSFERRED: 1}), (20, IN_BILLING))
    assert verdict(run(fb.transfer_repeats, review(frame))) == (
        "not_testable",
        "only 3 of the segment's handled contacts were transferred",
    )


# ---------------------------------------------------------------- method
@pytest.mark.parametrize(
    ("moved", "expected"),
    [
        (8, ("verified", "transfer rate 40.0% in the segment vs 10.0% elsewhere")),
        (2, ("not_supported", "transfer rate 10.0% in the segment vs 10.0% elsewhere")),
    ],
)
def test_transfers(moved: int, expected: tuple[str, str]) -> None:
    frame = contacts(
        (moved, IN_BILLING | {k.HANDLED_TRANSFERRED: 1}),
        (20 - moved, IN_BILLING),
        (2, {k.HANDLED_TRANSFERRED: 1}),
        (18, {}),
    )
    assert verdict(run(fb.transfers, review(frame))) == expected


def test_escalations_of_complaints_do_not_explain_complaints() -> None:
    # the segment: 10 escalated complaints, 1 escalation in 10 other contacts; the rest: 2 in 20
    escalated = {k.HANDLED_ESCALATED: 1}
    frame = contacts(
        (10, IN_BILLING | escalated | {k.HANDLED_COMPLAINT: 1}),
        (1, IN_BILLING | escalated),
        (9, IN_BILLING),
        (2, escalated),
        (18, {}),
    )
    assert verdict(run(fb.escalations, review(frame), kpi="complaint_rate")) == (
        "not_supported",
        "escalation rate 10.0% in the segment vs 10.0% elsewhere, over contacts that were not "
        "complaints",
    )
    assert verdict(run(fb.escalations, review(frame), kpi="service_level")) == (
        "verified",
        "escalation rate 55.0% in the segment vs 10.0% elsewhere",
    )


def teams_centre(alpha: int) -> pd.DataFrame:
    """Billing: team Alpha handles `alpha` contacts with 10 % complaints, Bravo and Charlie
    35 each with 40 %."""
    complaint = {k.HANDLED_COMPLAINT: 1}
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
    assert verdict(run(fb.routing, review(teams_centre(30)))) == (
        "verified",
        "team Alpha: complaint rate 10.0% in the segment vs 40.0% in the other teams, which "
        "handle 70% of it (z-test p = 0.003)",
    )


def test_routing_is_no_cause_when_the_best_team_already_takes_most() -> None:
    result = run(fb.routing, review(teams_centre(110)))  # Alpha handles 110 of 180: 61 %
    assert result.verdict == "not_supported"
    assert "which handle 39% of it" in result.evidence
    team = ((s.TEAM, "Bravo"),)
    assert run(fb.routing, review(teams_centre(30)), segment=team).verdict == "not_testable"


# ---------------------------------------------------------------- environment
LOAD = pd.Series({9: 2.0, 20: 6.0, 21: 2.5})  # contacts per scheduled agent-hour by hour


@pytest.mark.parametrize(
    ("hour", "expected"),
    [
        (20, ("verified", "6.0 contacts per scheduled agent-hour in the segment vs 2.0 elsewhere (3.0×)")),
        (21, ("not_supported", "2.5 contacts per scheduled agent-hour in the segment vs 2.0 elsewhere (1.2×)")),
        (3, ("verified", "no agent is scheduled in the hours when the segment's 5 contacts arrive vs 2.0 contacts per scheduled agent-hour elsewhere")),
    ],
)  # fmt: skip
def test_agent_load(hour: int, expected: tuple[str, str]) -> None:
    frame = contacts((5, IN_BILLING | {k.HOUR: hour}), (5, {}))
    assert verdict(run(fb.agent_load, review(frame, load=LOAD))) == expected
    no_shifts = review(frame, load=LOAD, has_shifts=False)
    assert run(fb.agent_load, no_shifts).verdict == "not_testable"


def test_hourly_load_is_arrivals_per_scheduled_agent_hour() -> None:
    # two agents 08:00–10:00 and one 09:00–09:30 on one day: 2 agent-hours at 8, 2.5 at 9;
    # 3 arrivals at 8 and 5 at 9 → 1.5 and 2.0; no one scheduled at 10 → NaN
    settings = load_settings()
    period = Period("monthly", 2026, 9)

    def stamps(*texts: str) -> pd.DatetimeIndex:
        return pd.to_datetime(list(texts)).tz_localize(ZONE)

    shifts = pd.DataFrame(
        {
            s.AGENT_ID: ["A1", "A2", "A3"],
            s.STARTS_AT: stamps("2026-09-01 08:00", "2026-09-01 08:00", "2026-09-01 09:00"),
            s.ENDS_AT: stamps("2026-09-01 10:00", "2026-09-01 10:00", "2026-09-01 09:30"),
        }
    )
    arrivals = pd.DataFrame({k.HOUR: [8] * 3 + [9] * 5 + [10]})
    load = fb.hourly_load(arrivals, shifts, period, settings)
    assert load[8] == 1.5 and load[9] == 2.0 and math.isnan(load[10])


@pytest.mark.parametrize(
    ("short", "expected"),
    [
        (8, ("verified", "80% of the segment's phone and chat contacts arrived in intervals with fewer agents scheduled than Erlang C requires vs 10% elsewhere")),
        (3, ("not_supported", "30% of the segment's phone and chat contacts arrived in intervals with fewer agents scheduled than Erlang C requires vs 10% elsewhere")),
    ],
)  # fmt: skip
def test_erlang_c_gaps(short: int, expected: tuple[str, str]) -> None:
    frame = contacts((10, IN_BILLING), (10, {}))
    flags = [True] * short + [False] * (10 - short) + [True] + [False] * 9
    data = review(frame, details=details(frame, **{fb.UNDERSTAFFED: pd.array(flags, "boolean")}))
    assert verdict(run(fb.erlang_gaps, data)) == expected
    assert run(fb.erlang_gaps, review(frame, has_staffing=False)).verdict == "not_testable"
    assert run(fb.erlang_gaps, review(frame)).verdict == "not_testable"  # no live contact


def test_arrivals_are_put_on_their_staffing_interval() -> None:
    summary = pd.DataFrame(
        {
            st.INTERVAL_START: pd.to_datetime(["2026-09-01 09:00", "2026-09-01 09:30"]).tz_localize(
                ZONE
            ),
            st.UNDERSTAFFED: [True, False],
        }
    )
    frame = pd.DataFrame({s.CHANNEL: ["phone", "chat", "email", "phone"]})
    created = pd.Series(
        pd.to_datetime(
            ["2026-09-01 09:10", "2026-09-01 09:40", "2026-09-01 09:10", "2026-09-01 11:00"]
        ).tz_localize(ZONE)
    )
    flags = fb.understaffed_arrivals(frame, created, summary)
    assert flags.tolist() == [True, False, pd.NA, pd.NA]


def previous_volumes(billing: float) -> pd.DataFrame:
    rows = [("contacts", "category", "billing", billing), ("contacts", "all", "all", 20.0)]
    return pd.DataFrame(
        [
            {k.KPI: kpi, k.DIMENSION: d, k.SEGMENT: seg, k.VALUE: v, k.NUMERATOR: v,
             k.DENOMINATOR: math.nan, compare.VARIANCE: math.nan}
            for kpi, d, seg, v in rows
        ],
        columns=list(compare.HISTORY_COLUMNS),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (10.0, ("verified", "15 contacts (15.0 a day) vs 10 (10.0 a day) in 2026-08: +50% a day (whole centre +0%)")),
        (14.0, ("not_supported", "15 contacts (15.0 a day) vs 14 (14.0 a day) in 2026-08: +7% a day (whole centre +0%)")),
    ],
)  # fmt: skip
def test_volume_spike_against_the_previous_period(before: float, expected: tuple[str, str]) -> None:
    frame = contacts((15, IN_BILLING), (5, {}))
    data = review(frame, previous=previous_volumes(before), days=1.0, previous_days=1.0)
    assert verdict(run(fb.volume_spike, data)) == expected


def test_volume_spike_needs_the_previous_review_of_a_one_dimension_segment() -> None:
    frame = contacts((15, IN_BILLING), (5, {}))
    assert verdict(run(fb.volume_spike, review(frame))) == (
        "not_testable",
        "the previous period 2026-08 was not reviewed, so there is no volume to compare",
    )
    pair = (*BILLING, (s.CHANNEL, "phone"))
    data = review(frame, previous=previous_volumes(10.0))
    assert run(fb.volume_spike, data, segment=pair).verdict == "not_testable"


# ---------------------------------------------------------------- measurement
@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (95.0, ("verified", "reviewers scoring the same contact differ by 15.0 points on average (target ≤ 9)")),
        (83.0, ("not_supported", "reviewers scoring the same contact differ by 3.0 points on average (target ≤ 9)")),
    ],
)  # fmt: skip
def test_qa_reviewer_disagreement(second: float, expected: tuple[str, str]) -> None:
    frame = contacts((5, IN_BILLING))
    qa = pd.DataFrame(
        [
            BASE_ROW | {s.CONTACT_ID: "c1", s.REVIEWER_ID: "R1", s.SCORE: 80.0},
            BASE_ROW | {s.CONTACT_ID: "c1", s.REVIEWER_ID: "R2", s.SCORE: second},
            BASE_ROW | {s.CONTACT_ID: "c2", s.REVIEWER_ID: "R1", s.SCORE: 60.0},  # one reviewer
        ]
    )
    data = review(frame, qa=qa)
    assert verdict(run(fb.qa_disagreement, data, kpi="qa_fail_rate")) == expected
    assert run(fb.qa_disagreement, data).verdict == "not_testable"  # a complaint problem


@pytest.mark.parametrize(
    ("answered", "expected"),
    [
        (1, ("verified", "survey response 5.0% in the segment vs 30.0% elsewhere")),
        (5, ("not_supported", "survey response 25.0% in the segment vs 30.0% elsewhere")),
    ],
)
def test_survey_response(answered: int, expected: tuple[str, str]) -> None:
    frame = contacts((20, IN_BILLING), (20, {}))
    surveys = pd.DataFrame([BASE_ROW | IN_BILLING] * answered + [BASE_ROW] * 6)
    assert verdict(run(fb.survey_response, review(frame, surveys=surveys))) == expected


def rejected(in_segment: int, elsewhere: int, unplaced: int) -> dict[str, pd.DataFrame]:
    placed = [BASE_ROW | IN_BILLING] * in_segment + [BASE_ROW] * elsewhere
    rows = pd.DataFrame(placed).assign(**{fb.PLACED: True})
    lost = pd.DataFrame({fb.PLACED: [False] * unplaced})
    empty = pd.DataFrame(columns=[*BASE_ROW, fb.PLACED])
    return {"contacts": pd.concat([rows, lost], ignore_index=True), "surveys": empty, "qa": empty}


@pytest.mark.parametrize(
    ("quarantined", "expected"),
    [
        # 12 of 112 rows = 10.7 %, elsewhere 1 of 101 = 1.0 %
        (12, ("verified", "12 of the segment's customer contacts were quarantined (10.7%) vs 1.0% elsewhere; 2 more quarantined rows could not be placed in a segment")),
        # 5 rows (4.8 %) are fewer than the 10 a cause needs
        (5, ("not_supported", "5 of the segment's customer contacts were quarantined (4.8%) vs 1.0% elsewhere; 2 more quarantined rows could not be placed in a segment")),
    ],
)  # fmt: skip
def test_data_quality(quarantined: int, expected: tuple[str, str]) -> None:
    frame = contacts((100, IN_BILLING), (100, {}))
    data = review(frame, rejected=rejected(quarantined, 1, 2))
    assert verdict(run(fb.data_quality, data)) == expected
    assert run(fb.data_quality, review(frame)).verdict == "not_testable"


def test_quarantined_rows_are_placed_in_segments_by_their_contact() -> None:
    settings = load_settings()
    period = Period("monthly", 2026, 9)
    agents = pd.DataFrame(
        {s.AGENT_ID: ["A1", "A2"], s.TEAM: ["Alpha", "Bravo"], s.TIER: ["senior", "junior"],
         s.SITE: [None, None], s.HIRED_ON: pd.to_datetime(["2020-01-01", "2026-01-01"]),
         s.LEFT_ON: [pd.NaT, pd.NaT]}
    )  # fmt: skip
    clean_contacts = pd.DataFrame(
        {s.CONTACT_ID: ["c1"], s.CHANNEL: ["chat"], s.CATEGORY: ["returns"], s.AGENT_ID: ["A1"],
         s.CREATED_AT: pd.to_datetime(["2026-09-03 21:00"]).tz_localize(ZONE)}
    )  # fmt: skip
    quarantine = {
        "contacts": pd.DataFrame(
            {s.CONTACT_ID: ["b1", "b2", "b3"], s.CHANNEL: ["phone", "phone", "phone"],
             s.CATEGORY: ["billing", "billing", "billing"], s.AGENT_ID: ["A2", "A2", "A2"],
             s.CREATED_AT: ["2026-09-02 10:00:00", "yesterday", "2026-10-02 10:00:00"],
             REASON: ["x", "y", "z"]}
        ),  # in the period / unreadable / another period
        "surveys": pd.DataFrame(
            {s.SURVEY_ID: ["s1"], s.CONTACT_ID: ["c1"], s.SUBMITTED_AT: ["2026-09-04 10:00:00"],
             s.CSAT: ["9"], REASON: ["csat is outside 1–5"]}
        ),
        "qa_evaluations": pd.DataFrame(
            {s.EVALUATION_ID: ["e1"], s.CONTACT_ID: ["b1"], s.AGENT_ID: ["A1"],
             s.REVIEWER_ID: ["R1"], s.SCORE: ["120"], REASON: ["score is outside 0–100"]}
        ),
    }  # fmt: skip
    clean = {s.CONTACTS.name: clean_contacts, s.AGENTS.name: agents}
    rows = fb.rejected_rows(quarantine, clean, period, settings)
    bad = rows["contacts"]
    assert bad[fb.PLACED].tolist() == [True, False]  # the October row is left out
    assert bad.loc[bad[fb.PLACED], [s.CATEGORY, s.TIER, k.HOUR_BAND]].values.tolist() == [
        ["billing", "junior", "08-12"]
    ]
    survey = rows["surveys"].iloc[0]
    assert (survey[s.CATEGORY], survey[s.TEAM], survey[k.HOUR_BAND]) == (
        "returns",
        "Alpha",
        "20-24",
    )
    evaluation = rows["qa"].iloc[0]  # its contact is quarantined; its own agent counts
    assert (evaluation[s.CATEGORY], evaluation[s.TIER]) == ("billing", "senior")


# ---------------------------------------------------------------- what the facts lack
def test_contact_details_of_the_tiny_centre() -> None:
    # A1 (senior, hired 2020-01-01): 2 192 days to 2026 (two leap years) + 273 = 2 465 days on
    # 1 October 2026, QA 90, 70, 60 → 73.33;
    # A2 (junior, hired 2026-03-01): 214 days, QA 85. c5 and c9 are not resolved.
    settings = load_settings()
    clean = typed_frames()
    facts = k.build_facts(clean, OCTOBER, settings, fcr_provisional=False)
    found = fb.contact_details(facts, clean, OCTOBER, settings, None)
    found.index = facts.contacts[s.CONTACT_ID].to_numpy()
    assert found.loc[["c1", "c5", "c2", "c9"], fb.TENURE].tolist() == [2465, 2465, 214, 214]
    assert found.loc[["c1", "c2"], fb.AGENT_QA].tolist() == [pytest.approx(220 / 3), 85.0]
    assert found.loc[["c1", "c5", "c2", "c9", "c3"], fb.UNRESOLVED].tolist() == [0, 1, 0, 1, 0]
    assert math.isnan(found.loc["c3", fb.TENURE])  # abandoned: no agent
    assert found.loc["c1", fb.DAY] == pd.Timestamp("2026-10-05")
    assert found[fb.UNDERSTAFFED].isna().all()  # no staffing view given


# ---------------------------------------------------------------- all of them
def test_every_category_has_several_hypotheses_and_each_is_tested() -> None:
    by_category = {c: [t.key for t in fb.TESTS if t.category == c] for c in fb.FISHBONE}
    assert all(len(keys) >= 2 for keys in by_category.values()), by_category
    frame = contacts((20, IN_BILLING | {k.HANDLED_TRANSFERRED: 1}), (20, {}))
    found = fb.fishbone_hypotheses(2, "complaint_rate", BILLING, review(frame), LIMITS, EN)
    assert [h.key for h in found] == [t.key for t in fb.TESTS]
    assert all(h.problem_rank == 2 for h in found)
    assert [h.key for h in found if h.verified] == ["transfers"]
    assert all(h.test and "{" not in h.test for h in found)  # thresholds filled in


def test_a_verified_claim_without_numbers_is_not_supported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def wordy(case: fb.Case, limits: fb.Limits, words: fb.Wording) -> fb.Result:
        return fb.Result("verified", "the segment looks understaffed", 9.0)

    monkeypatch.setattr(fb, "TESTS", (fb.Test("wordy", "environment", "h", "l", "r", wordy),))
    frame = contacts((5, IN_BILLING))
    found = fb.fishbone_hypotheses(1, "complaint_rate", BILLING, review(frame), LIMITS, EN)
    assert found[0].verdict == "not_supported"


def hypothesis(category: str, key: str, verdict: str, strength: float) -> fb.Hypothesis:
    return fb.Hypothesis(1, category, key, verdict, "1", key=key, strength=strength)  # type: ignore[arg-type]


def test_the_strongest_verified_cause_of_each_category_is_chosen() -> None:
    causes = [
        hypothesis("environment", "agent_load", "verified", 2.0),
        hypothesis("environment", "erlang_gaps", "verified", 3.0),
        hypothesis("environment", "volume_spike", "not_supported", 9.0),
        hypothesis("method", "transfers", "verified", 1.5),
        hypothesis("method", "escalations", "verified", 1.5),  # a tie: the first one stays
        hypothesis("people", "junior_share", "not_supported", 0.5),
    ]
    assert [h.key for h in fb.strongest(causes)] == ["erlang_gaps", "transfers"]
