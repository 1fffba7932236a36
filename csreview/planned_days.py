"""The calendar of known peaks and holidays: days that are planned, never incidents.

Double 11 or the Spring Festival moves a centre's day on purpose; the incident detector must
neither flag such a day nor judge other days against it. The calendar is data
(`config/calendar.toml`, or a centre's own file) and is checked when the settings load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Calendar:
    """Planned days: month-day spans every year, and dated spans of one year (inclusive)."""

    yearly: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()
    dated: tuple[tuple[date, date], ...] = ()

    def planned(self, days: Iterable[str]) -> frozenset[str]:
        """Which of DAYS (YYYY-MM-DD) the calendar plans."""
        out = set()
        for text in days:
            day = date.fromisoformat(text)
            month_day = (day.month, day.day)
            if any(a <= month_day <= b for a, b in self.yearly) or any(
                a <= day <= b for a, b in self.dated
            ):
                out.add(text)
        return frozenset(out)


def _span(text: str, parse: Any, what: str) -> tuple[Any, Any]:
    first, _, last = str(text).partition("/")
    try:
        a, b = parse(first), parse(last or first)
    except ValueError as err:
        raise ValueError(f"calendar: {what} {text!r} is not a day or FIRST/LAST: {err}") from None
    if b < a:
        raise ValueError(f"calendar: {what} {text!r} ends before it starts")
    return a, b


def _month_day(text: str) -> tuple[int, int]:
    day = date.fromisoformat(f"2000-{text}")  # a leap year: 02-29 is a day
    return day.month, day.day


def read_calendar(data: Mapping[str, Any]) -> Calendar:
    """The calendar from its TOML tables: `[yearly]` names → "MM-DD" or "MM-DD/MM-DD",
    `[dated]` names → "YYYY-MM-DD" or "YYYY-MM-DD/YYYY-MM-DD"."""
    unknown = sorted(set(data) - {"yearly", "dated"})
    if unknown:
        raise ValueError(f"calendar: unknown table(s) {', '.join(unknown)}")
    yearly = tuple(
        _span(v, _month_day, f"yearly day {k!r}") for k, v in data.get("yearly", {}).items()
    )
    dated = tuple(
        _span(v, date.fromisoformat, f"dated day {k!r}") for k, v in data.get("dated", {}).items()
    )
    return Calendar(yearly=yearly, dated=dated)
