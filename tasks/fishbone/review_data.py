"""What the fishbone tests of one review look at, built once for all its problems.

Per contact: its day and week, resolution, the handling agent's tenure and QA score, whether it
arrived understaffed; the hourly and weekly staffing, this and earlier periods' figures and
the quarantined rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.frames import among, positions_of_rows, rows_at
from csreview.periods import Period
from csreview.settings import Settings
from tasks import compare
from tasks import kpis as k
from tasks import staffing as st
from tasks.extract import parse_table
from tasks.scorecard import scheduled_hours
from tasks.validate import REASON
from tasks.workforce import PeriodFigures, current_figures, period_days

DAY: Final = "_day"  # local calendar day of created_at
TENURE: Final = "_tenure_days"  # the handling agent's days since hire at the period start
AGENT_QA: Final = "_agent_qa"  # the handling agent's mean QA score in the period
UNRESOLVED: Final = "_unresolved"  # handled and not flagged resolved
UNDERSTAFFED: Final = "_understaffed"  # live contact arriving in an Erlang C understaffed interval
PLACED: Final = "_placed"  # a quarantined row whose period and segment could be read
WEEK: Final = (
    "_week"  # week of the period, from its first day (a last short week joins the one before)
)
HOURS: Final = "hours"  # scheduled agent-hours in a week (`ReviewData.weeks`)


@dataclass(frozen=True)
class ReviewData:
    """What the hypotheses of one review look at, built once for all its problems."""

    facts: f.Facts
    details: pd.DataFrame  # per row of facts.contacts (same index): DAY, TENURE, AGENT_QA, …
    load: pd.Series  # contacts per scheduled agent-hour by hour of day (NaN: nobody scheduled)
    has_shifts: bool
    has_staffing: bool
    resolved_known: bool  # the export carries the optional `resolved` flag
    previous: pd.DataFrame  # the previous period's KPI rows (compare.HISTORY_COLUMNS)
    rejected: Mapping[str, pd.DataFrame] | None  # quarantined rows by facts source; None: unknown
    days: float
    previous_days: float
    previous_label: str
    qa_spread_target: float
    min_sample: int
    figures: PeriodFigures | None = None  # this period's, for centre-wide problems
    earlier: Mapping[str, PeriodFigures] = field(default_factory=dict)  # previous, last_year
    weeks: pd.DataFrame = field(default_factory=pd.DataFrame)  # per WEEK: first day, HOURS


def hourly_load(
    contacts: pd.DataFrame, shifts: pd.DataFrame, period: Period, settings: Settings
) -> pd.Series:
    """Contacts per scheduled agent-hour, by hour of day, over the period."""
    zone = settings.zone
    start, end = pd.Timestamp(period.start(zone)), pd.Timestamp(period.end(zone))
    arrivals = contacts.groupby(f.HOUR).size().reindex(range(24), fill_value=0)
    hours = pd.Series(0.0, index=range(24))
    if not shifts.empty:
        begin = shifts[s.STARTS_AT].where(shifts[s.STARTS_AT] > start, start)
        finish = shifts[s.ENDS_AT].where(shifts[s.ENDS_AT] < end, end)
        first_slot = begin.dt.floor("h")
        for offset in range(s.MAX_SHIFT_HOURS + 2):
            slot = first_slot + pd.Timedelta(hours=offset)
            overlap = (
                finish.where(finish < slot + pd.Timedelta(hours=1), slot + pd.Timedelta(hours=1))
                - begin.where(begin > slot, slot)
            ).dt.total_seconds().clip(lower=0) / 3600
            hours = hours.add(overlap.groupby(slot.dt.hour).sum(), fill_value=0.0)
    return arrivals / hours.where(hours > 0)


def week_of(days: pd.Series, first: pd.Timestamp, n_days: int) -> pd.Series:
    """The week of the period each day falls in, counted from its first day; the days left
    after the last whole week join it (a 30-day month has four weeks)."""
    last = max(n_days // 7 - 1, 0)
    return ((days - first).dt.days // 7).clip(lower=0, upper=last).astype("Int64")


def weekly_hours(shifts: pd.DataFrame, period: Period, settings: Settings) -> pd.DataFrame:
    """Scheduled agent-hours in each week of the period (weeks as `week_of` cuts them)."""
    zone = settings.zone
    days = period_days(period, settings)
    start, end = pd.Timestamp(period.start(zone)), pd.Timestamp(period.end(zone))
    n = max(len(days) // 7, 1)
    bounds = [start + pd.Timedelta(days=7 * w) for w in range(n)] + [end]
    rows = [
        {
            WEEK: w,
            DAY: pd.Timestamp(days[7 * w]),
            HOURS: scheduled_hours(shifts, bounds[w], bounds[w + 1])
            if not shifts.empty
            else np.nan,
        }
        for w in range(n)
    ]
    return pd.DataFrame(rows).set_index(WEEK)


def _utc_ns(stamps: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(stamps).tz_convert("UTC").as_unit("ns").asi8)


def understaffed_arrivals(
    contacts: pd.DataFrame, created: pd.Series, summary: pd.DataFrame
) -> pd.Series:
    """Per contact: whether it is a live (phone, chat) contact that arrived in an interval
    with fewer agents scheduled than Erlang C requires; NA when it is not live or outside
    the staffing grid."""
    if summary.empty:
        return pd.Series(pd.NA, index=contacts.index, dtype="boolean")
    starts = summary[st.INTERVAL_START].reset_index(drop=True)
    flags = summary[st.UNDERSTAFFED].astype(bool).to_numpy()
    step = starts.iloc[1] - starts.iloc[0] if len(starts) > 1 else pd.Timedelta(minutes=30)
    edges = _utc_ns(starts)
    moments = _utc_ns(created)
    position = np.searchsorted(edges, moments, side="right") - 1
    inside = (position >= 0) & (moments < edges[-1] + step.value)
    live = contacts[s.CHANNEL].isin(st.LIVE_CHANNELS).to_numpy(dtype=bool)
    flagged = pd.Series(flags[np.clip(position, 0, len(flags) - 1)], index=contacts.index)
    return flagged.astype("boolean").where(pd.Series(inside & live, index=contacts.index))


def contact_details(
    facts: f.Facts,
    clean: Mapping[str, pd.DataFrame],
    period: Period,
    settings: Settings,
    staffing: pd.DataFrame | None,
) -> pd.DataFrame:
    """What the facts of a contact do not hold but hypotheses need: its day, resolution, the
    handling agent's tenure and QA score, and whether it arrived understaffed."""
    c = facts.contacts
    contacts = clean[s.CONTACTS.name]  # validated: one row per contact id
    at = positions_of_rows(c, contacts, s.CONTACT_ID)
    joined = rows_at(contacts[[s.CREATED_AT, s.RESOLVED]], at, c.index)
    created = joined[s.CREATED_AT]
    agents = clean[s.AGENTS.name].drop_duplicates(s.AGENT_ID).set_index(s.AGENT_ID)
    hired = c[f.AGENT].map(agents[s.HIRED_ON]) if len(agents) else pd.Series(pd.NaT, c.index)
    start = pd.Timestamp(period.start(settings.zone).date())
    tenure = (start - pd.to_datetime(hired)).dt.days.clip(lower=0)
    scores = facts.qa.groupby(f.AGENT, observed=True)[s.SCORE].mean()
    day = created.dt.tz_localize(None).dt.normalize()
    return pd.DataFrame(
        {
            DAY: day,
            WEEK: week_of(day, start, len(period_days(period, settings))),
            TENURE: tenure.where(c[f.ANSWERED] == 1).astype("float64"),
            AGENT_QA: c[f.AGENT].map(scores).where(c[f.ANSWERED] == 1).astype("float64"),
            UNRESOLVED: (
                (c[f.ANSWERED] == 1) & ~joined[s.RESOLVED].fillna(False).astype(bool)
            ).astype(int),
            UNDERSTAFFED: understaffed_arrivals(
                c, created, staffing if staffing is not None else pd.DataFrame()
            ),
        },
        index=c.index,
    )


