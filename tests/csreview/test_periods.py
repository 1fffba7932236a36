from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from csreview.periods import (
    Period,
    PeriodError,
    check_reviewable,
    latest_complete,
    parse_period,
    periods_between,
    resolve_period,
)
from tests.conftest import ZONE


@pytest.mark.parametrize(
    ("cadence", "text", "start", "end"),
    [
        (
            "monthly",
            "2026-10",
            datetime(2026, 10, 1, tzinfo=ZONE),
            datetime(2026, 11, 1, tzinfo=ZONE),
        ),
        (
            "monthly",
            "2026-12",
            datetime(2026, 12, 1, tzinfo=ZONE),
            datetime(2027, 1, 1, tzinfo=ZONE),
        ),
        (
            "quarterly",
            "2026-Q3",
            datetime(2026, 7, 1, tzinfo=ZONE),
            datetime(2026, 10, 1, tzinfo=ZONE),
        ),
        (
            "quarterly",
            "2026-Q4",
            datetime(2026, 10, 1, tzinfo=ZONE),
            datetime(2027, 1, 1, tzinfo=ZONE),
        ),
    ],
)
def test_bounds_in_local_time(cadence: str, text: str, start: datetime, end: datetime) -> None:
    period = parse_period(cadence, text)
    assert period.start(ZONE) == start and period.end(ZONE) == end
    assert period.label == text


@pytest.mark.parametrize(
    ("cadence", "text"),
    [
        ("monthly", "2026-13"),
        ("monthly", "2026-1"),
        ("monthly", "2026-Q1"),
        ("quarterly", "2026-Q5"),
        ("quarterly", "2026-10"),
        ("weekly", "2026-10"),
    ],
)
def test_impossible_periods(cadence: str, text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(cadence, text)


def test_neighbours() -> None:
    assert Period("monthly", 2026, 1).previous() == Period("monthly", 2025, 12)
    assert Period("quarterly", 2026, 1).previous() == Period("quarterly", 2025, 4)
    assert Period("monthly", 2026, 10).same_period_last_year() == Period("monthly", 2025, 10)
    assert latest_complete("monthly", datetime(2026, 11, 23, tzinfo=ZONE)).label == "2026-10"
    assert latest_complete("quarterly", datetime(2026, 11, 23, tzinfo=ZONE)).label == "2026-Q3"


def test_range_in_order() -> None:
    labels = [
        p.label
        for p in periods_between(
            parse_period("monthly", "2025-11"), parse_period("monthly", "2026-02")
        )
    ]
    assert labels == ["2025-11", "2025-12", "2026-01", "2026-02"]
    with pytest.raises(PeriodError):
        periods_between(parse_period("monthly", "2026-02"), parse_period("monthly", "2026-01"))


def test_twelve_months_to_the_end_of_a_quarter() -> None:
    months = Period("quarterly", 2026, 3).months_to_end(12)
    assert [m.label for m in (months[0], months[-1])] == ["2025-10", "2026-09"]
    assert len(months) == 12


def test_previous_is_the_last_complete_period() -> None:
    from csreview.periods import resolve_period

    now = datetime(2026, 11, 8, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert resolve_period("monthly", "previous", now).label == "2026-10"
    assert resolve_period("quarterly", "previous", now).label == "2026-Q3"
    assert resolve_period("monthly", "2026-09", now).label == "2026-09"


@pytest.mark.parametrize(
    ("cadence", "label", "reviewable"),
    [
        ("monthly", "2026-12", True),  # the current month: its FCR is provisional
        ("monthly", "2026-11", True),
        ("monthly", "1970-01", True),
        ("monthly", "2027-01", False),
        ("monthly", "9999-12", False),
        ("monthly", "1969-12", False),
        ("quarterly", "2026-Q4", True),
        ("quarterly", "2027-Q1", False),
        ("quarterly", "1969-Q4", False),
    ],
)
def test_periods_from_1970_to_the_current_one_can_be_reviewed(
    cadence: str, label: str, reviewable: bool
) -> None:
    now = datetime(2026, 12, 6, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    period = parse_period(cadence, label)
    if reviewable:
        assert check_reviewable(period, now) == period
        assert resolve_period(cadence, label, now) == period
    else:
        with pytest.raises(PeriodError, match=r"not started yet|before 1970"):
            check_reviewable(period, now)
        with pytest.raises(PeriodError):
            resolve_period(cadence, label, now)
