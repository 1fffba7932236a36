"""KPIs: every core KPI of the data contract, overall and by segment, with target and status.

Each KPI is a numerator and a denominator summed over a facts frame (one row per contact,
evaluation or survey), so every segment uses exactly the contract's definition.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from csreview import schema as s
from csreview.catalog import KPIS_BY_KEY
from csreview.frames import positions, positions_in
from csreview.periods import REPEAT_WINDOW, Period
from csreview.settings import Band, Settings

# ---------------------------------------------------------------- names
KPI: Final = "kpi"
DIMENSION: Final = "dimension"
SEGMENT: Final = "segment"
VALUE: Final = "value"
NUMERATOR: Final = "numerator"
DENOMINATOR: Final = "denominator"
TARGET: Final = "target"
STATUS: Final = "status"
KPI_COLUMNS: Final = (KPI, DIMENSION, SEGMENT, VALUE, NUMERATOR, DENOMINATOR, TARGET, STATUS)

ALL: Final = "all"
UNASSIGNED: Final = "unassigned"
HOUR_BAND: Final = "hour_band"
WEEKDAY: Final = "weekday"
AGENT: Final = "agent"
DIMENSIONS: Final = (
    ALL,
    s.CHANNEL,
    s.CATEGORY,
    s.TEAM,
    s.TIER,
    s.SITE,
    HOUR_BAND,
    WEEKDAY,
    AGENT,
)
DIMENSION_LABELS: Final = {  # English msgids of the dimension names
    ALL: "all contacts",
    s.CHANNEL: "channel",
    s.CATEGORY: "category",
    HOUR_BAND: "time band",
    s.TEAM: "team",
    s.TIER: "tier",
    s.SITE: "site",
    WEEKDAY: "weekday",
    AGENT: "agent",
}
HOUR: Final = "_hour"  # hour of day of created_at, for staffing per hour
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# fact columns
N: Final = "n"
ANSWERED: Final = "answered"
COUNTED: Final = "counted"  # answered + abandoned − short abandons
ABANDON_COUNTED: Final = "abandon_counted"
WITHIN_SL: Final = "within_sl"
WAIT: Final = "wait_seconds"
HANDLE: Final = "handle_seconds"
NOT_REPEATED: Final = "not_repeated"
HANDLED_COMPLAINT: Final = "handled_complaint"
HANDLED_ESCALATED: Final = "handled_escalated"
HANDLED_TRANSFERRED: Final = "handled_transferred"
OFFERED: Final = "offered"
SOLD: Final = "sold"
FAILED: Final = "failed"
CSAT_N: Final = "csat_n"
CSAT_TOP2: Final = "csat_top2_n"
NPS_N: Final = "nps_n"
PROMOTER: Final = "promoter"
DETRACTOR: Final = "detractor"
SPREAD: Final = "spread"
SATISFACTION_POINTS: Final = "satisfaction_points"
SATISFACTION_N: Final = "satisfaction_n"
EFFORT_N: Final = "effort_n"
OFFER_CSAT_N: Final = "offer_csat_n"
OFFER_TOP2: Final = "offer_top2"
NO_OFFER_CSAT_N: Final = "no_offer_csat_n"
NO_OFFER_TOP2: Final = "no_offer_top2"

Source = Literal["contacts", "backlog", "qa", "calibration", "surveys"]
Kind = Literal["ratio", "count", "median", "p90", "nps", "response", "balance"]


@dataclass(frozen=True)
class KpiRule:
    """How one KPI is computed from a facts frame."""

    key: str
    source: Source
    kind: Kind
    numerator: str = N
    denominator: str = N
    integer_numerator: bool = True


RULES: Final = (
    KpiRule("contacts", "contacts", "count"),
    KpiRule("service_level", "contacts", "ratio", WITHIN_SL, COUNTED),
    KpiRule("asa_seconds", "contacts", "ratio", WAIT, ANSWERED, integer_numerator=False),
    KpiRule("abandon_rate", "contacts", "ratio", ABANDON_COUNTED, COUNTED),
    KpiRule("frt_median_seconds", "contacts", "median", WAIT, ANSWERED),
    KpiRule("frt_p90_seconds", "contacts", "p90", WAIT, ANSWERED),
    KpiRule("aht_seconds", "contacts", "ratio", HANDLE, ANSWERED, integer_numerator=False),
    KpiRule("fcr", "contacts", "ratio", NOT_REPEATED, ANSWERED),
    KpiRule("complaint_rate", "contacts", "ratio", HANDLED_COMPLAINT, ANSWERED),
    KpiRule("escalation_rate", "contacts", "ratio", HANDLED_ESCALATED, ANSWERED),
    KpiRule("transfer_rate", "contacts", "ratio", HANDLED_TRANSFERRED, ANSWERED),
    KpiRule("backlog", "backlog", "count"),
    KpiRule("conversion_rate", "contacts", "ratio", SOLD, OFFERED),
    KpiRule("qa_score", "qa", "ratio", s.SCORE, N, integer_numerator=False),
    KpiRule("qa_fail_rate", "qa", "ratio", FAILED, N),
    KpiRule("qa_reviewer_spread", "calibration", "ratio", SPREAD, N, integer_numerator=False),
    KpiRule("csat", "surveys", "ratio", s.CSAT, CSAT_N),
    KpiRule("csat_top2", "surveys", "ratio", CSAT_TOP2, CSAT_N),
    KpiRule("nps", "surveys", "nps", NPS_N, NPS_N),
    KpiRule("survey_response_rate", "surveys", "response", N, ANSWERED),
    KpiRule(
        "satisfaction_index", "surveys", "ratio", SATISFACTION_POINTS, SATISFACTION_N,
        integer_numerator=False,
    ),
    KpiRule("effort_score", "surveys", "ratio", s.EFFORT, EFFORT_N),
    KpiRule("sales_satisfaction_ratio", "surveys", "balance", OFFER_TOP2, OFFER_CSAT_N),
)  # fmt: skip


@dataclass(frozen=True)
class Facts:
    """One row per contact, backlog item, evaluation or survey, with its segments."""

    contacts: pd.DataFrame
    backlog: pd.DataFrame
    qa: pd.DataFrame
    calibration: pd.DataFrame  # the evaluations of contacts evaluated more than once
    surveys: pd.DataFrame
    fcr_provisional: bool
    months: tuple[int, ...] = ()  # calendar months of the period: seasonal targets


# ---------------------------------------------------------------- segments
def hour_band_labels(bands: tuple[int, ...]) -> list[str]:
    return [f"{a:02d}-{b:02d}" for a, b in itertools.pairwise(bands)]


def in_text_order(codes: np.ndarray, labels: Any) -> pd.Categorical:
    """`labels[code]` for each row (code -1: missing) as a categorical whose categories are
    in text order, built from the codes without hashing the rows again."""
    unique, inverse = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    recoded = np.where(codes >= 0, inverse.reshape(-1)[codes], -1)
    return pd.Categorical.from_codes(recoded, categories=pd.Index(unique, dtype="string"))


def segments(frame: pd.DataFrame, agents: pd.DataFrame, bands: tuple[int, ...]) -> pd.DataFrame:
    """The segment columns of contacts (or rows carrying created_at and agent_id), each a
    categorical whose categories are in text order: grouping by a segment then works on
    integer codes, in the same order as grouping by its text."""
    by_agent = agents.drop_duplicates(s.AGENT_ID).set_index(s.AGENT_ID)
    agent_codes, agent_ids = frame[s.AGENT_ID].factorize()
    # each row's position in `by_agent`; -1 (no agent, or an unknown one) picks `unassigned`
    position = np.where(
        agent_codes >= 0, by_agent.index.get_indexer(pd.Index(agent_ids))[agent_codes], -1
    )
    created = frame[s.CREATED_AT]
    band = pd.cut(created.dt.hour, bins=list(bands), right=False, labels=hour_band_labels(bands))

    def of_text(column: str) -> pd.Categorical:
        codes, labels = frame[column].factorize()
        return in_text_order(codes, labels)

    def of_agent(column: str) -> pd.Categorical:
        labels = by_agent[column].astype("string").fillna(UNASSIGNED).to_numpy(dtype=object)
        return in_text_order(np.where(position >= 0, position, len(labels)), [*labels, UNASSIGNED])

    return pd.DataFrame(
        {
            ALL: in_text_order(np.zeros(len(frame), dtype=np.int64), [ALL]),
            s.CHANNEL: of_text(s.CHANNEL),
            s.CATEGORY: of_text(s.CATEGORY),
            s.TEAM: of_agent(s.TEAM),
            s.TIER: of_agent(s.TIER),
            s.SITE: of_agent(s.SITE),
            HOUR_BAND: band,
            WEEKDAY: in_text_order(
                created.dt.day_of_week.fillna(-1).to_numpy(dtype=np.int64), WEEKDAYS
            ),
            AGENT: in_text_order(
                np.where(agent_codes >= 0, agent_codes, len(agent_ids)),
                np.append(np.asarray(agent_ids, dtype=object), UNASSIGNED),
            ),
        },
        index=frame.index,
    )


def in_segment(frame: pd.DataFrame, segment: tuple[tuple[str, str], ...]) -> pd.Series:
    """The rows of a facts frame inside a (possibly several-dimension) segment."""
    mask = pd.Series(True, index=frame.index)
    for dimension, value in segment:
        column = frame[dimension]
        if not (
            isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(column)
        ):
            column = column.astype(str)  # a segment names its value as text
        mask &= (column == value).to_numpy(dtype=bool, na_value=False)
    return mask


# ---------------------------------------------------------------- facts
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
    contacts: pd.DataFrame, agents: pd.DataFrame, period: Period, settings: Settings
) -> pd.DataFrame:
    """One row per contact of the period (C), with the measures every contact KPI sums."""
    repeated = repeated_contacts(contacts)
    in_period = created_in(contacts, period, settings)
    c = contacts[in_period]
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
            N: 1,
            ANSWERED: answered.astype(int),
            COUNTED: (answered | abandon_counted).astype(int),
            ABANDON_COUNTED: abandon_counted.astype(int),
            WITHIN_SL: (answered & (wait <= threshold)).astype(int),
            WAIT: wait.where(answered),
            HANDLE: handle.where(answered, 0.0),
            NOT_REPEATED: (answered & ~repeated[in_period]).astype(int),
            HANDLED_COMPLAINT: (answered & _flag(c, s.COMPLAINT)).astype(int),
            HANDLED_ESCALATED: (answered & _flag(c, s.ESCALATED)).astype(int),
            HANDLED_TRANSFERRED: (answered & _flag(c, s.TRANSFERRED)).astype(int),
            OFFERED: _flag(c, s.SALES_OFFER).astype(int),
            SOLD: _flag(c, s.SALE).astype(int),
        },
        index=c.index,
    )
    return pd.concat(
        [
            segments(c, agents, settings.hour_bands),
            measures,
            c[[s.CONTACT_ID]],
            pd.DataFrame({HOUR: c[s.CREATED_AT].dt.hour}, index=c.index),
        ],
        axis=1,
    )


def backlog_facts(
    contacts: pd.DataFrame, agents: pd.DataFrame, period: Period, settings: Settings
) -> pd.DataFrame:
    """Non-abandoned contacts created before the period end and still open at it."""
    end = pd.Timestamp(period.end(settings.zone))
    open_at_end = (
        ~_flag(contacts, s.ABANDONED)
        & (contacts[s.CREATED_AT] < end)
        & (contacts[s.CLOSED_AT].isna() | (contacts[s.CLOSED_AT] >= end))
    )
    b = contacts[open_at_end]
    return segments(b, agents, settings.hour_bands).assign(**{N: 1})


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
            segments(e, agents, settings.hour_bands),
            e[[s.CONTACT_ID, s.REVIEWER_ID, s.SCORE]],
            pd.DataFrame({N: 1, FAILED: failed.astype(int)}, index=e.index),
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
            segments(v, agents, settings.hour_bands),
            v[[s.CONTACT_ID]],
            pd.DataFrame(
                {
                    N: 1,
                    s.CSAT: v[s.CSAT].fillna(0),
                    CSAT_N: has_csat.astype(int),
                    CSAT_TOP2: (v[s.CSAT] >= 4).astype(int),
                    NPS_N: has_nps.astype(int),
                    PROMOTER: (v[s.NPS] >= 9).astype(int),
                    DETRACTOR: (has_nps & (v[s.NPS] <= 6)).astype(int),
                    SATISFACTION_POINTS: points.fillna(0),
                    SATISFACTION_N: points.notna().astype(int),
                    s.EFFORT: v[s.EFFORT].fillna(0),
                    EFFORT_N: v[s.EFFORT].notna().astype(int),
                    OFFER_CSAT_N: (has_csat & offered).astype(int),
                    OFFER_TOP2: (top2 & offered).astype(int),
                    NO_OFFER_CSAT_N: (has_csat & ~offered).astype(int),
                    NO_OFFER_TOP2: (top2 & ~offered).astype(int),
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
) -> Facts:
    """All facts frames of a period, from validated input (FCR_PROVISIONAL: see
    `fcr_is_provisional`; passed in so the facts depend on their inputs only)."""
    contacts, agents = clean[s.CONTACTS.name], clean[s.AGENTS.name]
    period_contacts = contact_facts(contacts, agents, period, settings)
    in_period = contacts[created_in(contacts, period, settings)]
    evaluations, surveys = clean[s.QA_EVALUATIONS.name], clean[s.SURVEYS.name]
    # one hash of the period's contact ids for both lookups (0.8 s each at 3 M contacts)
    evaluated, surveyed = positions_in(
        in_period[s.CONTACT_ID], evaluations[s.CONTACT_ID], surveys[s.CONTACT_ID]
    )
    qa = qa_facts(evaluations, in_period, agents, settings, evaluated)
    return Facts(
        contacts=period_contacts,
        backlog=backlog_facts(contacts, agents, period, settings),
        qa=qa,
        # only a contact evaluated more than once can have two reviewers in a segment
        calibration=qa[qa[s.CONTACT_ID].duplicated(keep=False).to_numpy(dtype=bool)],
        surveys=survey_facts(surveys, in_period, agents, settings, surveyed),
        fcr_provisional=fcr_provisional,
        months=period.calendar_months,
    )


# ---------------------------------------------------------------- aggregation
MEASURES: Final[dict[Source, tuple[str, ...]]] = {  # what the KPIs of each source sum
    "contacts": (
        N, ANSWERED, COUNTED, ABANDON_COUNTED, WITHIN_SL, WAIT, HANDLE, NOT_REPEATED,
        HANDLED_COMPLAINT, HANDLED_ESCALATED, HANDLED_TRANSFERRED, OFFERED, SOLD,
    ),
    "backlog": (N,),
    "qa": (N, s.SCORE, FAILED),
    "surveys": (
        N, s.CSAT, CSAT_N, CSAT_TOP2, NPS_N, PROMOTER, DETRACTOR, SATISFACTION_POINTS,
        SATISFACTION_N, s.EFFORT, EFFORT_N, OFFER_CSAT_N, OFFER_TOP2, NO_OFFER_CSAT_N,
        NO_OFFER_TOP2,
    ),
}  # fmt: skip


QUANTILES: Final = {"median": 0.5, "p90": 0.9}


class _Segments:
    """The sums of one dimension's segments, per facts frame, each grouped once and shared
    by every KPI of that frame (a column's sum does not depend on the others summed)."""

    def __init__(self, facts: Facts, dimension: str, answered: pd.DataFrame) -> None:
        self.facts = facts
        self.dimension = dimension
        self.answered = answered  # the answered contacts' segments and waits
        self._sums: dict[Source, pd.DataFrame] = {}
        self._waits: Any = None
        self._quantiles: pd.DataFrame | None = None

    def frame(self, source: Source) -> pd.DataFrame:
        frames: dict[Source, pd.DataFrame] = {
            "contacts": self.facts.contacts,
            "backlog": self.facts.backlog,
            "qa": self.facts.qa,
            "calibration": self.facts.calibration,
            "surveys": self.facts.surveys,
        }
        return frames[source]

    def sums(self, source: Source) -> pd.DataFrame:
        if source not in self._sums:
            frame = self.frame(source)
            self._sums[source] = frame.groupby(self.dimension, observed=True, sort=True)[
                list(MEASURES[source])
            ].sum()
        return self._sums[source]

    def waits(self) -> Any:
        """The waits of answered contacts, grouped by segment."""
        if self._waits is None:
            self._waits = self.answered.groupby(self.dimension, observed=True)[WAIT]
        return self._waits

    def quantile(self, q: float) -> pd.Series:
        """A quantile of the waits per segment (the median and the 90th in one pass)."""
        if self._quantiles is None:
            qs = list(QUANTILES.values())
            # no answered contact in any segment: no column, and every value missing
            self._quantiles = self.waits().quantile(qs).unstack().reindex(columns=qs)
        return self._quantiles[q]


def _calibration_spread(qa: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Per segment: sum of (max − min score) over contacts with 2+ distinct reviewers, and
    the number of such contacts."""
    per_contact = qa.groupby([dimension, s.CONTACT_ID], observed=True).agg(
        reviewers=(s.REVIEWER_ID, "nunique"), high=(s.SCORE, "max"), low=(s.SCORE, "min")
    )
    calibrated = per_contact[per_contact["reviewers"] >= 2]
    spread = (calibrated["high"] - calibrated["low"]).groupby(level=0, observed=True)
    return pd.DataFrame({SPREAD: spread.sum(), N: spread.size()})


def _rule_rows(rule: KpiRule, segments: _Segments) -> pd.DataFrame:
    """numerator, denominator and value of one KPI for every segment of one dimension."""
    if rule.kind == "count":
        n = segments.sums("backlog" if rule.source == "backlog" else "contacts")[N]
        return pd.DataFrame({NUMERATOR: n, DENOMINATOR: np.nan, VALUE: n.astype("float64")})
    if rule.kind in ("median", "p90"):
        segments_ = segments.sums("contacts").index
        return pd.DataFrame(
            {
                NUMERATOR: np.nan,
                DENOMINATOR: segments.waits().size().reindex(segments_, fill_value=0),
                VALUE: segments.quantile(QUANTILES[rule.kind]).reindex(segments_),
            }
        )
    if rule.kind == "nps":
        sums = segments.sums("surveys")
        n = sums[NPS_N]
        value = 100 * (sums[PROMOTER] - sums[DETRACTOR]) / n.where(n > 0)
        return pd.DataFrame({NUMERATOR: np.nan, DENOMINATOR: n, VALUE: value})
    if rule.kind == "response":
        handled = segments.sums("contacts")[ANSWERED]
        answered_surveys = segments.sums("surveys")[N].reindex(handled.index, fill_value=0)
        return _ratio(answered_surveys, handled)
    if rule.kind == "balance":
        sums = segments.sums("surveys")
        with_offer = sums[OFFER_TOP2] / sums[OFFER_CSAT_N].where(sums[OFFER_CSAT_N] > 0)
        without = sums[NO_OFFER_TOP2] / sums[NO_OFFER_CSAT_N].where(sums[NO_OFFER_CSAT_N] > 0)
        return pd.DataFrame(
            {
                NUMERATOR: np.nan,
                DENOMINATOR: np.minimum(sums[OFFER_CSAT_N], sums[NO_OFFER_CSAT_N]),
                VALUE: with_offer / without.where(without > 0),
            }
        )
    if rule.source == "calibration":
        spread = _calibration_spread(segments.facts.calibration, segments.dimension)
        return _ratio(spread[SPREAD], spread[N])
    sums = segments.sums(rule.source)
    return _ratio(sums[rule.numerator], sums[rule.denominator])


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.DataFrame:
    value = numerator / denominator.where(denominator > 0)
    return pd.DataFrame({NUMERATOR: numerator, DENOMINATOR: denominator, VALUE: value})


# ---------------------------------------------------------------- status
EDGE_TOLERANCE: Final = 1e-9  # relative to the band edge (absolute below 1)


def status_of(
    value: float, denominator: float, band: Band | None, direction: str, min_sample: int
) -> str:
    """`na` without value or target, `low_sample` below min_sample, else ok / warn / breach."""
    if pd.isna(value):
        return "na"
    if not pd.isna(denominator) and denominator < min_sample:
        return "low_sample"
    if band is None or direction == "none":
        return "na"
    sign = 1 if direction == "higher" else -1
    if reaches(sign * (value - band.target), band.target):
        return "ok"
    if reaches(sign * (value - band.warn), band.warn):
        return "warn"
    return "breach"


def reaches(margin: float, edge: float) -> bool:
    """Whether a value MARGIN beyond a band EDGE (negative: short of it) reaches the edge,
    to within `EDGE_TOLERANCE`: a mean of one-decimal scores that is exactly the target
    sums, in one order of its rows, to a last bit below it."""
    return margin >= -EDGE_TOLERANCE * max(abs(edge), 1.0)


def _band(
    settings: Settings, key: str, dimension: str, segment: str, months: tuple[int, ...]
) -> Band | None:
    spec = settings.targets.get(key)
    if spec is None:
        return None
    return spec.band(
        channel=segment if dimension == s.CHANNEL else None,
        tier=segment if dimension == s.TIER else None,
        months=months,
    )


def compute_kpis(
    facts: Facts, settings: Settings, dimensions: tuple[str, ...] = DIMENSIONS
) -> pd.DataFrame:
    """The long KPI table (`kpis.csv`): every KPI for every non-empty segment of every dimension."""
    parts = []
    contacts = facts.contacts
    answered = contacts.loc[contacts[ANSWERED] == 1, [*dimensions, WAIT]]
    for dimension in dimensions:
        segments_ = _Segments(facts, dimension, answered)
        for rule in RULES:
            rows = _rule_rows(rule, segments_)
            parts.append(
                rows.rename_axis(SEGMENT)
                .reset_index()
                .assign(**{KPI: rule.key, DIMENSION: dimension})
            )
    table = pd.concat(parts, ignore_index=True)
    table = table.assign(**{SEGMENT: table[SEGMENT].astype(str)})
    direction = table[KPI].map({k: v.direction for k, v in KPIS_BY_KEY.items()})
    known: dict[tuple[str, str, str], Band | None] = {}  # a band depends on channel and tier only

    def band(kpi: str, dimension: str, segment: str) -> Band | None:
        key = (kpi, dimension, segment) if dimension in (s.CHANNEL, s.TIER) else (kpi, "", "")
        if key not in known:
            known[key] = _band(settings, kpi, dimension, segment, facts.months)
        return known[key]

    labels = zip(*(table[c].tolist() for c in (KPI, DIMENSION, SEGMENT)), strict=True)
    bands = [band(k, d, g) for k, d, g in labels]  # lists: iterating Arrow text is slower
    targets = [np.nan if b is None else b.target for b in bands]
    statuses = [
        status_of(v, n, b, dr, settings.min_sample)
        for v, n, b, dr in zip(
            table[VALUE].tolist(),
            table[DENOMINATOR].tolist(),
            bands,
            direction.tolist(),
            strict=True,
        )
    ]
    return (
        table.assign(
            **{  # type: ignore[arg-type]
                TARGET: pd.Series(targets, index=table.index),
                STATUS: pd.Series(statuses, index=table.index),
            }
        )
        .loc[:, list(KPI_COLUMNS)]
        .sort_values([KPI, DIMENSION, SEGMENT], kind="stable")
        .reset_index(drop=True)
    )


def count_kpis() -> frozenset[str]:
    """KPIs whose value is a count (written as an integer)."""
    return frozenset(r.key for r in RULES if r.kind == "count")


def integer_numerators() -> frozenset[str]:
    """KPIs whose numerator is a count (written as an integer)."""
    return frozenset(
        r.key
        for r in RULES
        if r.integer_numerator and r.kind not in ("median", "p90", "nps", "balance")
    )


def overall(kpis: pd.DataFrame) -> pd.DataFrame:
    """The dimension-`all` rows, indexed by KPI key."""
    return kpis[kpis[DIMENSION] == ALL].set_index(KPI)
