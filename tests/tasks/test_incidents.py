"""Incidents: days on which a KPI collapsed against the period's days of their kind, judged
robustly, planned days left out, adjacent days one incident, with their hours."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from csreview import facts as f
from tasks import incidents as inc
from tasks.fishbone.defects import KINDS_BY_KPI
from tasks.playbook import load_playbook

COMPLAINTS = KINDS_BY_KPI["complaint_rate"]
OCTOBER_DAYS = [f"2026-10-{d:02d}" for d in range(1, 32)]
LIMITS = load_playbook(None)["incidents"]


def month(
    complaints: Mapping[str, int], handled: int = 60, usual: int = 2, hour: int = 10
) -> pd.DataFrame:
    """One row per day of October 2026 (contacts summed: the measures add up), HANDLED
    contacts a day, USUAL complaints on a day not in COMPLAINTS, all at HOUR."""
    return pd.DataFrame(
        {
            f.DATE: pd.Categorical(OCTOBER_DAYS),
            f.HOUR: hour,
            f.ANSWERED: handled,
            f.HANDLED_COMPLAINT: [complaints.get(d, usual) for d in OCTOBER_DAYS],
        }
    )


def test_adjacent_bad_days_are_one_incident_and_a_lone_day_another() -> None:
    bad = {"2026-10-09": 20, "2026-10-10": 18, "2026-10-11": 22, "2026-10-21": 20}
    found = inc.detect_incidents(month(bad), COMPLAINTS, "", frozenset(), LIMITS)
    assert [i.dates for i in found] == ["2026-10-09/2026-10-11", "2026-10-21"]
    first = found[0]
    assert (first.defects, first.base) == (60, 180)
    assert first.expected == pytest.approx(2 / 60)  # the usual day: 2 of 60
    assert first.excess == pytest.approx(60 - 6)
    assert first.z >= LIMITS["z"]


def test_a_planned_day_is_never_an_incident() -> None:
    bad = {"2026-10-01": 25, "2026-10-11": 25}
    planned = frozenset(OCTOBER_DAYS[:7])  # the National Day week
    found = inc.detect_incidents(month(bad), COMPLAINTS, "", planned, LIMITS)
    assert [i.dates for i in found] == ["2026-10-11"]


def test_a_healthy_month_of_binomial_noise_has_no_incident() -> None:
    rng = np.random.default_rng(3)
    noisy = {d: int(rng.binomial(60, 0.03)) for d in OCTOBER_DAYS}
    assert inc.detect_incidents(month(noisy), COMPLAINTS, "", frozenset(), LIMITS) == []


def test_days_are_judged_against_days_of_their_weekday() -> None:
    """Weekends run at 17 % complaints, weekdays at 3 %: a weekend day is usual for a
    weekend, and a Tuesday at the weekend's rate is an incident."""
    weekend = {d: 10 for d in OCTOBER_DAYS if inc.weekday_of(d) >= 5}
    assert inc.detect_incidents(month(weekend), COMPLAINTS, "", frozenset(), LIMITS) == []
    tuesday = {**weekend, "2026-10-13": 10}
    found = inc.detect_incidents(month(tuesday), COMPLAINTS, "", frozenset(), LIMITS)
    assert [i.dates for i in found] == ["2026-10-13"]


@pytest.mark.parametrize(
    ("min_weekday_days", "expected"),
    [
        # enough days of its weekday: each Thursday against the other two (the 1st, 8th
        # and 15th), the Friday against the other days, having no other Friday
        (2, [0.25, 0.2, 0.15, 0.2]),
        # too few of any weekday: every day against all the others
        (3, [0.3, 0.3, 0.2, 0.2]),
    ],
)
def test_a_day_is_expected_at_the_median_of_the_other_days_of_its_kind(
    min_weekday_days: int, expected: list[float]
) -> None:
    days = ["2026-10-01", "2026-10-08", "2026-10-15", "2026-10-16"]  # Thu, Thu, Thu, Fri
    rates = np.array([0.1, 0.2, 0.3, 0.4])
    limits = {"min_weekday_days": min_weekday_days}
    assert inc.expected_rates(rates, days, limits).tolist() == pytest.approx(expected)


def test_days_below_the_minimum_volume_are_not_judged() -> None:
    bad = {"2026-10-09": 10}
    few = month(bad, handled=int(LIMITS["min_day_base"]) - 1, usual=0)
    assert inc.detect_incidents(few, COMPLAINTS, "", frozenset(), LIMITS) == []
    days = inc.judge_days(inc.daily_defects(few, COMPLAINTS), frozenset(), LIMITS)
    assert not days["judged"].any()


def test_an_incident_names_the_hours_that_held_its_excess() -> None:
    usual = month({}, handled=300, usual=9, hour=10)
    outage = pd.DataFrame(
        {
            f.DATE: pd.Categorical(["2026-10-21"] * 3),
            f.HOUR: [14, 15, 16],
            f.ANSWERED: [100, 100, 100],
            f.HANDLED_COMPLAINT: [40, 45, 2],
        }
    )
    frame = pd.concat([usual, outage], ignore_index=True)
    frame[f.DATE] = pd.Categorical(frame[f.DATE].astype(str))
    (found,) = inc.detect_incidents(frame, COMPLAINTS, "", frozenset(), LIMITS)
    assert found.dates == "2026-10-21"
    assert found.hours == (14, 16)  # 14:00–16:00 hold 85 of the ~88 excess complaints


def test_a_small_incident_has_no_hours() -> None:
    bad = {"2026-10-21": 20}
    (found,) = inc.detect_incidents(month(bad), COMPLAINTS, "", frozenset(), LIMITS)
    assert found.hours is None  # 60 contacts cannot tell hours apart


@pytest.mark.parametrize(
    ("days", "runs"),
    [
        ([], []),
        (["2026-10-09"], [["2026-10-09"]]),
        (
            ["2026-10-31", "2026-11-01", "2026-11-03"],
            [["2026-10-31", "2026-11-01"], ["2026-11-03"]],
        ),
    ],
)
def test_adjacent_runs_follow_the_calendar(days: list[str], runs: list[list[str]]) -> None:
    assert inc.adjacent_runs(days) == runs


def test_an_incident_takes_in_the_adjacent_days_that_are_nearly_as_bad() -> None:
    """9 October is clear (z ≥ 4); 10 October alone would not be (6 of 60 against 2: z 2.8),
    beside it it is part of the same outage; 12 October, as bad but not adjacent, is not."""
    bad = {"2026-10-09": 20, "2026-10-10": 6, "2026-10-12": 6}
    found = inc.detect_incidents(month(bad), COMPLAINTS, "", frozenset(), LIMITS)
    assert [i.dates for i in found] == ["2026-10-09/2026-10-10"]
    alone = inc.detect_incidents(month({"2026-10-10": 6}), COMPLAINTS, "", frozenset(), LIMITS)
    assert alone == []
