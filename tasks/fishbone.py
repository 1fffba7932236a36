"""Fishbone hypotheses: the six cause categories (人机料法环测) tested on data for one problem.

A draft is only worth taking into a meeting if every cause it names is backed by numbers:
each hypothesis runs one test against a threshold of the playbook and quotes what it found.
One the data cannot test, or one that would restate how the segment is defined, says so and
is never verified.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final, Literal, Protocol

import numpy as np
import pandas as pd
from scipy import stats

from csreview import schema as s
from csreview.frames import among, positions, rows_at
from csreview.i18n import mark as _n
from csreview.periods import Period
from csreview.settings import Settings
from tasks import compare
from tasks import kpis as k
from tasks import staffing as st
from tasks.extract import parse_table
from tasks.validate import REASON

Segment = tuple[tuple[str, str], ...]
Verdict = Literal["verified", "not_supported", "not_testable"]
VERDICTS: Final = ("verified", "not_supported", "not_testable")
FISHBONE: Final = ("people", "machine", "material", "method", "environment", "measurement")


class Wording(Protocol):
    """How the run's language words things (render.Formatter is one)."""

    def _(self, message: str) -> str: ...
    def label(self, kpi: str) -> str: ...
    def kpi_value(self, kpi: str, value: float) -> str: ...
    def segment(self, dimension: str, value: str) -> str: ...


# ---------------------------------------------------------------- defects
@dataclass(frozen=True)
class DefectKind:
    """A KPI read as defects over a base, e.g. service-level misses over offered contacts."""

    kpi: str
    source: str
    defects: Callable[[pd.DataFrame], pd.Series]
    base: str
    defect_rate_target: Callable[[float], float]

    @property
    def by_agent(self) -> bool:
        """Whether an agent can be held to the defect: not for waits and abandons, which
        happen before anyone answers."""
        return self.base != k.COUNTED


DEFECT_KINDS: Final = (
    DefectKind("service_level", "contacts", lambda f: f[k.COUNTED] - f[k.WITHIN_SL], k.COUNTED, lambda t: 1 - t),
    DefectKind("abandon_rate", "contacts", lambda f: f[k.ABANDON_COUNTED], k.COUNTED, lambda t: t),
    DefectKind("complaint_rate", "contacts", lambda f: f[k.HANDLED_COMPLAINT], k.ANSWERED, lambda t: t),
    DefectKind("fcr", "contacts", lambda f: f[k.ANSWERED] - f[k.NOT_REPEATED], k.ANSWERED, lambda t: 1 - t),
    DefectKind("csat_top2", "surveys", lambda f: f[k.CSAT_N] - f[k.CSAT_TOP2], k.CSAT_N, lambda t: 1 - t),
    DefectKind("qa_fail_rate", "qa", lambda f: f[k.FAILED], k.N, lambda t: t),
)  # fmt: skip
KINDS_BY_KPI: Final = {kind.kpi: kind for kind in DEFECT_KINDS}
BASE_NOUNS: Final = {  # what a defect rate is counted over, by facts source
    "contacts": _n("customer contacts"),
    "surveys": _n("surveys"),
    "qa": _n("QA evaluations"),
}


def kpi_from_defect_rate(kpi: str, defect_rate: float) -> float:
    """A defect rate read back as the KPI's own value (e.g. misses → service level), and a
    KPI value as its defect rate (the mapping is its own inverse)."""
    return 1 - defect_rate if kpi in ("service_level", "fcr", "csat_top2") else defect_rate


def source_frame(facts: k.Facts, source: str) -> pd.DataFrame:
    """The facts frame a defect kind is counted on."""
    return {"contacts": facts.contacts, "surveys": facts.surveys, "qa": facts.qa}[source]


# ---------------------------------------------------------------- what the tests look at
DAY: Final = "_day"  # local calendar day of created_at
TENURE: Final = "_tenure_days"  # the handling agent's days since hire at the period start
AGENT_QA: Final = "_agent_qa"  # the handling agent's mean QA score in the period
UNRESOLVED: Final = "_unresolved"  # handled and not flagged resolved
UNDERSTAFFED: Final = "_understaffed"  # live contact arriving in an Erlang C understaffed interval
PLACED: Final = "_placed"  # a quarantined row whose period and segment could be read


@dataclass(frozen=True)
class ReviewData:
    """What the hypotheses of one review look at, built once for all its problems."""

    facts: k.Facts
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


