"""Staffing: Erlang C agents required per interval for the live channels, against the rota.

A manager needs to see, interval by interval, whether the agents on shift can answer the
contacts that arrived within the service-level target, and where the rota falls short.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from csreview import schema as s
from csreview.periods import Period
from csreview.settings import Settings
from tasks.erlang import average_speed_of_answer as average_speed_of_answer
from tasks.erlang import erlang_c as erlang_c
from tasks.erlang import required_agents
from tasks.erlang import service_level as service_level

# ---------------------------------------------------------------- names
INTERVAL_START: Final = "interval_start"
CONTACTS: Final = "contacts"
AHT_SECONDS: Final = "aht_seconds"
REQUIRED_AGENTS: Final = "required_agents"
SCHEDULED_AGENTS: Final = "scheduled_agents"
GAP: Final = "gap"
UNDERSTAFFED: Final = "understaffed"
BY_CHANNEL_COLUMNS: Final = (
    INTERVAL_START,
    s.CHANNEL,
    CONTACTS,
    AHT_SECONDS,
    REQUIRED_AGENTS,
    SCHEDULED_AGENTS,
)
SUMMARY_COLUMNS: Final = (
    INTERVAL_START,
    CONTACTS,
    REQUIRED_AGENTS,
    SCHEDULED_AGENTS,
    GAP,
    UNDERSTAFFED,
)

PHONE: Final = "phone"
CHAT: Final = "chat"
LIVE_CHANNELS: Final = (PHONE, CHAT)  # e-mail, app and social are queued work, not Erlang C
_CEIL_TOLERANCE: Final = 1e-9  # so that 6 / 0.6 agents is 10, not 11


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


# ---------------------------------------------------------------- frames
def _intervals(start: pd.Timestamp, end: pd.Timestamp, interval_minutes: int) -> pd.DatetimeIndex:
    _check(
        start.tzinfo is not None and end.tzinfo is not None,
        "start and end must be time-zone aware",
    )
    _check(interval_minutes > 0, f"interval_minutes must be > 0, got {interval_minutes!r}")
    _check(start < end, f"start {start} must be before end {end}")
    step = pd.Timedelta(minutes=interval_minutes)
    _check(
        (end - start) % step == pd.Timedelta(0),
        f"end − start must be a whole number of {interval_minutes}-minute intervals",
    )
    return pd.date_range(start, end, freq=step, inclusive="left", name=INTERVAL_START)


def _handle_seconds(contacts: pd.DataFrame) -> pd.Series:
    """talk + hold + wrap, missing parts counted as 0 (as the aht_seconds KPI does)."""
    return contacts[[s.TALK_SECONDS, s.HOLD_SECONDS, s.WRAP_SECONDS]].fillna(0).sum(axis=1)


def _scheduled_agents(
    shifts: pd.DataFrame, starts: pd.DatetimeIndex, seconds: float
) -> npt.NDArray[np.float64]:
    """Agent-equivalents on shift in each interval: overlap seconds of all shifts ÷ seconds.

    Uses the cumulative on-shift seconds F(t) = Σ max(t − s, 0) − max(t − e, 0), so the
    cost is O((shifts + intervals) · log shifts) rather than shifts × intervals.
    """
    origin = starts[0]
    bounds = np.arange(len(starts) + 1, dtype="float64") * seconds
    valid = shifts[s.STARTS_AT].notna() & shifts[s.ENDS_AT].notna()

    def after_origin(column: str) -> npt.NDArray[np.float64]:
        seconds_after = (shifts.loc[valid, column] - origin).dt.total_seconds()
        return np.asarray(seconds_after, dtype=np.float64)

    begin = after_origin(s.STARTS_AT)
    finish = np.maximum(after_origin(s.ENDS_AT), begin)  # ending before starting: covers nothing

    def ramp(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Σ max(t − p, 0) over `points` p, at every interval bound t."""
        ordered = np.sort(points)
        cumulative = np.concatenate([[0.0], np.cumsum(ordered)])
        n = np.searchsorted(ordered, bounds, side="right")
        return np.asarray(n * bounds - cumulative[n], dtype=np.float64)

    on_shift = np.subtract(ramp(begin), ramp(finish))
    return np.asarray(np.diff(on_shift) / seconds, dtype=np.float64)


