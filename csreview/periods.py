"""Review periods (`2026-10`, `2026-Q3`): bounds on the centre's local clock, and neighbours.

All period arithmetic lives here so that every step agrees on where a period starts and ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Cadence = Literal["monthly", "quarterly"]
CADENCES: tuple[Cadence, ...] = ("monthly", "quarterly")
REPEAT_WINDOW = timedelta(days=7)

_MONTHLY = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTERLY = re.compile(r"^(\d{4})-Q([1-4])$")


class PeriodError(ValueError):
    """A period label that does not name a period of the cadence."""


@dataclass(frozen=True, order=True)
class Period:
    """One review period: `year` and `index` (month 1–12 or quarter 1–4) of a cadence."""

    cadence: Cadence
    year: int
    index: int

    @property
    def months(self) -> int:
        return 1 if self.cadence == "monthly" else 3

    @property
    def first_month(self) -> int:
        return self.index if self.cadence == "monthly" else 3 * (self.index - 1) + 1

    @property
    def label(self) -> str:
        if self.cadence == "monthly":
            return f"{self.year:04d}-{self.index:02d}"
        return f"{self.year:04d}-Q{self.index}"

    @property
    def calendar_months(self) -> tuple[int, ...]:
        """The months (1–12) the period covers, e.g. (7, 8, 9) for a third quarter."""
        return tuple(range(self.first_month, self.first_month + self.months))

    def months_to_end(self, count: int = 12) -> tuple[Period, ...]:
        """The `count` calendar months ending with this period's last month, oldest first."""
        month = Period("monthly", self.year, self.first_month + self.months - 1)
        out = [month]
        for _ in range(count - 1):
            out.append(out[-1].previous())
        return tuple(reversed(out))

    def start(self, zone: ZoneInfo) -> datetime:
        """First instant of the period, local time."""
        return datetime(self.year, self.first_month, 1, tzinfo=zone)

    def end(self, zone: ZoneInfo) -> datetime:
        """First instant after the period, local time (exclusive bound)."""
        return self.next().start(zone)

    def next(self) -> Period:
        last = 12 if self.cadence == "monthly" else 4
        if self.index == last:
            return Period(self.cadence, self.year + 1, 1)
        return Period(self.cadence, self.year, self.index + 1)

    def previous(self) -> Period:
        last = 12 if self.cadence == "monthly" else 4
        if self.index == 1:
            return Period(self.cadence, self.year - 1, last)
        return Period(self.cadence, self.year, self.index - 1)

    def same_period_last_year(self) -> Period:
        return Period(self.cadence, self.year - 1, self.index)

    def __str__(self) -> str:
        return self.label


def parse_period(cadence: str, text: str) -> Period:
    """Parse `YYYY-MM` (monthly) or `YYYY-Qn` (quarterly); a mismatch raises PeriodError."""
    if cadence == "monthly":
        match = _MONTHLY.match(text)
        if match and 1 <= int(match.group(2)) <= 12 and int(match.group(1)) >= 1900:
            return Period("monthly", int(match.group(1)), int(match.group(2)))
        raise PeriodError(f"monthly period must be written YYYY-MM (e.g. 2026-10), got {text!r}")
    if cadence == "quarterly":
        match = _QUARTERLY.match(text)
        if match and int(match.group(1)) >= 1900:
            return Period("quarterly", int(match.group(1)), int(match.group(2)))
        raise PeriodError(f"quarterly period must be written YYYY-Qn (e.g. 2026-Q3), got {text!r}")
    raise PeriodError(f"cadence must be monthly or quarterly, got {cadence!r}")


FIRST_YEAR = 1970


def check_reviewable(period: Period, now: datetime) -> Period:
    """The period, when it can be reviewed at the local moment `now`: from 1970 up to the
    period holding `now` (still open: its FCR is provisional); a later one has no data yet."""
    if period.year < FIRST_YEAR:
        raise PeriodError(f"{period} is before {FIRST_YEAR}: no review period starts that early")
    current = period_containing(period.cadence, now)
    if period > current:
        raise PeriodError(
            f"{period} has not started yet (the latest {period.cadence} period that can be "
            f"reviewed is {current}, still open)"
        )
    return period


def period_containing(cadence: Cadence, moment: datetime) -> Period:
    """The period of a cadence that holds a local moment."""
    if cadence == "monthly":
        return Period("monthly", moment.year, moment.month)
    return Period("quarterly", moment.year, (moment.month - 1) // 3 + 1)


def latest_complete(cadence: Cadence, now: datetime) -> Period:
    """The last period that has ended before `now`."""
    return period_containing(cadence, now).previous()


PREVIOUS = "previous"  # what a schedule asks for: the last period that has ended


def resolve_period(cadence: str, label: str, now: datetime) -> Period:
    """A period label, or `previous` for the last complete period at `now` (schedules)."""
    if label == PREVIOUS:
        if cadence not in ("monthly", "quarterly"):
            raise PeriodError(f"cadence must be monthly or quarterly, got {cadence!r}")
        return latest_complete("monthly" if cadence == "monthly" else "quarterly", now)
    return check_reviewable(parse_period(cadence, label), now)


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period from `first` to `last`, inclusive, in order."""
    if first.cadence != last.cadence:
        raise PeriodError("both ends of a range must have the same cadence")
    if last < first:
        raise PeriodError(f"range ends ({last}) before it starts ({first})")
    out = [first]
    while out[-1] != last:
        out.append(out[-1].next())
    return out