def hourly_load(
    contacts: pd.DataFrame, shifts: pd.DataFrame, period: Period, settings: Settings
) -> pd.Series:
    """Contacts per scheduled agent-hour, by hour of day, over the period."""
    zone = settings.zone
    start, end = pd.Timestamp(period.start(zone)), pd.Timestamp(period.end(zone))
    arrivals = contacts.groupby(k.HOUR).size().reindex(range(24), fill_value=0)
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
    facts: k.Facts,
    clean: Mapping[str, pd.DataFrame],
    period: Period,
    settings: Settings,
    staffing: pd.DataFrame | None,
) -> pd.DataFrame:
    """What the facts of a contact do not hold but hypotheses need: its day, resolution, the
    handling agent's tenure and QA score, and whether it arrived understaffed."""
    c = facts.contacts
    contacts = clean[s.CONTACTS.name]  # validated: one row per contact id
    at = positions(c[s.CONTACT_ID], contacts[s.CONTACT_ID])
    joined = rows_at(contacts[[s.CREATED_AT, s.RESOLVED]], at, c.index)
    created = joined[s.CREATED_AT]
    agents = clean[s.AGENTS.name].drop_duplicates(s.AGENT_ID).set_index(s.AGENT_ID)
    hired = c[k.AGENT].map(agents[s.HIRED_ON]) if len(agents) else pd.Series(pd.NaT, c.index)
    start = pd.Timestamp(period.start(settings.zone).date())
    tenure = (start - pd.to_datetime(hired)).dt.days.clip(lower=0)
    scores = facts.qa.groupby(k.AGENT, observed=True)[s.SCORE].mean()
    return pd.DataFrame(
        {
            DAY: created.dt.tz_localize(None).dt.normalize(),
            TENURE: tenure.where(c[k.ANSWERED] == 1).astype("float64"),
            AGENT_QA: c[k.AGENT].map(scores).where(c[k.ANSWERED] == 1).astype("float64"),
            UNRESOLVED: (
                (c[k.ANSWERED] == 1) & ~joined[s.RESOLVED].fillna(False).astype(bool)
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
    contacts = clean[s.CONTACTS.name][columns]
    asked = pd.concat([surveys[s.CONTACT_ID], evaluations[s.CONTACT_ID]], ignore_index=True)
    of_contact = pd.concat(
        [
            contacts[among(contacts[s.CONTACT_ID], asked)],
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
        seg = k.segments(kept[readable_kept], agents, settings.hour_bands)
        return seg.reindex(kept.index).assign(**{PLACED: readable_kept.to_numpy()})

    return {
        "contacts": placed(bad_contacts),
        "surveys": placed(surveys.merge(of_contact, on=s.CONTACT_ID, how="left")),
        "qa": placed(
            evaluations.merge(of_contact.drop(columns=[s.AGENT_ID]), on=s.CONTACT_ID, how="left")
        ),
    }


def review_data(
    facts: k.Facts,
    clean: Mapping[str, pd.DataFrame],
    period: Period,
    settings: Settings,
    *,
    previous: pd.DataFrame | None = None,
    staffing: pd.DataFrame | None = None,
    quarantine: Mapping[str, pd.DataFrame] | None = None,
) -> ReviewData:
    """Everything the hypotheses look at, from the review's own data and, when given, the
    previous period's KPI rows, the Erlang C staffing summary and the quarantined rows."""
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
        has_staffing=staffing is not None and not staffing.empty,
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
    )


# ---------------------------------------------------------------- one problem's case
REST_COLUMNS: Final = (  # what the tests read of the contacts outside the segment
    s.CHANNEL, k.HOUR, k.ANSWERED, k.HANDLE, k.NOT_REPEATED, k.HANDLED_TRANSFERRED,
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    """One problem segment against the rest of the centre, with the review's data."""

    rank: int
    kpi: str
    segment: Segment
    data: ReviewData

    @property
    def kind(self) -> DefectKind:
        return KINDS_BY_KPI[self.kpi]

    @cached_property
    def inside(self) -> pd.Series:
        """Which contacts of the period are in the segment (worked out once per problem)."""
        return k.in_segment(self.data.facts.contacts, self.segment)

    @cached_property
    def seg(self) -> pd.DataFrame:
        return self.data.facts.contacts[self.inside]

    @cached_property
    def rest(self) -> pd.DataFrame:
        """The other contacts, over the columns the tests read of them (nearly every row of
        the period: copying all the facts' columns for each problem took seconds)."""
        return self.data.facts.contacts.loc[~self.inside, list(REST_COLUMNS)]

    @property
    def handled(self) -> pd.Series:
        return self.data.facts.contacts[k.ANSWERED] == 1

    def defined_by(self, dimension: str) -> bool:
        return any(d == dimension for d, _value in self.segment)

    def source(self) -> pd.DataFrame:
        """The segment's rows of the facts its KPI is counted on."""
        frame = source_frame(self.data.facts, self.kind.source)
        return frame[k.in_segment(frame, self.segment)]

    def defects_by(self, column: str) -> pd.DataFrame:
        """The segment's defects (`_defects`) and base (`_base`) per agent or team; rows
        with none left out."""
        frame = self.source()
        frame = frame[frame[column].astype(str) != k.UNASSIGNED]
        return (
            frame.assign(_defects=self.kind.defects(frame), _base=frame[self.kind.base])
            .groupby(column, observed=True)[["_defects", "_base"]]
            .sum()
        )


@dataclass(frozen=True)
class Result:
    """What one test found: its verdict, the numbers, and how far past its threshold."""

    verdict: Verdict
    evidence: str
    strength: float = 0.0


def _untestable(evidence: str) -> Result:
    return Result("not_testable", evidence)


def _judged(passed: bool, strength: float, evidence: str) -> Result:
    return Result("verified" if passed else "not_supported", evidence, strength)


def _share(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else math.nan


def _rate(frame: pd.DataFrame, numerator: str, denominator: str) -> float:
    return _share(frame[numerator].sum(), frame[denominator].sum())


Limits = Mapping[str, Any]
Check = Callable[[Case, Limits, Wording], Result]


def _ratio_and_gap(seg: float, rest: float, ratio: float, gap: float) -> tuple[bool, float]:
    """Segment against rest: at least `ratio` times and `gap` above; strength is the
    smaller of the two margins."""
    by_ratio = seg / rest / ratio if rest > 0 else (math.inf if seg > 0 else 0.0)
    by_gap = (seg - rest) / gap if gap > 0 else math.inf
    strength = min(by_ratio, by_gap)
    return strength >= 1, strength


def _rates(
    seg: float, rest: float, limits: Limits, ratio: str, gap: str, evidence: str, words: Wording
) -> Result:
    """Two rates judged by `_ratio_and_gap` against the playbook's `ratio` and `gap`, with
    the evidence (a msgid with `{seg}` and `{rest}`) filled in; a rate without a base
    leaves nothing to compare."""
    if math.isnan(seg) or math.isnan(rest):
        return _untestable(words._("no handled contacts to compare"))
    passed, strength = _ratio_and_gap(seg, rest, limits[ratio], limits[gap])
    return _judged(passed, strength, evidence.format(seg=seg, rest=rest))


def _past(value: float, threshold: float, evidence: str) -> Result:
    """Verified when `value` reaches `threshold`; strength is value ÷ threshold."""
    return _judged(value >= threshold, value / threshold, evidence)


def _gap(seg: float, rest: float, limits: Limits, key: str, evidence: str, **more: Any) -> Result:
    """Segment − rest judged against the playbook's `key`, with the evidence (a msgid with
    `{seg}`, `{rest}` and `more`) filled in."""
    return _past(seg - rest, limits[key], evidence.format(seg=seg, rest=rest, **more))


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# ---------------------------------------------------------------- people
def junior_share(case: Case, limits: Limits, words: Wording) -> Result:
    """Junior agents' share of the segment's handled contacts against the rest's."""
    if case.defined_by(s.TIER):
        return _untestable(
            words._("the segment is defined by agent tier, so its junior share cannot explain it")
        )
    handled = case.handled
    junior = case.data.facts.contacts[s.TIER] == "junior"
    inside, outside = handled & case.inside, handled & ~case.inside
    j_seg = float(junior[inside].mean()) if inside.any() else math.nan
    j_rest = float(junior[outside].mean()) if outside.any() else math.nan
    if math.isnan(j_seg) or math.isnan(j_rest):
        return _untestable(words._("no handled contacts to compare"))
    return _gap(
        j_seg,
        j_rest,
        limits,
        "junior_share_gap",
        words._(
            "junior agents handled {seg:.0%} of the segment's contacts vs {rest:.0%} elsewhere"
        ),
    )


def new_hires(case: Case, limits: Limits, words: Wording) -> Result:
    """Share of the segment's handled contacts taken by agents hired shortly before the period."""
    if case.defined_by(s.TIER):
        return _untestable(
            words._(
                "the segment is defined by agent tier, which follows tenure, so tenure cannot explain it"
            )
        )
    tenure = case.data.details[TENURE]
    seg, rest = tenure[case.inside].dropna(), tenure[~case.inside].dropna()
    if seg.empty or rest.empty:
        return _untestable(words._("no handled contacts to compare"))
    days = float(limits["new_hire_days"])
    return _gap(
        float((seg < days).mean()),
        float((rest < days).mean()),
        limits,
        "new_hire_share_gap",
        words._(
            "agents hired less than {days:.0f} days before the period handled {seg:.0%} of the "
            "segment's contacts vs {rest:.0%} elsewhere (median tenure {seg_median:.0f} vs "
            "{rest_median:.0f} days)"
        ),
        days=days,
        seg_median=float(seg.median()),
        rest_median=float(rest.median()),
    )


def agent_concentration(case: Case, limits: Limits, words: Wording) -> Result:
    """Whether a few agents hold most of the segment's defects: the agents with most defects
    against their share of the base, and a χ² test that agents' defect rates differ."""
    if not case.kind.by_agent:
        return _untestable(
            words._("waits and abandons happen before an agent answers, so no agent holds them")
        )
    per_agent = case.defects_by(k.AGENT)
    per_agent = per_agent[per_agent["_base"] > 0]
    n = len(per_agent)
    if n < limits["min_agents"]:
        return _untestable(
            words._("only {n} agents handled the segment; at least {least} are needed").format(
                n=n, least=limits["min_agents"]
            )
        )
    defects, base = float(per_agent["_defects"].sum()), float(per_agent["_base"].sum())
    if defects == 0 or defects == base:
        return _judged(
            False,
            0.0,
            words._("the segment's {n} agents all have the same defect rate").format(n=n),
        )
    top_n = max(1, math.ceil(limits["top_agents_share"] * n))
    ordered = per_agent.reset_index().sort_values(
        ["_defects", "_base", k.AGENT], ascending=[False, True, True], kind="stable"
    )
    top = ordered.head(top_n)
    defect_share = float(top["_defects"].sum()) / defects
    base_share = float(top["_base"].sum()) / base
    ratio = defect_share / base_share
    table = np.column_stack(
        [
            per_agent["_defects"].to_numpy(float),
            (per_agent["_base"] - per_agent["_defects"]).to_numpy(float),
        ]
    )
    p = float(stats.chi2_contingency(table).pvalue)
    return _judged(
        p < limits["concentration_p"] and ratio >= limits["concentration_ratio"],
        ratio / limits["concentration_ratio"] if p < limits["concentration_p"] else 0.0,
        words._(
            "the top {top} of {n} agents by defects hold {defects:.0%} of the segment's defects "
            "with {base:.0%} of its {noun} ({ratio:.1f}×); χ² test of agents' defect rates: {p}"
        ).format(
            top=top_n,
            n=n,
            defects=defect_share,
            base=base_share,
            noun=words._(BASE_NOUNS[case.kind.source]),
            ratio=ratio,
            p=_p_text(p),
        ),
    )


def agent_qa(case: Case, limits: Limits, words: Wording) -> Result:
    """The QA scores of the agents handling the segment (per contact handled) against the rest's."""
    if case.kpi == "qa_fail_rate":
        return _untestable(
            words._(
                "the problem is the QA result itself, so the agents' QA scores cannot explain it"
            )
        )
    scores = case.data.details[AGENT_QA]
    seg, rest = scores[case.inside].dropna(), scores[~case.inside].dropna()
    if len(seg) < case.data.min_sample or rest.empty:
        return _untestable(
            words._(
                "only {n} of the segment's contacts were handled by agents with QA reviews"
            ).format(n=len(seg))
        )
    gap = float(rest.mean() - seg.mean())
    return _past(
        gap,
        limits["qa_score_gap"],
        words._(
            "the agents handling the segment score {seg:.1f} QA points on average (per contact "
            "handled) vs {rest:.1f} elsewhere"
        ).format(seg=float(seg.mean()), rest=float(rest.mean())),
    )


# ---------------------------------------------------------------- machine
def handle_time(case: Case, limits: Limits, words: Wording) -> Result:
    """Average handle time of the segment against the rest's; like for like when the segment
    is of one channel (a chat takes longer than a call by nature)."""
    channel = dict(case.segment).get(s.CHANNEL)
    if channel is not None and len(case.segment) == 1:
        return _untestable(
            words._(
                "the segment is one channel, and handle times differ between channels by nature"
            )
        )
    rest = case.rest
    if channel is not None:
        rest = rest[k.in_segment(rest, ((s.CHANNEL, channel),))]
    aht_seg = _rate(case.seg, k.HANDLE, k.ANSWERED)
    aht_rest = _rate(rest, k.HANDLE, k.ANSWERED)
    if math.isnan(aht_seg) or math.isnan(aht_rest) or aht_rest == 0:
        return _untestable(words._("no handled contacts to compare"))
    ratio = aht_seg / aht_rest
    text = (
        words._(
            "average handle time {seg:.0f} s in the segment vs {rest:.0f} s in the same "
            "channel elsewhere"
        )
        if channel is not None
        else words._("average handle time {seg:.0f} s in the segment vs {rest:.0f} s elsewhere")
    )
    return _past(
        ratio,
        limits["handle_ratio"],
        text.format(seg=aht_seg, rest=aht_rest),
    )


MIN_DAYS: Final = 7  # days with enough contacts for a robust z to mean something


def robust_z(values: pd.Series) -> pd.Series:
    """(x − median) ÷ (1.4826 × MAD): how unusual each value is, not swayed by the outliers
    it looks for; 0 everywhere when the values do not vary."""
    median = values.median()
    scale = 1.4826 * float((values - median).abs().median())
    if scale == 0:
        scale = 1.2533 * float((values - median).abs().mean())
    if scale == 0:
        return pd.Series(0.0, index=values.index)
    return (values - median) / scale


def _days_of(case: Case, frame: pd.DataFrame) -> pd.Series:
    """The local day of each row of a facts frame (contacts directly, others by contact)."""
    details = case.data.details
    if case.kind.source == "contacts":
        days: pd.Series = details.loc[frame.index, DAY]
        return days
    at = positions(frame[s.CONTACT_ID], case.data.facts.contacts[s.CONTACT_ID])
    return rows_at(details[DAY], at, frame.index)


def day_spikes(case: Case, limits: Limits, words: Wording) -> Result:
    """Days on which the segment's handle time or wait was far above its usual day, and the
    share of its defects those days hold."""
    answered = case.seg[case.seg[k.ANSWERED] == 1]
    daily = (
        answered.assign(**{DAY: case.data.details.loc[answered.index, DAY]})
        .groupby(DAY)
        .agg(n=(k.ANSWERED, "size"), handle=(k.HANDLE, "mean"), wait=(k.WAIT, "mean"))
    )
    daily = daily[daily["n"] >= limits["min_day_contacts"]]
    if len(daily) < MIN_DAYS:
        return _untestable(
            words._(
                "only {days} days have at least {n} handled contacts in the segment; {least} are needed"
            ).format(days=len(daily), n=limits["min_day_contacts"], least=MIN_DAYS)
        )
    z_handle, z_wait = robust_z(daily["handle"]), robust_z(daily["wait"])
    worst = pd.concat([z_handle, z_wait], axis=1).max(axis=1)
    spikes = worst[worst >= limits["spike_z"]].index
    if len(spikes) == 0:
        return _judged(
            False,
            0.0,
            words._(
                "no day stands out: the highest robust z of daily handle time or wait is "
                "{z:.1f} over {days} days"
            ).format(z=float(worst.max()), days=len(daily)),
        )
    frame = case.source()
    on_spike = _days_of(case, frame).isin(spikes)
    defects, base = case.kind.defects(frame), frame[case.kind.base]
    defect_share = _share(defects[on_spike].sum(), defects.sum())
    base_share = _share(base[on_spike].sum(), base.sum())
    ratio = defect_share / base_share if base_share and not math.isnan(defect_share) else 0.0
    p = (
        compare.two_proportion_p(
            float(defects[on_spike].sum()), float(base[on_spike].sum()),
            float(defects[~on_spike].sum()), float(base[~on_spike].sum()),
        )
        if 0 < base_share < 1
        else 1.0
    )  # fmt: skip
    at = int(np.argmax(worst.to_numpy()))
    by_wait = bool(z_wait.iloc[at] >= z_handle.iloc[at])
    column = "wait" if by_wait else "handle"
    return _judged(
        ratio >= limits["spike_ratio"] and p < limits["spike_p"],
        ratio / limits["spike_ratio"],
        words._(
            "days with handle time or wait far above the segment's usual: {days} (worst "
            "{day}: {what} {value:.0f} s vs a median day's {median:.0f} s); they hold "
            "{defects:.0%} of its defects with {base:.0%} of its {noun} (z-test {p})"
        ).format(
            p=_p_text(p),
            days=len(spikes),
            day=pd.DatetimeIndex(daily.index)[at].date().isoformat(),
            what=words._("wait") if by_wait else words._("handle time"),
            value=float(daily[column].iloc[at]),
            median=float(daily[column].median()),
            defects=0.0 if math.isnan(defect_share) else defect_share,
            base=base_share,
            noun=words._(BASE_NOUNS[case.kind.source]),
        ),
    )


# ---------------------------------------------------------------- material
def repeat_contacts(case: Case, limits: Limits, words: Wording) -> Result:
    """Repeat contacts within 7 days (low FCR) of the segment against the rest's."""
    if case.kpi == "fcr":
        return _untestable(
            words._("the problem is the repeat rate itself (FCR), so repeats cannot explain it")
        )
    return _rates(
        1 - _rate(case.seg, k.NOT_REPEATED, k.ANSWERED),
        1 - _rate(case.rest, k.NOT_REPEATED, k.ANSWERED),
        limits,
        "repeat_ratio",
        "repeat_gap",
        words._("{seg:.1%} of handled contacts repeated within 7 days vs {rest:.1%} elsewhere"),
        words,
    )


def unresolved(case: Case, limits: Limits, words: Wording) -> Result:
    """Handled contacts the agent did not resolve (the `resolved` flag), segment against rest."""
    if not case.data.resolved_known:
        return _untestable(words._("the data carries no resolved flag"))
    flags = case.data.details[UNRESOLVED]
    handled = case.data.facts.contacts[k.ANSWERED]
    return _rates(
        _share(flags[case.inside].sum(), handled[case.inside].sum()),
        _share(flags[~case.inside].sum(), handled[~case.inside].sum()),
        limits,
        "unresolved_ratio",
        "unresolved_gap",
        words._("{seg:.1%} of handled contacts were not resolved vs {rest:.1%} elsewhere"),
        words,
    )


def transfer_repeats(case: Case, limits: Limits, words: Wording) -> Result:
    """Whether the segment's transferred contacts come back more than its other contacts: the
    agent who received them lacked the answer too. Compared within the segment, so a segment
    whose customers come back anyway does not count."""
    seg = case.seg[case.seg[k.ANSWERED] == 1]
    moved = seg[k.HANDLED_TRANSFERRED] == 1
    if moved.sum() < case.data.min_sample or moved.all():
        return _untestable(
            words._("only {n} of the segment's handled contacts were transferred").format(
                n=int(moved.sum())
            )
        )
    return _rates(
        1 - _rate(seg[moved], k.NOT_REPEATED, k.ANSWERED),
        1 - _rate(seg[~moved], k.NOT_REPEATED, k.ANSWERED),
        limits,
        "transfer_repeat_ratio",
        "repeat_gap",
        words._(
            "{seg:.1%} of the segment's transferred contacts came back within 7 days vs "
            "{rest:.1%} of its contacts that were not transferred"
        ),
        words,
    )


# ---------------------------------------------------------------- method
def transfers(case: Case, limits: Limits, words: Wording) -> Result:
    """Transfer rate of the segment against the rest's."""
    return _rates(
        _rate(case.seg, k.HANDLED_TRANSFERRED, k.ANSWERED),
        _rate(case.rest, k.HANDLED_TRANSFERRED, k.ANSWERED),
        limits,
        "transfer_ratio",
        "transfer_gap",
        words._("transfer rate {seg:.1%} in the segment vs {rest:.1%} elsewhere"),
        words,
    )


def escalations(case: Case, limits: Limits, words: Wording) -> Result:
    """Escalation rate of the segment against the rest's; for a complaint problem only over
    contacts that were not complaints, since complaints are escalated because they are ones."""
    c = case.data.facts.contacts
    keep = c[k.HANDLED_COMPLAINT] == 0 if case.kpi == "complaint_rate" else c[k.N] == 1
    columns = [k.HANDLED_ESCALATED, k.ANSWERED]
    seg, rest = c.loc[keep & case.inside, columns], c.loc[keep & ~case.inside, columns]
    return _rates(
        _rate(seg, k.HANDLED_ESCALATED, k.ANSWERED),
        _rate(rest, k.HANDLED_ESCALATED, k.ANSWERED),
        limits,
        "escalation_ratio",
        "escalation_gap",
        words._(
            "escalation rate {seg:.1%} in the segment vs {rest:.1%} elsewhere, over contacts "
            "that were not complaints"
        )
        if case.kpi == "complaint_rate"
        else words._("escalation rate {seg:.1%} in the segment vs {rest:.1%} elsewhere"),
        words,
    )


def routing(case: Case, limits: Limits, words: Wording) -> Result:
    """Whether one team handles the segment much better than the others that get most of it:
    routing more of it there would cut defects."""
    if case.defined_by(s.TEAM):
        return _untestable(
            words._("the segment is defined by team, so routing between teams cannot explain it")
        )
    if not case.kind.by_agent:
        return _untestable(
            words._("waits and abandons happen before an agent answers, so no team holds them")
        )
    per_team = case.defects_by(s.TEAM)
    per_team = per_team[per_team["_base"] >= case.data.min_sample]
    if len(per_team) < 2:
        return _untestable(
            words._("fewer than two teams handled at least {n} of the segment's {noun}").format(
                n=case.data.min_sample, noun=words._(BASE_NOUNS[case.kind.source])
            )
        )
    rates = (per_team["_defects"] / per_team["_base"]).rename("rate")
    ordered = per_team.assign(rate=rates).reset_index()
    best = ordered.sort_values(["rate", s.TEAM], kind="stable").iloc[0]
    others = per_team.drop(index=best[s.TEAM])
    other_rate = float(others["_defects"].sum() / others["_base"].sum())
    best_share = float(best["_base"] / per_team["_base"].sum())
    p = compare.two_proportion_p(
        float(best["_defects"]), float(best["_base"]),
        float(others["_defects"].sum()), float(others["_base"].sum()),
    )  # fmt: skip
    relative = float(best["rate"]) / other_rate if other_rate > 0 else 1.0
    passed = (
        relative <= limits["routing_ratio"]
        and best_share < limits["routing_max_share"]
        and p < limits["routing_p"]
    )
    kpi = case.kpi
    return _judged(
        passed,
        (1 - relative) / (1 - limits["routing_ratio"]),
        words._(
            "team {team}: {kpi} {best} in the segment vs {other} in the other teams, which "
            "handle {share:.0%} of it (z-test {p})"
        ).format(
            team=str(best[s.TEAM]),
            kpi=words.label(kpi),
            best=words.kpi_value(kpi, kpi_from_defect_rate(kpi, float(best["rate"]))),
            other=words.kpi_value(kpi, kpi_from_defect_rate(kpi, other_rate)),
            share=1 - best_share,
            p=_p_text(p),
        ),
    )


# ---------------------------------------------------------------- environment
def agent_load(case: Case, limits: Limits, words: Wording) -> Result:
    """Contacts per scheduled agent-hour in the segment's arrival hours against the rest's."""
    if not case.data.has_shifts:
        return _untestable(words._("the data holds no shifts"))
    load = case.data.load
    seg_hours, rest_hours = case.seg[k.HOUR].map(load), case.rest[k.HOUR].map(load)
    seg_load = float(seg_hours.mean()) if seg_hours.notna().any() else math.nan
    rest_load = float(rest_hours.mean()) if rest_hours.notna().any() else math.nan
    if len(case.seg) and math.isnan(seg_load) and not math.isnan(rest_load):
        return _judged(
            True,
            limits["load_ratio"],
            words._(
                "no agent is scheduled in the hours when the segment's {n} contacts arrive vs "
                "{rest:.1f} contacts per scheduled agent-hour elsewhere"
            ).format(n=len(case.seg), rest=rest_load),
        )
    if math.isnan(seg_load) or math.isnan(rest_load) or rest_load == 0:
        return _untestable(words._("no scheduled hours to compare"))
    ratio = seg_load / rest_load
    return _past(
        ratio,
        limits["load_ratio"],
        words._(
            "{seg:.1f} contacts per scheduled agent-hour in the segment vs {rest:.1f} elsewhere ({ratio:.1f}×)"
        ).format(seg=seg_load, rest=rest_load, ratio=ratio),
    )


def erlang_gaps(case: Case, limits: Limits, words: Wording) -> Result:
    """Share of the segment's phone and chat contacts arriving in intervals with fewer agents
    scheduled than Erlang C requires, against the rest's."""
    if not case.data.has_staffing:
        return _untestable(words._("no Erlang C staffing plan for the period"))
    flags = case.data.details[UNDERSTAFFED]
    seg, rest = flags[case.inside].dropna(), flags[~case.inside].dropna()
    if seg.empty or rest.empty:
        return _untestable(
            words._("the segment has no phone or chat contacts, which Erlang C staffing covers")
        )
    return _gap(
        float(seg.astype(bool).mean()),
        float(rest.astype(bool).mean()),
        limits,
        "understaffed_gap",
        words._(
            "{seg:.0%} of the segment's phone and chat contacts arrived in intervals with fewer "
            "agents scheduled than Erlang C requires vs {rest:.0%} elsewhere"
        ),
    )


def volume_spike(case: Case, limits: Limits, words: Wording) -> Result:
    """The segment's contacts per day against the previous period's (results store)."""
    previous = case.data.previous
    if previous.empty:
        return _untestable(
            words._(
                "the previous period {period} was not reviewed, so there is no volume to compare"
            ).format(period=case.data.previous_label)
        )
    if len(case.segment) != 1:
        return _untestable(words._("earlier reviews keep volumes of one-dimension segments only"))
    contacts = previous[previous[k.KPI] == "contacts"]
    dimension, value = case.segment[0]
    row = contacts[
        (contacts[k.DIMENSION] == dimension) & (contacts[k.SEGMENT].astype(str) == value)
    ]
    overall = contacts[contacts[k.DIMENSION] == k.ALL]
    now, before = float(len(case.seg)), float(row[k.VALUE].iloc[0]) if len(row) else 0.0
    if before == 0 or overall.empty:
        return _judged(
            now > 0,
            limits["volume_growth"],
            words._("{now:.0f} contacts vs none in {period}").format(
                now=now, period=case.data.previous_label
            ),
        )
    per_day, per_day_before = now / case.data.days, before / case.data.previous_days
    growth = per_day / per_day_before
    centre_growth = (len(case.data.facts.contacts) / case.data.days) / (
        float(overall[k.VALUE].iloc[0]) / case.data.previous_days
    )
    return _past(
        growth,
        limits["volume_growth"],
        words._(
            "{now:.0f} contacts ({per_day:.1f} a day) vs {before:.0f} ({per_day_before:.1f} a day) "
            "in {period}: {change:+.0%} a day (whole centre {centre:+.0%})"
        ).format(
            now=now,
            per_day=per_day,
            before=before,
            per_day_before=per_day_before,
            period=case.data.previous_label,
            change=growth - 1,
            centre=centre_growth - 1,
        ),
    )


# ---------------------------------------------------------------- measurement
def _qa_spread(qa: pd.DataFrame) -> float:
    per_contact = qa.groupby(s.CONTACT_ID).agg(
        reviewers=(s.REVIEWER_ID, "nunique"), high=(s.SCORE, "max"), low=(s.SCORE, "min")
    )
    calibrated = per_contact[per_contact["reviewers"] >= 2]
    return (
        float((calibrated["high"] - calibrated["low"]).mean()) if len(calibrated) else float("nan")
    )


def qa_disagreement(case: Case, limits: Limits, words: Wording) -> Result:
    """For a QA problem: how far reviewers scoring the same contact differ, against the target."""
    if case.kpi != "qa_fail_rate":
        return _untestable(words._("the problem's KPI does not come from QA scores"))
    spread, target = _qa_spread(case.data.facts.qa), case.data.qa_spread_target
    if math.isnan(spread):
        return _untestable(words._("no contact was scored by two or more reviewers"))
    return _judged(
        spread > target,
        spread / target if target else math.inf,
        words._(
            "reviewers scoring the same contact differ by {spread:.1f} points on average (target ≤ {target:.0f})"
        ).format(spread=spread, target=target),
    )


def survey_response(case: Case, limits: Limits, words: Wording) -> Result:
    """Survey response of the segment's handled contacts against the rest's: a blind spot."""
    if case.kpi == "qa_fail_rate":
        return _untestable(words._("QA results do not depend on customer surveys"))
    surveyed = case.data.facts.surveys
    in_surveys = k.in_segment(surveyed, case.segment)
    sv_seg = in_surveys.sum() / max(int(case.seg[k.ANSWERED].sum()), 1)
    sv_rest = (~in_surveys).sum() / max(int(case.rest[k.ANSWERED].sum()), 1)
    relative = sv_seg / sv_rest if sv_rest else math.nan
    return _judged(
        bool(sv_seg < limits["response_ratio"] * sv_rest),
        limits["response_ratio"] / relative if relative else math.inf,
        words._("survey response {seg:.1%} in the segment vs {rest:.1%} elsewhere").format(
            seg=sv_seg, rest=sv_rest
        ),
    )


def data_quality(case: Case, limits: Limits, words: Wording) -> Result:
    """Quarantined rows of the KPI's table in the segment: figures read from what is left may
    be distorted."""
    rejected = case.data.rejected
    if rejected is None:
        return _untestable(words._("the validation's quarantine was not given"))
    rows = rejected[case.kind.source]
    placed = rows[rows[PLACED]]
    q_seg = int(k.in_segment(placed, case.segment).sum())
    q_rest = len(placed) - q_seg
    frame = source_frame(case.data.facts, case.kind.source)
    n_seg = int(k.in_segment(frame, case.segment).sum())
    n_rest = len(frame) - n_seg
    share_seg, share_rest = _share(q_seg, q_seg + n_seg), _share(q_rest, q_rest + n_rest)
    share_rest = 0.0 if math.isnan(share_rest) else share_rest
    passed = (
        q_seg >= limits["quarantine_min_rows"]
        and share_seg >= limits["quarantine_share"]
        and share_seg >= limits["quarantine_ratio"] * share_rest
    )
    text = words._(
        "{q} of the segment's {noun} were quarantined ({seg:.1%}) vs {rest:.1%} elsewhere"
    ).format(
        q=q_seg,
        noun=words._(BASE_NOUNS[case.kind.source]),
        seg=0.0 if math.isnan(share_seg) else share_seg,
        rest=share_rest,
    )
    unplaced = len(rows) - len(placed)
    if unplaced:
        text += words._("; {n} more quarantined rows could not be placed in a segment").format(
            n=unplaced
        )
    return _judged(passed, share_seg / limits["quarantine_share"], text)


# ---------------------------------------------------------------- the tests
@dataclass(frozen=True)
class Test:
    """One fishbone hypothesis: its category, statement, short label, test rule and check."""

    key: str
    category: str
    hypothesis: str  # msgid
    label: str  # msgid: what the fishbone drawing shows
    rule: str  # msgid, formatted with the playbook's thresholds
    check: Check


TESTS: Final = (
    Test(
        "junior_share", "people",
        _n("The segment is handled mostly by junior agents"),
        _n("junior agents"),
        _n("junior share of handled contacts: segment − rest ≥ {junior_share_gap:.0%}"),
        junior_share,
    ),
    Test(
        "new_hires", "people",
        _n("Agents hired recently handle the segment's contacts"),
        _n("new hires"),
        _n("share handled by agents hired < {new_hire_days:.0f} days before the period: segment − rest ≥ {new_hire_share_gap:.0%}"),
        new_hires,
    ),
    Test(
        "agent_concentration", "people",
        _n("A few agents hold most of the segment's defects"),
        _n("a few agents, most defects"),
        _n("top {top_agents_share:.0%} of agents by defects: share of defects ≥ {concentration_ratio:.1f}× their share of the base, χ² p < {concentration_p}"),
        agent_concentration,
    ),
    Test(
        "agent_qa", "people",
        _n("The agents handling the segment score low on QA"),
        _n("agents' QA scores"),
        _n("mean QA score of the handling agents: rest − segment ≥ {qa_score_gap:.1f} points"),
        agent_qa,
    ),
    Test(
        "handle_time", "machine",
        _n("Systems or tools slow down the handling of the segment's contacts"),
        _n("handle time"),
        _n("average handle time: segment ÷ rest ≥ {handle_ratio:.1f}"),
        handle_time,
    ),
    Test(
        "day_spikes", "machine",
        _n("A system or tool failed on some days: handle time or wait spiked"),
        _n("spike days"),
        _n("days with handle time or wait at robust z ≥ {spike_z:.1f}: share of defects ≥ {spike_ratio:.1f}× their share of the base, z-test p < {spike_p}"),
        day_spikes,
    ),
    Test(
        "repeat_contacts", "material",
        _n("Customers of the segment must contact again: information or knowledge is missing"),
        _n("repeat contacts"),
        _n("repeat rate: segment ÷ rest ≥ {repeat_ratio:.1f} and segment − rest ≥ {repeat_gap:.0%}"),
        repeat_contacts,
    ),
    Test(
        "unresolved", "material",
        _n("Agents cannot resolve the segment's contacts: answers are missing"),
        _n("unresolved contacts"),
        _n("unresolved share: segment ÷ rest ≥ {unresolved_ratio:.1f} and segment − rest ≥ {unresolved_gap:.0%}"),
        unresolved,
    ),
    Test(
        "transfer_repeats", "material",
        _n("Transfers do not help: the receiving agent lacks the answer too"),
        _n("repeats after transfer"),
        _n("repeat rate in the segment: transferred ÷ not transferred ≥ {transfer_repeat_ratio:.1f} and transferred − not transferred ≥ {repeat_gap:.0%}"),
        transfer_repeats,
    ),
    Test(
        "transfers", "method",
        _n("Contacts of the segment are routed to agents who must transfer them"),
        _n("transfers"),
        _n("transfer rate: segment ÷ rest ≥ {transfer_ratio:.1f} and segment − rest ≥ {transfer_gap:.0%}"),
        transfers,
    ),
    Test(
        "escalations", "method",
        _n("The process makes agents escalate the segment's contacts instead of resolving them"),
        _n("escalations"),
        _n("escalation rate: segment ÷ rest ≥ {escalation_ratio:.1f} and segment − rest ≥ {escalation_gap:.0%}"),
        escalations,
    ),
    Test(
        "routing", "method",
        _n("Routing sends the segment's contacts to teams that handle them less well"),
        _n("routing by team"),
        _n("best team's defect rate ≤ {routing_ratio:.1f}× the other teams', which handle > {routing_max_share:.0%} of the segment; z-test p < {routing_p}"),
        routing,
    ),
    Test(
        "agent_load", "environment",
        _n("Too few agents are scheduled for the segment's arrival volume"),
        _n("contacts per agent-hour"),
        _n("contacts per scheduled agent-hour: segment ÷ rest ≥ {load_ratio:.1f}"),
        agent_load,
    ),
    Test(
        "erlang_gaps", "environment",
        _n("Fewer agents are scheduled than Erlang C requires when the segment's contacts arrive"),
        _n("Erlang C gaps"),
        _n("share of phone and chat contacts arriving understaffed: segment − rest ≥ {understaffed_gap:.0%}"),
        erlang_gaps,
    ),
    Test(
        "volume_spike", "environment",
        _n("The segment's volume spiked against the previous period (season, campaign, incident)"),
        _n("volume vs last period"),
        _n("contacts per day: this period ÷ the previous ≥ {volume_growth:.2f}"),
        volume_spike,
    ),
    Test(
        "qa_disagreement", "measurement",
        _n("QA reviewers disagree, so QA failures partly reflect who scored"),
        _n("QA reviewer disagreement"),
        _n("reviewer spread on calibration contacts above its target"),
        qa_disagreement,
    ),
    Test(
        "survey_response", "measurement",
        _n("The segment is poorly measured: few customers answer the survey"),
        _n("survey response"),
        _n("survey response: segment ÷ rest < {response_ratio:.1f}"),
        survey_response,
    ),
    Test(
        "data_quality", "measurement",
        _n("The segment's figures are distorted by rejected rows (data quality)"),
        _n("rejected rows"),
        _n("quarantined rows of the segment ≥ {quarantine_min_rows}, their share ≥ {quarantine_share:.0%} and ≥ {quarantine_ratio:.1f}× the rest's"),
        data_quality,
    ),
)  # fmt: skip
TESTS_BY_KEY: Final = {t.key: t for t in TESTS}


@dataclass(frozen=True)
class Hypothesis:
    """One fishbone hypothesis for a problem, with the test and the numbers that confirm or
    reject it."""

    problem_rank: int
    category: str
    hypothesis: str
    verdict: Verdict
    evidence: str
    key: str = ""
    label: str = ""
    test: str = ""
    strength: float = 0.0

    @property
    def verified(self) -> bool:
        return self.verdict == "verified"


def fishbone_hypotheses(
    rank: int, kpi: str, segment: Segment, data: ReviewData, limits: Limits, words: Wording
) -> list[Hypothesis]:
    """Every hypothesis of the six categories tested for one problem segment, in the order
    of `TESTS`. A verdict `verified` always quotes numbers."""
    case = Case(rank, kpi, segment, data)
    out = []
    for test in TESTS:
        result = test.check(case, limits, words)
        verdict = result.verdict
        if verdict == "verified" and not re.search(r"\d", result.evidence):
            verdict = "not_supported"  # a claim without numbers is no evidence
        out.append(
            Hypothesis(
                problem_rank=rank,
                category=test.category,
                hypothesis=words._(test.hypothesis),
                verdict=verdict,
                evidence=result.evidence,
                key=test.key,
                label=words._(test.label),
                test=words._(test.rule).format(**limits),
                strength=result.strength,
            )
        )
    return out


def strongest(causes: list[Hypothesis]) -> list[Hypothesis]:
    """Per problem and category the verified hypothesis furthest past its threshold (the
    first in `TESTS` order on a tie): the one its 5-Why chain and action follow."""
    chosen: dict[tuple[int, str], Hypothesis] = {}
    for h in causes:
        if not h.verified:
            continue
        key = (h.problem_rank, h.category)
        if key not in chosen or h.strength > chosen[key].strength:
            chosen[key] = h
    return [h for h in causes if chosen.get((h.problem_rank, h.category)) is h]