@dataclass(frozen=True)
class StaffingPart:
    """What the contacts of a part of a period give the staffing view, mergeable: arrivals
    per interval of [start, end) and live channel, answered contacts and their handle
    seconds per live channel, and the open e-mails' ages (hours) as exact value counts."""

    start: pd.Timestamp
    end: pd.Timestamp
    interval_minutes: int
    arrivals: npt.NDArray[np.int64]  # (intervals, live channels)
    answered: tuple[int, ...]  # per live channel
    handle_seconds: tuple[float, ...]  # per live channel: the sum over its answered
    email_ages: npt.NDArray[np.float64]  # distinct ages, ascending
    email_counts: npt.NDArray[np.int64]  # open e-mails of each age


def _live(contacts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The live channels' contacts created in [start, end)."""
    created = contacts[s.CREATED_AT]
    keep = (
        contacts[s.CHANNEL].isin(LIVE_CHANNELS).fillna(False).astype(bool)
        & (created >= start)
        & (created < end)
    )
    return contacts[keep.to_numpy()]


def _open_email_ages(contacts: pd.DataFrame, end: pd.Timestamp) -> pd.Series:
    """The ages in hours at END of the e-mails still open then."""
    email = contacts[
        (contacts[s.CHANNEL] == "email")
        & ~contacts[s.ABANDONED].fillna(False).astype(bool)
        & (contacts[s.CREATED_AT] < end)
        & (contacts[s.CLOSED_AT].isna() | (contacts[s.CLOSED_AT] >= end))
    ]
    ages: pd.Series = (end - email[s.CREATED_AT]).dt.total_seconds() / 3600
    return ages


def staffing_part(
    contacts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, interval_minutes: int = 30
) -> StaffingPart:
    """The staffing part of some validated contacts (all of a part's: the e-mail queue
    needs those created before the period too)."""
    ages = _open_email_ages(contacts, end).to_numpy("float64")
    distinct, counts = np.unique(ages, return_counts=True)
    return dataclasses.replace(
        _live_part(contacts, start, end, interval_minutes),
        email_ages=distinct,
        email_counts=counts.astype(np.int64),
    )


def _live_part(
    contacts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, interval_minutes: int
) -> StaffingPart:
    """The live channels' part of some contacts (no e-mail counted)."""
    intervals = _intervals(start, end, interval_minutes)
    step = pd.Timedelta(minutes=interval_minutes)
    live = _live(contacts, start, end)
    position = ((live[s.CREATED_AT] - intervals[0]) // step).to_numpy("int64")
    channel = pd.Categorical(live[s.CHANNEL].astype(str), categories=LIVE_CHANNELS).codes
    cells = position * len(LIVE_CHANNELS) + channel.astype(np.int64)
    arrivals = np.bincount(cells, minlength=len(intervals) * len(LIVE_CHANNELS)).astype(np.int64)
    answered = live[live[s.ANSWERED_AT].notna()]
    handled = _handle_seconds(answered).groupby(answered[s.CHANNEL].astype(str))
    sums, counts = handled.sum(), handled.count()
    return StaffingPart(
        start,
        end,
        interval_minutes,
        arrivals.reshape(len(intervals), len(LIVE_CHANNELS)),
        tuple(int(counts.get(ch, 0)) for ch in LIVE_CHANNELS),
        tuple(float(sums.get(ch, 0.0)) for ch in LIVE_CHANNELS),
        np.array([], dtype="float64"),
        np.array([], dtype=np.int64),
    )


def merge_staffing(a: StaffingPart, b: StaffingPart) -> StaffingPart:
    """The staffing part of two disjoint parts of one period's contacts: counts and sums
    added, the e-mail ages counted together."""
    grid = (a.start, a.end, a.interval_minutes)
    _check(grid == (b.start, b.end, b.interval_minutes), "staffing parts of other intervals")
    ages, at = np.unique(np.concatenate([a.email_ages, b.email_ages]), return_inverse=True)
    counts = np.bincount(at, np.concatenate([a.email_counts, b.email_counts]), len(ages))
    return StaffingPart(
        a.start,
        a.end,
        a.interval_minutes,
        a.arrivals + b.arrivals,
        tuple(x + y for x, y in zip(a.answered, b.answered, strict=True)),
        tuple(x + y for x, y in zip(a.handle_seconds, b.handle_seconds, strict=True)),
        ages,
        counts.astype(np.int64),
    )


def _channel_aht(part: StaffingPart) -> dict[str, float]:
    """Mean handle time of each live channel's answered contacts; NaN if none (or not > 0)."""
    aht = {
        ch: total / n if n else math.nan
        for ch, n, total in zip(LIVE_CHANNELS, part.answered, part.handle_seconds, strict=True)
    }
    return {channel: value if value > 0 else np.nan for channel, value in aht.items()}


def interval_staffing(
    contacts: pd.DataFrame,
    shifts: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    interval_minutes: int = 30,
    target_seconds: Mapping[str, float],
    service_level_target: float,
    chat_concurrency: float = 1.0,
) -> pd.DataFrame:
    """Per interval of [start, end) and live channel: arrivals, AHT, required and scheduled agents.

    The staffing check of the live channels (phone, chat), on the centre's local clock;
    every interval appears, with 0 contacts and 0 required agents when nothing arrived.

    - aht_seconds: the channel's mean talk + hold + wrap over its answered contacts created
      in [start, end) (one value per channel, missing parts counted as 0); NaN without
      answered contacts or when that mean is 0.
    - required_agents (float64): Erlang C with target_seconds[channel] and
      service_level_target; for chat divided by chat_concurrency and rounded up. NaN when
      the interval has contacts but the channel has no AHT.
    - scheduled_agents: overlap seconds of every shift with the interval ÷ interval seconds,
      channel-agnostic (the same value on both channel rows).
    """
    return staffing_by_channel(
        _live_part(contacts, start, end, interval_minutes),
        shifts,
        target_seconds=target_seconds,
        service_level_target=service_level_target,
        chat_concurrency=chat_concurrency,
    )


def staffing_by_channel(
    part: StaffingPart,
    shifts: pd.DataFrame,
    *,
    target_seconds: Mapping[str, float],
    service_level_target: float,
    chat_concurrency: float = 1.0,
) -> pd.DataFrame:
    """`interval_staffing` read from a (merged) staffing part and the shifts."""
    intervals = _intervals(part.start, part.end, part.interval_minutes)
    _check(chat_concurrency > 0, f"chat_concurrency must be > 0, got {chat_concurrency!r}")
    missing = [c for c in LIVE_CHANNELS if c not in target_seconds]
    _check(not missing, f"target_seconds lacks channel(s) {missing}")
    seconds = pd.Timedelta(minutes=part.interval_minutes).total_seconds()
    aht = _channel_aht(part)
    arrivals = [int(n) for n in part.arrivals.reshape(-1)]
    channels = list(LIVE_CHANNELS) * len(intervals)

    cache: dict[tuple[str, int], float] = {}

    def required(ch: str, calls: int) -> float:
        if calls == 0:
            return 0.0
        if math.isnan(aht[ch]):
            return math.nan
        if (ch, calls) not in cache:
            agents = required_agents(
                calls, seconds, aht[ch], target_seconds[ch], service_level_target
            )
            share = agents / chat_concurrency if ch == CHAT else float(agents)
            cache[ch, calls] = float(math.ceil(share - _CEIL_TOLERANCE))
        return cache[ch, calls]

    scheduled = _scheduled_agents(shifts, intervals, seconds)
    return pd.DataFrame(
        {
            INTERVAL_START: intervals.repeat(len(LIVE_CHANNELS)),
            s.CHANNEL: pd.Series(channels, dtype="string"),
            CONTACTS: pd.Series(arrivals, dtype="int64"),
            AHT_SECONDS: pd.Series([aht[ch] for ch in channels], dtype="float64"),
            REQUIRED_AGENTS: pd.Series(
                [required(ch, n) for ch, n in zip(channels, arrivals, strict=True)],
                dtype="float64",
            ),
            SCHEDULED_AGENTS: np.repeat(scheduled, len(LIVE_CHANNELS)),
        }
    ).loc[:, list(BY_CHANNEL_COLUMNS)]


def staffing_summary(by_channel: pd.DataFrame) -> pd.DataFrame:
    """One row per interval: both channels' contacts and required agents against the rota.

    The gap (scheduled − required) is what a manager acts on; understaffed = gap < 0.
    A NaN required agents on either channel makes the interval's required and gap NaN, and
    understaffed False (unknown, not short).
    """
    groups = by_channel.groupby(INTERVAL_START, sort=True)
    required = groups[REQUIRED_AGENTS].sum()
    unknown = by_channel[REQUIRED_AGENTS].isna().groupby(by_channel[INTERVAL_START]).any()
    required = required.where(~unknown.reindex(required.index, fill_value=False))
    scheduled = groups[SCHEDULED_AGENTS].first()
    gap = scheduled - required
    return (
        pd.DataFrame(
            {
                CONTACTS: groups[CONTACTS].sum().astype("int64"),
                REQUIRED_AGENTS: required.astype("float64"),
                SCHEDULED_AGENTS: scheduled.astype("float64"),
                GAP: gap.astype("float64"),
                UNDERSTAFFED: (gap < 0).astype(bool),
            }
        )
        .rename_axis(INTERVAL_START)
        .reset_index()
        .loc[:, list(SUMMARY_COLUMNS)]
    )


def understaffed_intervals(summary: pd.DataFrame) -> pd.DataFrame:
    """The understaffed intervals of a staffing summary, worst gap first (then by time).

    These are the intervals a manager has to fix in the rota, most urgent first.
    """
    short = summary[summary[UNDERSTAFFED].astype(bool)]
    return short.sort_values([GAP, INTERVAL_START], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- the review's staffing view
HALF_HOUR: Final = "time_of_day"
UNDERSTAFFED_DAYS: Final = "understaffed_days"
DAYS: Final = "days"


@dataclass(frozen=True)
class StaffingPlan:
    """Need against schedule for a period: per interval, by time of day, the worst intervals,
    and the e-mail queue (judged by backlog and age, not Erlang C)."""

    summary: pd.DataFrame
    by_time_of_day: pd.DataFrame
    worst: pd.DataFrame
    email_open: int
    email_median_age_hours: float


def by_time_of_day(summary: pd.DataFrame) -> pd.DataFrame:
    """The period's intervals folded onto one day: mean need and schedule per time of day,
    and on how many days that interval was understaffed — the pattern a roster fixes."""
    clock = summary[INTERVAL_START].dt.strftime("%H:%M")
    return (
        summary.assign(**{HALF_HOUR: clock})
        .groupby(HALF_HOUR, sort=True)
        .agg(
            **{
                CONTACTS: (CONTACTS, "mean"),
                REQUIRED_AGENTS: (REQUIRED_AGENTS, "mean"),
                SCHEDULED_AGENTS: (SCHEDULED_AGENTS, "mean"),
                UNDERSTAFFED_DAYS: (UNDERSTAFFED, "sum"),
                DAYS: (UNDERSTAFFED, "size"),
            }
        )
        .reset_index()
    )


def email_queue(contacts: pd.DataFrame, end: pd.Timestamp) -> tuple[int, float]:
    """E-mails still open at the period end, and their median age in hours."""
    ages, counts = np.unique(
        _open_email_ages(contacts, end).to_numpy("float64"), return_counts=True
    )
    return _email_queue(ages, counts)


def _email_queue(ages: npt.NDArray[np.float64], counts: npt.NDArray[np.int64]) -> tuple[int, float]:
    """The open e-mails and their median age, from the counts of each age: the middle age,
    or the mean of the two middle ones, as `Series.median` gives it."""
    cumulative = np.cumsum(counts)
    n = int(cumulative[-1]) if len(cumulative) else 0
    if n == 0:
        return 0, math.nan

    def ranked(rank: int) -> float:
        return float(ages[np.searchsorted(cumulative, rank, side="right")])

    if n % 2:
        return n, ranked(n // 2)
    return n, (ranked(n // 2 - 1) + ranked(n // 2)) / 2


def plan_terms(period: Period, settings: Settings) -> dict[str, Any]:
    """The settings a period's staffing plan is made with: each channel's answer-time target,
    the service-level target of the period's months, the chats an agent handles at once."""
    service_level = settings.targets["service_level"].band(months=period.calendar_months)
    return {
        "target_seconds": settings.service_level_seconds,
        "service_level_target": service_level.target,
        "chat_concurrency": settings.chat_concurrency,
    }


def plan_staffing(
    contacts: pd.DataFrame,
    shifts: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    target_seconds: Mapping[str, float],
    service_level_target: float,
    chat_concurrency: float,
    worst: int = 10,
) -> StaffingPlan:
    """The staffing view of a review, from validated contacts and shifts (the contacts as
    one part)."""
    return plan_of_part(
        staffing_part(contacts, start, end),
        shifts,
        target_seconds=target_seconds,
        service_level_target=service_level_target,
        chat_concurrency=chat_concurrency,
        worst=worst,
    )


def plan_of_part(
    part: StaffingPart,
    shifts: pd.DataFrame,
    *,
    target_seconds: Mapping[str, float],
    service_level_target: float,
    chat_concurrency: float,
    worst: int = 10,
) -> StaffingPlan:
    """The staffing view of a review from the contacts' (merged) part and the shifts."""
    by_channel = staffing_by_channel(
        part,
        shifts,
        target_seconds=target_seconds,
        service_level_target=service_level_target,
        chat_concurrency=chat_concurrency,
    )
    summary = staffing_summary(by_channel)
    open_emails, age = _email_queue(part.email_ages, part.email_counts)
    return StaffingPlan(
        summary=summary,
        by_time_of_day=by_time_of_day(summary),
        worst=understaffed_intervals(summary).head(worst),
        email_open=open_emails,
        email_median_age_hours=age,
    )
