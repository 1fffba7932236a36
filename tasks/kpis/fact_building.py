"""Building the facts frames of a period: one row per contact, backlog item, evaluation or
survey, with the measures every KPI sums.

Each KPI sums these measures, so every segment uses exactly the contract's definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.frames import positions, positions_in
from csreview.periods import REPEAT_WINDOW, Period
from csreview.settings import Settings
from tasks.kpis.segments import segments

# a contact's counts (0 or 1) in four bytes, not eight: thirteen of them over a quarter's
# 3.7 M contacts took 370 MiB as int64. Not one byte: some of pandas' group-bys sum in the
# column's own type, and a segment's count must never wrap
COUNT: Final = np.int32
UNREAD_IN_PERIOD: Final = frozenset({s.CUSTOMER_ID, s.RESOLVED})  # by the period's facts


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].fillna(False).astype(bool)


def repeated_contacts(contacts: pd.DataFrame) -> pd.Series:
    """Whether the same customer has another contact of the same category created strictly
    after this one and at most 7 × 24 h later (any contact of `contacts`).

    Rows are ordered by customer and category, then time (one sort of a single integer key:
    customer and category, then the rank of the time); each run of equal times looks at the
    first later time of its customer and category."""
    customer, _ = contacts[s.CUSTOMER_ID].factorize()
    category, _ = contacts[s.CATEGORY].factorize()
    times = contacts[s.CREATED_AT]
    created = (times.dt.tz_convert(None) if times.dt.tz is not None else times).to_numpy()
    usable = np.flatnonzero((customer >= 0) & (category >= 0) & ~np.isnat(created))
    who_usable = customer[usable].astype(np.int64) * (int(category.max(initial=0)) + 1)
    who_usable += category[usable]
    stamps, rank = np.unique(created[usable], return_inverse=True)
    sorted_by = by_who_then_time(who_usable, rank.reshape(-1), len(stamps))
    order = usable[sorted_by]
    who = who_usable[sorted_by]
    when = created[order]
    same_who = who[1:] == who[:-1]
    run_ends = np.append(~same_who | (when[1:] != when[:-1]), True)
    later = np.append(np.where(same_who, when[1:], np.datetime64("NaT")), np.datetime64("NaT"))
    run = np.cumsum(np.insert(run_ends[:-1], 0, False))  # run number of each sorted row
    following = later.astype(when.dtype)[run_ends][run]  # the time after each run's last row
    repeated = np.zeros(len(contacts), dtype=bool)
    repeated[order] = (following - when) <= np.timedelta64(REPEAT_WINDOW)
    return pd.Series(repeated, index=contacts.index)


def by_who_then_time(who: np.ndarray, rank: np.ndarray, ranks: int) -> np.ndarray:
    """The order of rows by WHO, then by RANK (of RANKS values): one sort of a single
    integer key, or two keys where that key would not fit in 64 bits."""
    if (int(who.max(initial=0)) + 1) * max(ranks, 1) <= np.iinfo(np.int64).max:
        order: np.ndarray = np.argsort(who * ranks + rank, kind="stable")
        return order
    return np.lexsort((rank, who))


def created_in(contacts: pd.DataFrame, period: Period, settings: Settings) -> np.ndarray:
    """Which contacts were created in the period (the period's contacts, C)."""
    start, end = pd.Timestamp(period.start(settings.zone)), pd.Timestamp(period.end(settings.zone))
    created = contacts[s.CREATED_AT]
    in_period: np.ndarray = ((created >= start) & (created < end)).to_numpy(dtype=bool)
    return in_period


def contact_facts(
    contacts: pd.DataFrame,
    agents: pd.DataFrame,
    period: Period,
    settings: Settings,
    picked: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per contact of the period (C), with the measures every contact KPI sums
    (PICKED: the period's rows of CONTACTS, when the caller has already picked them)."""
    repeated = repeated_contacts(contacts)
    in_period = created_in(contacts, period, settings)
    c = contacts[in_period] if picked is None else picked
    answered = c[s.ANSWERED_AT].notna()
    abandoned = _flag(c, s.ABANDONED)
    gave_up_after = (c[s.CLOSED_AT] - c[s.CREATED_AT]).dt.total_seconds()
    short = abandoned & (gave_up_after < settings.short_abandon_seconds)
    abandon_counted = abandoned & ~short
    wait = (c[s.ANSWERED_AT] - c[s.CREATED_AT]).dt.total_seconds()
    threshold = c[s.CHANNEL].map(settings.service_level_seconds).astype("float64")
    handle = c[[s.TALK_SECONDS, s.HOLD_SECONDS, s.WRAP_SECONDS]].fillna(0).sum(axis=1)
    measures = pd.DataFrame(
        {
            f.N: np.ones(len(c), dtype=COUNT),
            f.ANSWERED: answered.astype(COUNT),
            f.COUNTED: (answered | abandon_counted).astype(COUNT),
            f.ABANDON_COUNTED: abandon_counted.astype(COUNT),
            f.WITHIN_SL: (answered & (wait <= threshold)).astype(COUNT),
            f.WAIT: wait.where(answered),
            f.HANDLE: handle.where(answered, 0.0),
            f.NOT_REPEATED: (answered & ~repeated[in_period]).astype(COUNT),
            f.HANDLED_COMPLAINT: (answered & _flag(c, s.COMPLAINT)).astype(COUNT),
            f.HANDLED_ESCALATED: (answered & _flag(c, s.ESCALATED)).astype(COUNT),
            f.HANDLED_TRANSFERRED: (answered & _flag(c, s.TRANSFERRED)).astype(COUNT),
            f.OFFERED: _flag(c, s.SALES_OFFER).astype(COUNT),
            f.SOLD: _flag(c, s.SALE).astype(COUNT),
        },
        index=c.index,
    )
    return pd.concat(
        [
            segments(c, agents, settings.hour_bands, settings.live_channels),
            measures,
            c[[s.CONTACT_ID]],
            pd.DataFrame({f.HOUR: c[s.CREATED_AT].dt.hour}, index=c.index),
        ],
        axis=1,
    )


def backlog_facts(
    contacts: pd.DataFrame, agents: pd.DataFrame, period: Period, settings: Settings
) -> pd.DataFrame:
    """Non-abandoned contacts created before the period end and still open at it; those
    created before the period are in no `date` segment (a day segment is a day of the period)."""
    start, end = pd.Timestamp(period.start(settings.zone)), pd.Timestamp(period.end(settings.zone))
    open_at_end = (
        ~_flag(contacts, s.ABANDONED)
        & (contacts[s.CREATED_AT] < end)
        & (contacts[s.CLOSED_AT].isna() | (contacts[s.CLOSED_AT] >= end))
    )
    b = contacts[open_at_end]
    seg = segments(b, agents, settings.hour_bands, settings.live_channels)
    before = (b[s.CREATED_AT] < start).to_numpy(dtype=bool)
    if before.any():
        seg[f.DATE] = seg[f.DATE].where(~before)
    return seg.assign(**{f.N: 1})


def _with_contact(
    rows: pd.DataFrame, contacts: pd.DataFrame, columns: list[str], position: np.ndarray | None
) -> pd.DataFrame:
    """The rows whose contact is among `contacts` (validated: one row per contact_id), in
    their order, with the contact's columns: an inner merge on contact_id, hashed once
    (POSITION: each row's contact in `contacts`, when already looked up)."""
    if position is None:
        position = positions(rows[s.CONTACT_ID], contacts[s.CONTACT_ID])
    found = position >= 0
    return pd.concat(
        [
            rows[found].reset_index(drop=True),
            contacts[columns].iloc[position[found]].reset_index(drop=True),
        ],
        axis=1,
    )


def qa_facts(
    evaluations: pd.DataFrame,
    contacts: pd.DataFrame,
    agents: pd.DataFrame,
    settings: Settings,
    position: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per evaluation of a period contact; agent segments from the evaluation's agent."""
    e = _with_contact(
        evaluations.drop(columns=[c for c in (s.CHANNEL, s.CATEGORY) if c in evaluations]),
        contacts,
        [s.CHANNEL, s.CATEGORY, s.CREATED_AT],
        position,
    )
    failed = (e[s.SCORE] < settings.qa_pass_mark) | _flag(e, s.CRITICAL_ERROR)
    return pd.concat(
        [
            segments(e, agents, settings.hour_bands, settings.live_channels),
            e[[s.CONTACT_ID, s.REVIEWER_ID, s.SCORE]],
            pd.DataFrame({f.N: 1, f.FAILED: failed.astype(int)}, index=e.index),
        ],
        axis=1,
    )


def satisfaction_points(surveys: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Each survey's satisfaction on 0–100: the weighted mean of its answered items (CSAT,
    NPS, effort reversed), so a survey answering only NPS still counts."""
    scaled = pd.DataFrame(
        {
            s.CSAT: 25 * (surveys[s.CSAT] - 1),
            s.NPS: 10 * surveys[s.NPS],
            s.EFFORT: 100 * (7 - surveys[s.EFFORT]) / 6,
        }
    )
    weight = pd.Series(weights, dtype="float64").reindex(scaled.columns, fill_value=0.0)
    present = scaled.notna().astype(float).mul(weight, axis=1)
    total = present.sum(axis=1)
    return scaled.fillna(0).mul(weight, axis=1).sum(axis=1) / total.where(total > 0)


def survey_facts(
    surveys: pd.DataFrame,
    contacts: pd.DataFrame,
    agents: pd.DataFrame,
    settings: Settings,
    position: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per survey of a period contact, with the contact's segments (and its id, so a
    survey can be put on its contact's day)."""
    v = _with_contact(
        surveys[[s.SURVEY_ID, s.CONTACT_ID, s.CSAT, s.NPS, s.EFFORT]],
        contacts,
        [s.CHANNEL, s.CATEGORY, s.CREATED_AT, s.AGENT_ID, s.SALES_OFFER],
        position,
    )
    has_csat = v[s.CSAT].notna()
    has_nps = v[s.NPS].notna()
    top2 = v[s.CSAT] >= 4
    offered = _flag(v, s.SALES_OFFER)
    points = satisfaction_points(v, settings.satisfaction_weights)
    return pd.concat(
        [
            segments(v, agents, settings.hour_bands, settings.live_channels),
            v[[s.CONTACT_ID]],
            pd.DataFrame(
                {
                    f.N: 1,
                    s.CSAT: v[s.CSAT].fillna(0),
                    f.CSAT_N: has_csat.astype(int),
                    f.CSAT_TOP2: (v[s.CSAT] >= 4).astype(int),
                    f.NPS_N: has_nps.astype(int),
                    f.PROMOTER: (v[s.NPS] >= 9).astype(int),
                    f.DETRACTOR: (has_nps & (v[s.NPS] <= 6)).astype(int),
                    f.SATISFACTION_POINTS: points.fillna(0),
                    f.SATISFACTION_N: points.notna().astype(int),
                    s.EFFORT: v[s.EFFORT].fillna(0),
                    f.EFFORT_N: v[s.EFFORT].notna().astype(int),
                    f.OFFER_CSAT_N: (has_csat & offered).astype(int),
                    f.OFFER_TOP2: (top2 & offered).astype(int),
                    f.NO_OFFER_CSAT_N: (has_csat & ~offered).astype(int),
                    f.NO_OFFER_TOP2: (top2 & ~offered).astype(int),
                },
                index=v.index,
            ),
        ],
        axis=1,
    )


def fcr_is_provisional(period: Period, settings: Settings, now: datetime) -> bool:
    """Whether FCR is still provisional at NOW: the period's last contacts may yet repeat."""
    return now < period.end(settings.zone) + REPEAT_WINDOW


def build_facts(
    clean: dict[str, pd.DataFrame], period: Period, settings: Settings, fcr_provisional: bool
) -> f.Facts:
    """All facts frames of a period, from validated input (FCR_PROVISIONAL: see
    `fcr_is_provisional`; passed in so the facts depend on their inputs only)."""
    contacts, agents = clean[s.CONTACTS.name], clean[s.AGENTS.name]
    # picked once: a copy, of the columns the period's facts read (not the customer, which
    # only the repeat window reads, on every contact: 65 MB of a 3.7 M-contact quarter)
    in_period = contacts.loc[
        created_in(contacts, period, settings),
        [c for c in contacts.columns if c not in UNREAD_IN_PERIOD],
    ]
    period_contacts = contact_facts(contacts, agents, period, settings, in_period)
    evaluations, surveys = clean[s.QA_EVALUATIONS.name], clean[s.SURVEYS.name]
    # one hash of the period's contact ids for both lookups (0.8 s each at 3 M contacts)
    evaluated, surveyed = positions_in(
        in_period[s.CONTACT_ID], evaluations[s.CONTACT_ID], surveys[s.CONTACT_ID]
    )
    qa = qa_facts(evaluations, in_period, agents, settings, evaluated)
    return f.Facts(
        contacts=period_contacts,
        backlog=backlog_facts(contacts, agents, period, settings),
        qa=qa,
        # only a contact evaluated more than once can have two reviewers in a segment
        calibration=qa[qa[s.CONTACT_ID].duplicated(keep=False).to_numpy(dtype=bool)],
        surveys=survey_facts(surveys, in_period, agents, settings, surveyed),
        fcr_provisional=fcr_provisional,
        months=period.calendar_months,
    )
