"""A deterministic synthetic contact centre, with one planted service problem and its cause.

The demo review must have something real to find: in the evening band (20–24 h) only one
night agent is rostered while logistics inquiries peak, so logistics contacts wait long,
abandon and complain. The cause is in the data (shifts vs volume), not in the generator's
word.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import sqlalchemy as sa

from csreview import demo_feedback as feedback
from csreview import schema as s
from csreview.periods import Period

CATEGORIES: Final = ("logistics", "billing", "returns", "product", "account", "other")
_CATEGORY_SHARE: Final = np.array([0.24, 0.16, 0.15, 0.22, 0.12, 0.11])
_EVENING_CATEGORY_SHARE: Final = np.array([0.55, 0.08, 0.10, 0.12, 0.08, 0.07])
_CHANNEL_SHARE: Final = np.array([0.40, 0.30, 0.15, 0.10, 0.05])  # order of schema.CHANNELS
_HOURLY_WEIGHT: Final = np.array(  # arrivals by hour of day
    [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 2, 8, 12, 13, 12,
     9, 10, 12, 12, 11, 9, 8, 8, 11, 12, 10, 6], dtype=float,
)  # fmt: skip
_LIVE: Final = ("phone", "chat", "app")
_TEAMS: Final = ("Alpha", "Bravo", "Charlie")
_SITES: Final = ("Shanghai", "Chengdu")


PlantedProblem = Literal[
    "evening_understaffing", "billing_transfers", "returns_outage", "weak_agents",
    "thinned_rota", "none",
]  # fmt: skip
"""The planted problem: too few evening agents (environment), billing contacts bounced
between agents until they complain (method), the returns system down on a few days of each
month so that handling drags and customers complain (machine), a few agents (one per team)
who mishandle product contacts (people), a fifth of the agents leaving in the last month
(`leave_day`) with no one rostered in their place, so that waits grow centre-wide
(environment), or a healthy centre (`none`: a rota that follows the arrivals at every hour,
calibrated QA reviewers, customers who come back at the hour they called before, and no
fault planted)."""
_OUTAGE_DAYS: Final = (9, 10, 11, 21)  # days of the month the returns system is down


@dataclass(frozen=True)
class DemoSpec:
    """What to generate: the months ending with `last_month`, at a daily volume."""

    last_month: Period
    months: int = 3
    contacts_per_day: int = 600
    seed: int = 20261001
    timezone: str = "Asia/Shanghai"
    problem: PlantedProblem = "evening_understaffing"
    leave_day: int = 1  # thinned_rota: the day of the last month the leavers leave


def generate(spec: DemoSpec, now: datetime | None = None) -> dict[str, pd.DataFrame]:
    """Generate the five contract tables; nothing is created after `now` (when given)."""
    zone = ZoneInfo(spec.timezone)
    rng = np.random.default_rng(spec.seed)
    first = spec.last_month
    for _ in range(spec.months - 1):
        first = first.previous()
    start = first.start(zone).replace(tzinfo=None)
    stop = spec.last_month.end(zone).replace(tzinfo=None) + timedelta(days=10)
    if now is not None:
        stop = min(stop, now.astimezone(zone).replace(tzinfo=None))
    days = pd.date_range(start, stop.replace(hour=0, minute=0, second=0), freq="D")

    agents = _agents(rng, spec.contacts_per_day, start)
    healthy = spec.problem == "none"
    shifts = (
        _healthy_shifts(agents, spec.contacts_per_day, days) if healthy else _shifts(agents, days)
    )
    thinned = None
    if spec.problem == "thinned_rota":
        thinned = pd.Timestamp(spec.last_month.start(zone).replace(tzinfo=None))
        thinned += pd.Timedelta(days=spec.leave_day - 1)
        agents, shifts = _thin(agents, shifts, thinned)
    contacts = _contacts(
        rng, spec.contacts_per_day, days, stop, agents, shifts, spec.problem, thinned
    )
    qa = feedback.qa_evaluations(rng, contacts, agents, stop, healthy)
    surveys = feedback.surveys(rng, contacts, stop, _LIVE, healthy)
    contacts = _as_of(contacts, pd.Timestamp(stop))  # after the draws: the same seed, same data
    kept = contacts[s.CONTACT_ID]
    qa = qa[qa[s.CONTACT_ID].isin(kept)].reset_index(drop=True)
    surveys = surveys[surveys[s.CONTACT_ID].isin(kept)].reset_index(drop=True)
    return {
        s.AGENTS.name: agents,
        s.CONTACTS.name: contacts,
        s.QA_EVALUATIONS.name: qa,
        s.SURVEYS.name: surveys,
        s.SHIFTS.name: shifts,
    }


# ---------------------------------------------------------------- agents and rosters
def _agents(rng: np.random.Generator, per_day: int, start: datetime) -> pd.DataFrame:
    n = max(12, per_day // 25)
    tiers = rng.choice(s.TIERS, size=n, p=[0.4, 0.35, 0.25])
    tenure_days = np.where(
        tiers == "junior",
        rng.integers(30, 300, n),
        np.where(tiers == "senior", rng.integers(900, 2000, n), rng.integers(300, 900, n)),
    )
    hired = pd.Timestamp(start) - pd.to_timedelta(tenure_days, unit="D")
    return pd.DataFrame(
        {
            s.AGENT_ID: [f"A{i:03d}" for i in range(1, n + 1)],
            s.TEAM: [_TEAMS[i % len(_TEAMS)] for i in range(n)],
            s.TIER: tiers,
            s.SITE: [_SITES[i % len(_SITES)] for i in range(n)],
            s.HIRED_ON: hired.normalize().date,
            s.LEFT_ON: [None] * n,
        }
    )


def _roster(n_agents: int) -> np.ndarray:
    """Shift kind per agent: 0 early 08–17, 1 late 12–21, 2 night 20–24 (two night agents)."""
    kinds = np.zeros(n_agents, dtype=int)
    kinds[n_agents // 2 :] = 1
    kinds[-2:] = 2
    return kinds


_SHIFT_HOURS: Final = {0: (8, 17), 1: (12, 21), 2: (20, 24)}


def _on_duty(n_agents: int, day_number: int) -> np.ndarray:
    """Whether each agent works on a day: five days in seven; night agents alternate."""
    idx = np.arange(n_agents)
    works = (day_number + idx) % 7 < 5
    night = _roster(n_agents) == 2
    works[night] = (day_number + idx[night]) % 2 == 0
    return works


def _thin(
    agents: pd.DataFrame, shifts: pd.DataFrame, day: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fifth of the agents, spread over the day shifts, leave on `day`: `left_on` set, no
    shift after."""
    n = len(agents)
    k = max(1, round(n / 5))
    leaving = np.isin(np.arange(n), np.arange(k) * (n - 2) // k + 1)
    gone = set(agents.loc[leaving, s.AGENT_ID])
    left = pd.Series([day.date() if x else None for x in leaving], index=agents.index, dtype=object)
    agents = agents.assign(**{s.LEFT_ON: left})
    late = shifts[s.AGENT_ID].isin(gone) & (shifts[s.STARTS_AT] >= day)
    return agents, shifts[~late].reset_index(drop=True)


_BLOCK_HOURS: Final = 4
_HEALTHY_AHT_SECONDS: Final = 420.0  # above the demo's phone and chat handle times


def _healthy_shifts(agents: pd.DataFrame, per_day: int, days: pd.DatetimeIndex) -> pd.DataFrame:
    """A rota that follows the arrivals: in each 4-hour block of each day, the square-root
    staffing rule (load + 2√load, plus one) for its busiest hour, agents taken in turn.
    Why: a healthy centre's rota covers every hour, nights included, with room to spare."""
    weekday_peak = 1.1  # the busiest weekday's factor (`_contacts`)
    live_share = float(_CHANNEL_SHARE[:3].sum())
    per_hour = per_day * weekday_peak * live_share * _HOURLY_WEIGHT / _HOURLY_WEIGHT.sum()
    load = per_hour * _HEALTHY_AHT_SECONDS / 3600
    need = np.ceil(load + 2 * np.sqrt(load)).astype(int) + 1
    ids = agents[s.AGENT_ID].to_numpy()
    rows, turn = [], 0
    for day in days:
        for begin in range(0, 24, _BLOCK_HOURS):
            for _ in range(min(len(ids), int(need[begin : begin + _BLOCK_HOURS].max()))):
                rows.append(
                    (
                        ids[turn % len(ids)],
                        day + pd.Timedelta(hours=begin),
                        day + pd.Timedelta(hours=begin + _BLOCK_HOURS),
                    )
                )
                turn += 1
    return pd.DataFrame(rows, columns=[s.AGENT_ID, s.STARTS_AT, s.ENDS_AT])


def _shifts(agents: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    kinds = _roster(len(agents))
    rows = []
    for d, day in enumerate(days):
        for i in np.flatnonzero(_on_duty(len(agents), d)):
            begin, end = _SHIFT_HOURS[int(kinds[i])]
            rows.append(
                (
                    agents[s.AGENT_ID].to_numpy()[i],
                    day + pd.Timedelta(hours=begin),
                    day + pd.Timedelta(hours=end),
                )
            )
    return pd.DataFrame(rows, columns=[s.AGENT_ID, s.STARTS_AT, s.ENDS_AT])


# ---------------------------------------------------------------- contacts
def _contacts(
    rng: np.random.Generator,
    per_day: int,
    days: pd.DatetimeIndex,
    stop: datetime,
    agents: pd.DataFrame,
    shifts: pd.DataFrame,
    problem: PlantedProblem = "evening_understaffing",
    thinned: pd.Timestamp | None = None,
) -> pd.DataFrame:
    weekday_factor = np.array([1.1, 1.05, 1.0, 1.0, 1.05, 0.85, 0.8])
    counts = rng.poisson(per_day * weekday_factor[days.day_of_week.to_numpy()])
    day_of = np.repeat(np.arange(len(days)), counts)
    n = len(day_of)
    hour = rng.choice(24, size=n, p=_HOURLY_WEIGHT / _HOURLY_WEIGHT.sum())
    created = (
        days[day_of]
        + pd.to_timedelta(hour, unit="h")
        + pd.to_timedelta(rng.integers(0, 3600, n), unit="s")
    )
    evening = (hour >= 20) & (problem == "evening_understaffing")
    category = np.where(
        evening,
        rng.choice(CATEGORIES, size=n, p=_EVENING_CATEGORY_SHARE),
        rng.choice(CATEGORIES, size=n, p=_CATEGORY_SHARE),
    )
    channel = rng.choice(s.CHANNELS, size=n, p=_CHANNEL_SHARE)
    live = np.isin(channel, _LIVE)
    base_wait = np.select(
        [channel == "phone", channel == "chat", channel == "app", channel == "social"],
        [
            rng.lognormal(np.log(7), 0.6, n),
            rng.lognormal(np.log(22), 0.6, n),
            rng.lognormal(np.log(25), 0.6, n),
            rng.lognormal(np.log(1200), 0.8, n),
        ],
        default=rng.lognormal(np.log(5 * 3600), 0.8, n),
    )
    understaffed = evening & live  # the planted cause: one night agent for the evening peak
    wait = np.where(understaffed, base_wait * 14, base_wait)
    if thinned is not None:  # the planted cause: a fifth fewer agents for the same arrivals
        short = np.asarray(created >= thinned, dtype=bool)
        wait = np.where(short, wait * np.where(live, 9, 3), wait)
    patience = np.where(live, rng.lognormal(np.log(240), 0.9, n), np.inf)
    abandoned = live & (patience < wait)
    gave_up = np.where(abandoned, np.round(np.minimum(patience, wait)), np.nan)

    answered_at = created + pd.to_timedelta(np.round(wait), unit="s")
    waiting = ~abandoned & (answered_at > pd.Timestamp(stop))
    talk = np.round(
        np.select(
            [channel == "phone", channel == "chat", channel == "email"],
            [rng.lognormal(np.log(240), 0.5, n), rng.lognormal(np.log(420), 0.5, n), 300.0],
            default=rng.lognormal(np.log(200), 0.5, n),
        )
    )
    hold = np.where((channel == "phone") & (rng.random(n) < 0.3), rng.integers(10, 120, n), 0)
    wrap = rng.integers(15, 90, n)
    down = (problem == "returns_outage") & (category == "returns")
    down &= np.isin(days[day_of].day, _OUTAGE_DAYS)
    talk = np.where(down, talk * 3, talk)  # the planted cause: a slow system on those days
    handle = talk + hold + wrap
    still_open = rng.random(n) < 0.02
    closed_at = answered_at + pd.to_timedelta(handle, unit="s")
    handled = ~abandoned & ~waiting

    long_wait = np.where(live, wait > 300, wait > 2 * 86_400)
    resolved = handled & (rng.random(n) < np.where(long_wait, 0.72, 0.86))
    complaint = handled & (rng.random(n) < np.where(long_wait, 0.22, 0.012))
    escalated = handled & (rng.random(n) < np.where(complaint, 0.4, 0.03))
    bounced = category == "billing"
    transfer_share = 0.35 if problem == "billing_transfers" else 0.15
    transferred = handled & (rng.random(n) < np.where(bounced, transfer_share, 0.06))
    if problem == "billing_transfers":  # the planted cause: transfers end in complaints
        complaint |= transferred & bounced & (rng.random(n) < 0.3)
    if problem == "returns_outage":
        complaint |= handled & down & (rng.random(n) < 0.5)
    sales_offer = handled & np.isin(channel, ("phone", "chat")) & (rng.random(n) < 0.2)
    sale = sales_offer & (rng.random(n) < 0.16)

    customers = rng.integers(1, max(2, int(n * 0.9)), n)
    frame = pd.DataFrame(
        {
            s.CONTACT_ID: [f"C{i:07d}" for i in range(1, n + 1)],
            s.CUSTOMER_ID: [f"U{c:07d}" for c in customers],
            s.CHANNEL: channel,
            s.CATEGORY: category,
            s.CREATED_AT: created,
            s.ANSWERED_AT: pd.Series(answered_at).where(handled),
            s.CLOSED_AT: pd.Series(closed_at)
            .where(handled & ~still_open)
            .fillna(pd.Series(created + pd.to_timedelta(gave_up, unit="s")).where(abandoned)),
            s.AGENT_ID: pd.Series([None] * n, dtype="object"),
            s.ABANDONED: abandoned,
            s.TALK_SECONDS: np.where(handled, talk, 0).astype(int),
            s.HOLD_SECONDS: np.where(handled, hold, 0).astype(int),
            s.WRAP_SECONDS: np.where(handled, wrap, 0).astype(int),
            s.RESOLVED: resolved,
            s.ESCALATED: escalated,
            s.TRANSFERRED: transferred,
            s.COMPLAINT: complaint,
            s.SALES_OFFER: sales_offer,
            s.SALE: sale,
        }
    )
    frame = frame.assign(**{s.AGENT_ID: _assign_agents(rng, frame, shifts)})
    if problem == "weak_agents":  # the planted cause: a few agents mishandle product contacts
        weak = frame[s.AGENT_ID].isin(_weak_agents(agents)) & (frame[s.CATEGORY] == "product")
        angry = weak & frame[s.ANSWERED_AT].notna() & (rng.random(n) < 0.4)
        frame = frame.assign(**{s.COMPLAINT: frame[s.COMPLAINT] | angry})
    repeats = _repeat_contacts(rng, frame, stop, healthy=problem == "none")
    return (
        pd.concat([frame, repeats], ignore_index=True)
        .sort_values([s.CREATED_AT, s.CONTACT_ID])
        .reset_index(drop=True)
    )


def _as_of(contacts: pd.DataFrame, stop: pd.Timestamp) -> pd.DataFrame:
    """The contacts as an export taken at `stop` shows them: none created at or after it, and
    nothing closed after it (a contact handled past it is still open; a caller who would give
    up past it is still waiting). Why: the last day is generated whole, and a review run at
    `stop` would quarantine every contact of the rest of that day as created in the future."""
    kept = contacts[contacts[s.CREATED_AT] < stop]
    late = kept[s.CLOSED_AT] > stop
    waiting = late & kept[s.ABANDONED].astype(bool)
    return kept.assign(
        **{
            s.CLOSED_AT: kept[s.CLOSED_AT].mask(late),
            s.ABANDONED: kept[s.ABANDONED].mask(waiting, False),
        }
    ).reset_index(drop=True)


def _weak_agents(agents: pd.DataFrame) -> tuple[str, ...]:
    """One early-shift agent of each team: no team holds the problem."""
    early = agents[_roster(len(agents)) == 0]
    return tuple(str(a) for a in early.drop_duplicates(s.TEAM)[s.AGENT_ID])


def _assign_agents(
    rng: np.random.Generator, contacts: pd.DataFrame, shifts: pd.DataFrame
) -> pd.Series:
    """The agent on shift when each contact was answered (nearest shift when none was)."""
    answered = contacts[s.ANSWERED_AT]
    out = pd.Series([None] * len(contacts), index=contacts.index, dtype="object")
    day = answered.dt.floor("D")
    by_day = shifts.assign(day=shifts[s.STARTS_AT].dt.floor("D")).groupby("day")
    for d, rows in by_day:
        todays = answered.index[(day == d).to_numpy()]
        if len(todays) == 0:
            continue
        moments = answered.loc[todays]
        starts = rows[s.STARTS_AT].to_numpy()
        ends = rows[s.ENDS_AT].to_numpy()
        ids = rows[s.AGENT_ID].to_numpy()
        on = (moments.to_numpy()[:, None] >= starts[None, :]) & (
            moments.to_numpy()[:, None] < ends[None, :]
        )
        pick = rng.random((len(todays), len(ids))) * on
        fallback = rng.integers(0, len(ids), len(todays))
        chosen = np.where(on.any(axis=1), pick.argmax(axis=1), fallback)
        out.loc[todays] = ids[chosen]
    return out


def _repeat_contacts(
    rng: np.random.Generator, contacts: pd.DataFrame, stop: datetime, healthy: bool = False
) -> pd.DataFrame:
    """Unresolved contacts come back: same customer and category within a few days."""
    handled = contacts[s.ANSWERED_AT].notna()
    unresolved = handled & ~contacts[s.RESOLVED]
    chance = np.where(contacts[s.CATEGORY] == "logistics", 0.75, 0.5)
    back = contacts[unresolved & (rng.random(len(contacts)) < chance)]
    delay = pd.to_timedelta(rng.integers(3600, 5 * 86_400, len(back)), unit="s")
    if healthy:  # they come back at the hour they called before, and are answered as fast
        days_later = delay.round("D")
        delay = days_later.where(days_later >= pd.Timedelta(days=1), pd.Timedelta(days=1))
    created = back[s.CREATED_AT] + delay
    keep = (created < pd.Timestamp(stop)).to_numpy()
    back, created = back[keep], created[keep]
    m = len(back)
    wait = pd.to_timedelta(rng.integers(5, 60, m) // (4 if healthy else 1), unit="s")
    handle = pd.to_timedelta(back[s.TALK_SECONDS] + back[s.WRAP_SECONDS], unit="s")
    return back.assign(
        **{  # type: ignore[arg-type]
            s.CONTACT_ID: [f"R{i:07d}" for i in range(1, m + 1)],
            s.CREATED_AT: created,
            s.ANSWERED_AT: created + wait,
            s.CLOSED_AT: created + wait + handle,
            s.RESOLVED: rng.random(m) < 0.9,
            s.COMPLAINT: rng.random(m) < 0.05,
            s.ESCALATED: False,
            s.SALES_OFFER: False,
            s.SALE: False,
            s.HOLD_SECONDS: 0,
        }
    )


# ---------------------------------------------------------------- writers
def to_database(frames: dict[str, pd.DataFrame], url: str) -> None:
    """Write the tables to any SQLAlchemy URL, replacing tables of the same name."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for name, frame in frames.items():
                frame.to_sql(name, conn, if_exists="replace", index=False, chunksize=50_000)
    finally:
        engine.dispose()


def to_folder(frames: dict[str, pd.DataFrame], folder: str, encoding: str = "utf-8") -> None:
    """Write one CSV file per table (the folder form of a source)."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(path / f"{name}.csv", index=False, encoding=encoding)
