"""Staffing: Erlang C agents required per interval for the live channels, against the rota.

A manager needs to see, interval by interval, whether the agents on shift can answer the
contacts that arrived within the service-level target, and where the rota falls short.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from csreview import schema as s
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


def _channel_aht(live: pd.DataFrame) -> dict[str, float]:
    """Mean handle time of each live channel's answered contacts; NaN if none (or not > 0)."""
    answered = live[live[s.ANSWERED_AT].notna()]
    means = _handle_seconds(answered).groupby(answered[s.CHANNEL].astype(str)).mean()
    aht = {channel: float(means.get(channel, np.nan)) for channel in LIVE_CHANNELS}
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
    intervals = _intervals(start, end, interval_minutes)
    _check(chat_concurrency > 0, f"chat_concurrency must be > 0, got {chat_concurrency!r}")
    missing = [c for c in LIVE_CHANNELS if c not in target_seconds]
    _check(not missing, f"target_seconds lacks channel(s) {missing}")
    step = pd.Timedelta(minutes=interval_minutes)
    seconds = step.total_seconds()

    created = contacts[s.CREATED_AT]
    keep = (
        contacts[s.CHANNEL].isin(LIVE_CHANNELS).fillna(False).astype(bool)
        & (created >= start)
        & (created < end)
    )
    live = contacts[keep.to_numpy()]
    aht = _channel_aht(live)

    position = ((live[s.CREATED_AT] - intervals[0]) // step).to_numpy("int64")
    counts = (
        pd.DataFrame({"position": position, s.CHANNEL: live[s.CHANNEL].astype(str).to_numpy()})
        .groupby(["position", s.CHANNEL])
        .size()
    )
    grid = pd.MultiIndex.from_product([range(len(intervals)), list(LIVE_CHANNELS)])
    arrivals = [int(n) for n in counts.reindex(grid, fill_value=0)]
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
    email = contacts[
        (contacts[s.CHANNEL] == "email")
        & ~contacts[s.ABANDONED].fillna(False).astype(bool)
        & (contacts[s.CREATED_AT] < end)
        & (contacts[s.CLOSED_AT].isna() | (contacts[s.CLOSED_AT] >= end))
    ]
    ages = (end - email[s.CREATED_AT]).dt.total_seconds() / 3600
    return len(email), float(ages.median()) if len(ages) else math.nan


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
    """The staffing view of a review, from validated contacts and shifts."""
    by_channel = interval_staffing(
        contacts,
        shifts,
        start,
        end,
        target_seconds=target_seconds,
        service_level_target=service_level_target,
        chat_concurrency=chat_concurrency,
    )
    summary = staffing_summary(by_channel)
    open_emails, age = email_queue(contacts, end)
    return StaffingPlan(
        summary=summary,
        by_time_of_day=by_time_of_day(summary),
        worst=understaffed_intervals(summary).head(worst),
        email_open=open_emails,
        email_median_age_hours=age,
    )