def rejected_rows(
    quarantine: Mapping[str, pd.DataFrame],
    clean: Mapping[str, pd.DataFrame],
    period: Period,
    settings: Settings,
) -> dict[str, pd.DataFrame]:
    """The quarantined contacts, surveys and QA evaluations, by facts source, with the
    segment columns their contact gives them (as the facts do); `PLACED` is false where the
    row's period or segment cannot be read. Rows of other periods are left out."""
    zone = settings.zone
    start, end = pd.Timestamp(period.start(zone)), pd.Timestamp(period.end(zone))
    agents = clean[s.AGENTS.name]

    def typed(table: s.Table) -> pd.DataFrame:
        raw = quarantine.get(table.name, pd.DataFrame())
        return parse_table(table, raw.drop(columns=[REASON], errors="ignore"), zone)

    bad_contacts = typed(s.CONTACTS)
    surveys = typed(s.SURVEYS).drop(columns=[s.CHANNEL, s.CATEGORY, s.AGENT_ID], errors="ignore")
    evaluations = typed(s.QA_EVALUATIONS).drop(columns=[s.CHANNEL, s.CATEGORY], errors="ignore")
    columns = [s.CONTACT_ID, s.CREATED_AT, s.CHANNEL, s.CATEGORY, s.AGENT_ID]
    contacts = clean[s.CONTACTS.name]
    asked = pd.concat([surveys[s.CONTACT_ID], evaluations[s.CONTACT_ID]], ignore_index=True)
    of_contact = pd.concat(
        [
            contacts.loc[among(contacts[s.CONTACT_ID], asked), columns],  # picked, then copied
            bad_contacts.dropna(subset=[s.CONTACT_ID]),
        ],
        ignore_index=True,
    ).drop_duplicates(s.CONTACT_ID)[columns]

    def placed(rows: pd.DataFrame) -> pd.DataFrame:
        created = rows[s.CREATED_AT]
        readable = created.notna() & rows[s.CHANNEL].notna() & rows[s.CATEGORY].notna()
        in_period = readable & (created >= start) & (created < end)
        kept = rows[in_period | ~readable]
        readable_kept = readable[kept.index]
        seg = k.segments(kept[readable_kept], agents, settings.hour_bands, settings.live_channels)
        return seg.reindex(kept.index).assign(**{PLACED: readable_kept.to_numpy()})

    return {
        "contacts": placed(bad_contacts),
        "surveys": placed(surveys.merge(of_contact, on=s.CONTACT_ID, how="left")),
        "qa": placed(
            evaluations.merge(of_contact.drop(columns=[s.AGENT_ID]), on=s.CONTACT_ID, how="left")
        ),
    }


