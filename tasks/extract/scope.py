"""The rows a period needs: the exact cut on the centre's clock, and the wider bounds a source
is asked for, so that no needed row is left behind whatever the zone of a stored timestamp.

A source is asked for whole days, widened by two days each side (more than the 26 h that the
offsets of two zones, −12 h to +14 h, can differ by, and than a database session's zone can
shift a bare date); the exact cut is then made in pandas on the centre's local clock, as
it always was, by `select_period`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from csreview import schema as s
from csreview.frames import among
from csreview.periods import REPEAT_WINDOW, Period

WIDENING = timedelta(days=2)
# What "looks like a timestamp" to a source: a date written YYYY-MM-DD, alone or followed by
# T or a space and hh:mm. Any other non-missing value is read whatever its bounds, so that
# validation sees it (data contract: a timestamp that cannot be parsed is quarantined).
TIMESTAMP_SHAPE = r"^[0-9]{4}-[01][0-9]-[0-3][0-9]([T ][0-2][0-9]:[0-5][0-9].*)?$"
TIMESTAMP_GLOBS = (
    "[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]",
    "[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-5][0-9]*",
)


@dataclass(frozen=True)
class ReadScope:
    """A period's read: its exact local bounds and the widened whole-day bounds asked of a
    source (`from_day` inclusive, the others exclusive)."""

    period: Period
    zone: ZoneInfo

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.period.start(self.zone))

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.period.end(self.zone))

    @property
    def from_day(self) -> date:
        """Rows from this day on may belong to the period (or overlap it, for shifts)."""
        return self.start.date() - WIDENING

    @property
    def open_before_day(self) -> date:
        """Contacts created before this day may still be open at the period's start."""
        return self.start.date() + WIDENING

    @property
    def window_until_day(self) -> date:
        """Contacts created before this day may fall in the period or its repeat window."""
        return (self.end + REPEAT_WINDOW).date() + WIDENING

    @property
    def shifts_until_day(self) -> date:
        """Shifts starting before this day may overlap the period."""
        return self.end.date() + WIDENING

    def describe(self) -> dict[str, Any]:
        """The scope as the manifest records it: the exact cut, then what each table is
        asked for (the widened bounds; the source's own query is added by the reader)."""
        window = (self.end + REPEAT_WINDOW).isoformat()
        return {
            "zone": self.zone.key,
            "cut": {
                "from": self.start.isoformat(),
                "until": self.end.isoformat(),
                "repeat_window_until": window,
            },
            "widened_by_days": WIDENING.days,
            "tables": {
                s.CONTACTS.name: {
                    "rows": "created_at in [from_day, window_until_day); or created before "
                    "open_before_day, not abandoned, and closed_at missing, not a timestamp or "
                    "from from_day; or created_at missing or not a timestamp",
                    "from_day": self.from_day.isoformat(),
                    "open_before_day": self.open_before_day.isoformat(),
                    "window_until_day": self.window_until_day.isoformat(),
                },
                **{
                    t.name: {
                        "rows": "contact_id of a contact read; or contact_id missing or of no "
                        "contact in the source"
                    }
                    for t in (s.QA_EVALUATIONS, s.SURVEYS)
                },
                s.AGENTS.name: {"rows": "every row"},
                s.SHIFTS.name: {
                    "rows": "starts_at before shifts_until_day and ends_at from from_day; or "
                    "either missing or not a timestamp",
                    "from_day": self.from_day.isoformat(),
                    "shifts_until_day": self.shifts_until_day.isoformat(),
                },
            },
        }


def contacts_needed(contacts: pd.DataFrame, scope: ReadScope) -> np.ndarray:
    """Which typed contacts the period needs: created in the period or its repeat window,
    still open (and not abandoned) at its start, or of unknown creation time."""
    created = contacts[s.CREATED_AT]
    start, end = scope.start, scope.end
    in_window = (created >= start) & (created < end + REPEAT_WINDOW)
    open_at_start = (
        (created < start)
        & (contacts[s.CLOSED_AT].isna() | (contacts[s.CLOSED_AT] >= start))
        & ~contacts[s.ABANDONED].fillna(False).astype(bool)
    )
    needed: np.ndarray = (in_window | open_at_start | created.isna()).to_numpy(dtype=bool)
    return needed


def shifts_needed(shifts: pd.DataFrame, scope: ReadScope) -> np.ndarray:
    """Which typed shifts overlap the period (or cannot be placed)."""
    begin, finish = shifts[s.STARTS_AT], shifts[s.ENDS_AT]
    overlaps = ((begin < scope.end) & (finish > scope.start)) | begin.isna() | finish.isna()
    needed: np.ndarray = overlaps.to_numpy(dtype=bool)
    return needed


def dependents_needed(
    ids: pd.Series, chosen: pd.Series, known: pd.Series | None = None
) -> np.ndarray:
    """Which rows of a table that refers to contacts (surveys, evaluations) the period needs:
    those of a chosen contact, of no known contact, or with no contact id. `known` is every
    contact id of the source (the chosen ones when not given)."""
    known_ids = chosen if known is None else known
    of_chosen = among(ids, chosen).to_numpy(dtype=bool)  # the fewer side hashed, no copies
    of_known = of_chosen | among(ids, known_ids).to_numpy(dtype=bool)
    needed: np.ndarray = of_chosen | ~of_known  # a missing id is of no contact: needed
    return needed


def select_period(
    typed: dict[str, pd.DataFrame],
    period: Period,
    zone: ZoneInfo,
    known_contacts: pd.Series | None = None,
) -> dict[str, np.ndarray]:
    """Positions of the rows each table contributes to the period's extract; rows whose
    period cannot be told (unreadable timestamp or key) are kept so validation sees them.
    `known_contacts` are the typed ids of every contact of the source, when the contacts
    given are fewer (a source asked for the period's rows only)."""
    scope = ReadScope(period, zone)
    picks = {name: np.arange(len(frame)) for name, frame in typed.items()}
    contacts = typed.get(s.CONTACTS.name)
    if contacts is None:
        return picks
    keep = contacts_needed(contacts, scope)
    picks[s.CONTACTS.name] = np.flatnonzero(keep)
    ids = contacts[s.CONTACT_ID]
    chosen = ids[keep]
    known = ids if known_contacts is None else pd.concat([ids, known_contacts])
    for table in (s.QA_EVALUATIONS, s.SURVEYS):
        if table.name in typed:
            needed = dependents_needed(typed[table.name][s.CONTACT_ID], chosen, known)
            picks[table.name] = np.flatnonzero(needed)
    if s.SHIFTS.name in typed:
        picks[s.SHIFTS.name] = np.flatnonzero(shifts_needed(typed[s.SHIFTS.name], scope))
    return picks
