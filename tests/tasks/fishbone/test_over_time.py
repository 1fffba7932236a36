"""Centre-wide problems: which tests a problem gets, and each test over time — against the
previous period (and last year) from the store's figures, and week against week."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from csreview.messages import Segment
from tasks.fishbone import over_time as ot
from tasks.fishbone import review_data as rd
from tasks.fishbone.case import Case, Check
from tasks.fishbone.registry import TESTS
from tasks.fishbone.runner import fishbone_hypotheses, suited_tests
from tasks.workforce import PeriodFigures
from tests.tasks.fishbone.tiny import (
    BILLING,
    IN_BILLING,
    LIMITS,
    contacts,
    details,
    review,
    run,
    verdict,
)

OCTOBER = PeriodFigures(
    "2026-10", 31, contacts=1000, scheduled_hours=240, rota_agents=10, headcount=10,
    leavers=2, new_hires=0, headcount_end=10, aht_seconds=380, transfer_rate=0.078,
    repeat_rate=0.087,
)  # fmt: skip
SEPTEMBER = PeriodFigures(
    "2026-09", 30, contacts=1000, scheduled_hours=300, rota_agents=12, headcount=12,
    leavers=0, new_hires=0, headcount_end=12, aht_seconds=386, transfer_rate=0.078,
    repeat_rate=0.09,
)  # fmt: skip
UNRECORDED = PeriodFigures("2026-09", 30)
LIVE_SEGMENT = ((s.CHANNEL, "phone"),)
WHOLE = contacts((20, {f.WITHIN_SL: 0}), (10, {}))  # every contact on phone: no rest


def data(earlier: dict[str, PeriodFigures], now: PeriodFigures = OCTOBER) -> rd.ReviewData:
    return review(WHOLE, figures=now, earlier=earlier)


@pytest.mark.parametrize(
    ("earlier", "expected"),
    [
        ({"previous": SEPTEMBER},
         ("verified", "0.24 scheduled agent-hours per contact with 10 agents on the rota vs 0.30 with 12 in 2026-09")),
        ({"previous": SEPTEMBER, "last_year": dataclasses.replace(SEPTEMBER, label="2025-10")},
         ("verified", "0.24 scheduled agent-hours per contact with 10 agents on the rota vs 0.30 with 12 in "
                      "2026-09; 0.30 with 12 agents in 2025-10")),
        ({"previous": dataclasses.replace(SEPTEMBER, scheduled_hours=260)},
         ("not_supported", "0.24 scheduled agent-hours per contact with 10 agents on the rota vs 0.26 with 12 in 2026-09")),
        ({"previous": UNRECORDED},
         ("not_testable", "2026-09 is not on record: review or backfill the previous period")),
        ({}, ("not_testable", "2026-08 is not on record: review or backfill the previous period")),
        ({"previous": dataclasses.replace(SEPTEMBER, scheduled_hours=math.nan)},
         ("not_testable", "2026-09 has no rota figures on record: review or backfill the previous period")),
    ],
)  # fmt: skip
def test_staffing_over_time(earlier: dict[str, PeriodFigures], expected: tuple[str, str]) -> None:
    assert (
        verdict(run(ot.staffing_over_time, data(earlier), "service_level", LIVE_SEGMENT))
        == expected
    )


def test_turnover_over_time() -> None:
    got = verdict(
        run(ot.turnover_over_time, data({"previous": SEPTEMBER}), "service_level", LIVE_SEGMENT)
    )
    assert got == (
        "verified",
        "2 agents left (20% of an average 10.0) and 0 were hired in the last 90 days vs 0 (0%) "
        "and 0 in 2026-09",
    )
    calm = dataclasses.replace(OCTOBER, leavers=0)
    assert (
        run(ot.turnover_over_time, data({"previous": SEPTEMBER}, calm)).verdict == "not_supported"
    )
    hired = dataclasses.replace(OCTOBER, leavers=0, new_hires=2)  # 20 % new against none
    assert run(ot.turnover_over_time, data({"previous": SEPTEMBER}, hired)).verdict == "verified"


@pytest.mark.parametrize(
    ("check", "now", "expected"),
    [
        (ot.handling_over_time, {"aht_seconds": 520.0},
         ("verified", "average handle time 520 s vs 386 s in 2026-09")),
        (ot.handling_over_time, {}, ("not_supported", "average handle time 380 s vs 386 s in 2026-09")),
        (ot.transfers_over_time, {"transfer_rate": 0.15},
         ("verified", "transfer rate 15.0% vs 7.8% in 2026-09")),
        (ot.repeats_over_time, {"repeat_rate": 0.12},  # 1.33× and 3 points: neither enough
         ("not_supported", "repeat-contact rate 12.0% vs 9.0% in 2026-09")),
    ],
)  # fmt: skip
def test_figures_over_time(check: Check, now: dict[str, float], expected: tuple[str, str]) -> None:
    figures = dataclasses.replace(OCTOBER, **now)
    assert verdict(run(check, data({"previous": SEPTEMBER}, figures))) == expected


def weekly(frame: pd.DataFrame, weeks: list[int], hours: list[float]) -> rd.ReviewData:
    firsts = pd.date_range("2026-10-01", periods=len(hours), freq="7D")
    table = pd.DataFrame({rd.WEEK: range(len(hours)), rd.DAY: firsts, rd.HOURS: hours})
    more = details(frame).assign(**{rd.WEEK: pd.array(weeks, dtype="Int64")})
    return review(frame, details=more, weeks=table.set_index(rd.WEEK))


def test_weekly_staffing() -> None:
    # four weeks of 10 contacts each; weeks 2 and 3 miss the service level, with fewer hours
    frame = contacts((20, {}), (20, {f.WITHIN_SL: 0}))
    weeks = [0] * 10 + [1] * 10 + [2] * 10 + [3] * 10
    got = verdict(run(ot.weekly_staffing, weekly(frame, weeks, [4, 4, 3, 3]), "service_level", ()))
    assert got == (
        "verified",
        "0.30 scheduled agent-hours per contact in the 2 weeks with the most defects (from "
        "10-15, 10-22: 100% defects) vs 0.40 in the 2 with the fewest (from 10-01, 10-08: 0%)",
    )
    even = run(ot.weekly_staffing, weekly(frame, weeks, [4, 4, 4, 4]), "service_level", ())
    assert even.verdict == "not_supported"
    one_week = run(ot.weekly_staffing, weekly(frame, [0] * 40, [4]), "service_level", ())
    assert verdict(one_week) == ("not_testable", "the period has fewer than two weeks to compare")
    no_rota = run(ot.weekly_staffing, weekly(frame, weeks, [math.nan] * 4), "service_level", ())
    assert verdict(no_rota) == ("not_testable", "the data holds no shifts")


def test_week_of_joins_the_last_short_week() -> None:
    days = pd.Series(pd.date_range("2026-10-01", "2026-10-31", freq="D"))
    weeks = rd.week_of(days, pd.Timestamp("2026-10-01"), 31)
    assert weeks.tolist() == [0] * 7 + [1] * 7 + [2] * 7 + [3] * 10


@pytest.mark.parametrize(
    ("groups", "segment", "tests"),
    [
        # the segment is every contact: centre-wide, within-segment and over-time tests only
        ([(30, {f.WITHIN_SL: 0})], LIVE_SEGMENT, "centre"),
        # the rest fails as badly: the usual tests and those over time
        ([(10, IN_BILLING | {f.WITHIN_SL: 0}), (10, {f.WITHIN_SL: 0}), (2, {})], BILLING, "spread"),
        # a segment that fails alone: the usual tests
        ([(10, IN_BILLING | {f.WITHIN_SL: 0}), (20, {})], BILLING, "usual"),
    ],
)  # fmt: skip
def test_tests_for(
    groups: list[tuple[int, dict[str, object]]], segment: Segment, tests: str
) -> None:
    case = Case(1, "service_level", segment, review(contacts(*groups)))
    keys = [t.key for t in suited_tests(case, LIMITS, TESTS)]
    over = [t.key for t in ot.OVER_TIME]
    usual = [t.key for t in TESTS]
    within = [k for k in usual if k in LIMITS["centre_wide_within"]]
    assert keys == {"centre": within + over, "spread": usual + over, "usual": usual}[tests]


def test_a_verified_centre_wide_cause_quotes_both_periods() -> None:
    hypotheses = fishbone_hypotheses(
        1, "service_level", LIVE_SEGMENT, data({"previous": SEPTEMBER}), LIMITS
    )
    verified = {h.key for h in hypotheses if h.verified}
    assert verified == {"staffing_over_time", "turnover_over_time"}
    assert {h.key for h in hypotheses} >= {t.key for t in ot.OVER_TIME}
    assert "agent_load" not in {h.key for h in hypotheses}  # no rest to compare with