def review_data(
    facts: f.Facts,
    clean: Mapping[str, pd.DataFrame],
    period: Period,
    settings: Settings,
    *,
    previous: pd.DataFrame | None = None,
    staffing: pd.DataFrame | None = None,
    quarantine: Mapping[str, pd.DataFrame] | None = None,
    earlier: Mapping[str, PeriodFigures] | None = None,
) -> ReviewData:
    """Everything the hypotheses look at, from the review's own data and, when given, the
    previous period's KPI rows, the Erlang C staffing summary, the quarantined rows and the
    earlier periods' figures (results store)."""
    zone = settings.zone
    before = period.previous()

    def days(p: Period) -> float:
        return (p.end(zone) - p.start(zone)).total_seconds() / 86_400

    shifts = clean[s.SHIFTS.name]
    spread = settings.targets.get("qa_reviewer_spread")
    return ReviewData(
        facts=facts,
        details=contact_details(facts, clean, period, settings, staffing),
        load=hourly_load(facts.contacts, shifts, period, settings),
        has_shifts=not shifts.empty,
        # without a rota every interval looks understaffed: Erlang C gaps need shifts
        has_staffing=not shifts.empty and staffing is not None and not staffing.empty,
        resolved_known=bool(clean[s.CONTACTS.name][s.RESOLVED].notna().any()),
        previous=(
            previous
            if previous is not None
            else pd.DataFrame(columns=list(compare.HISTORY_COLUMNS))
        ),
        rejected=None if quarantine is None else rejected_rows(quarantine, clean, period, settings),
        days=days(period),
        previous_days=days(before),
        previous_label=before.label,
        qa_spread_target=spread.target if spread is not None else 9.0,
        min_sample=settings.min_sample,
        figures=current_figures(facts, clean, period, settings),
        earlier=dict(earlier or {}),
        weeks=weekly_hours(shifts, period, settings),
    )
