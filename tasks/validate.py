"""Validate: every contract rule checked on every row; bad rows quarantined with their reasons.

A blocking failure stops the run before anything is published; a quarantined row is removed
from every computation; a warning is reported only. Each input row ends up used or
quarantined, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import pandas as pd

from csreview import schema as s
from csreview.settings import Settings
from tasks.extract import ROW, Extract

Severity = Literal["blocking", "quarantine", "warn"]
REASON = "reason"
_EXAMPLES = 5


@dataclass(frozen=True)
class RuleResult:
    """One rule's outcome on one table: how many rows broke it, and a few of them."""

    table: str
    rule: str
    severity: Severity
    description: str
    checked: int
    failed: int
    examples: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.failed == 0


@dataclass(frozen=True)
class Validation:
    """What validation let through (`clean`), what it rejected (`quarantine`) and why."""

    clean: dict[str, pd.DataFrame]
    quarantine: dict[str, pd.DataFrame]
    rules: tuple[RuleResult, ...]
    blocking: tuple[str, ...] = ()
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        return bool(self.blocking)

    @property
    def warnings(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.rules if r.severity == "warn" and not r.passed)


Mask = pd.Series
Check = Callable[[pd.DataFrame], Mask]


class _Table:
    """Collects the failing rows of one table, rule by rule."""

    def __init__(self, table: s.Table, typed: pd.DataFrame, raw: pd.DataFrame) -> None:
        self.table = table
        self.typed = typed
        self.raw = raw
        self.results: list[RuleResult] = []
        self.reasons: dict[str, np.ndarray] = {}
        self.bad = np.zeros(len(typed), dtype=bool)

    def check(
        self, rule: str, description: str, failing: Mask, severity: Severity = "quarantine"
    ) -> None:
        mask = failing.fillna(False).to_numpy(dtype=bool)
        examples = self._examples(mask)
        self.results.append(
            RuleResult(
                self.table.name, rule, severity, description, len(mask), int(mask.sum()), examples
            )
        )
        if severity == "quarantine" and mask.any():
            self.reasons[description] = mask
            self.bad |= mask

    def _examples(self, mask: np.ndarray) -> tuple[str, ...]:
        positions = np.flatnonzero(mask)[:_EXAMPLES]
        key = self.table.key
        if key and key in self.raw.columns:
            return tuple(str(v) for v in self.raw[key].iloc[positions])
        return tuple(f"row {p + 1}" for p in positions)

    def reason_column(self) -> pd.Series:
        out = pd.Series("", index=self.typed.index, dtype="object")
        for text, mask in self.reasons.items():
            out[mask] = out[mask] + "; " + text
        return out.str.removeprefix("; ")


def _present(frame: pd.DataFrame, column: str) -> Mask:
    return frame[column].notna()


def _unparseable(typed: pd.DataFrame, raw: pd.DataFrame, column: str) -> Mask:
    if column not in raw.columns:
        return pd.Series(False, index=typed.index)
    as_read = raw[column]
    blank = as_read.isna() | (as_read.astype("string").str.strip() == "")
    return typed[column].isna() & ~blank.to_numpy()


def _not_in(values: pd.Series, allowed: tuple[str, ...] | set[str]) -> Mask:
    return values.notna() & ~values.isin(list(allowed))


def _outside(values: pd.Series, low: float, high: float, integer: bool = False) -> Mask:
    bad = values.notna() & ((values < low) | (values > high))
    if integer:
        bad |= values.notna() & (values != np.floor(values))
    return bad


def _common_rules(t: _Table) -> None:
    """Types and required values, for any table."""
    for column in t.table.columns:
        if column.name not in t.raw.columns:
            continue
        if column.kind != "text":
            t.check(
                f"{column.name}_type",
                f"{column.name} is not a valid {column.kind}",
                _unparseable(t.typed, t.raw, column.name),
            )
        if column.required:
            t.check(
                f"{column.name}_required",
                f"{column.name} is missing",
                ~_present(t.typed, column.name) & ~_unparseable(t.typed, t.raw, column.name),
            )
    extra = sorted(set(t.raw.columns) - set(t.table.column_names))
    t.check(
        "extra_columns",
        f"extra columns ignored: {', '.join(extra) or 'none'}",
        pd.Series(bool(extra), index=t.typed.index),
        severity="warn",
    )


def _duplicate_rules(t: _Table) -> None:
    """Exact copies: one used, the others quarantined; same id, other values: all quarantined."""
    as_text = t.raw.astype("string").fillna("\x00")
    copies = as_text.duplicated(keep="first")
    t.check("duplicate_row", "duplicate row", copies)
    key = t.table.key
    if key and key in t.typed.columns:
        ids = t.typed[key]
        firsts = ~copies.to_numpy()
        dup_ids = ids[firsts & ids.notna().to_numpy()]
        conflicting = set(dup_ids[dup_ids.duplicated(keep=False)])
        t.check("conflicting_id", f"conflicting duplicate {key}", ids.isin(conflicting) & ~copies)


# ---------------------------------------------------------------- per-table rules
def _agent_rules(t: _Table) -> None:
    f = t.typed
    t.check(
        "tier_values", "tier is not junior, intermediate or senior", _not_in(f[s.TIER], s.TIERS)
    )
    t.check(
        "left_after_hired",
        "left_on is before hired_on",
        f[s.LEFT_ON].notna() & f[s.HIRED_ON].notna() & (f[s.LEFT_ON] < f[s.HIRED_ON]),
    )


def _contact_rules(
    t: _Table, read_at: datetime, agent_ids: pd.Series, bad_agents: set[str]
) -> None:
    f = t.typed
    abandoned = f[s.ABANDONED].fillna(False).astype(bool)
    answered = f[s.ANSWERED_AT].notna()
    t.check(
        "channel_values",
        "channel is not phone, chat, email, app or social",
        _not_in(f[s.CHANNEL], s.CHANNELS),
    )
    t.check(
        "created_not_future",
        "created_at is after the run's start",
        f[s.CREATED_AT] > pd.Timestamp(read_at),
    )
    t.check(
        "answered_after_created",
        "answered_at is before created_at",
        answered & (f[s.ANSWERED_AT] < f[s.CREATED_AT]),
    )
    t.check(
        "closed_after_answered",
        "closed_at is before answered_at",
        answered & f[s.CLOSED_AT].notna() & (f[s.CLOSED_AT] < f[s.ANSWERED_AT]),
    )
    t.check(
        "closed_after_created",
        "closed_at is before created_at",
        f[s.CLOSED_AT].notna() & (f[s.CLOSED_AT] < f[s.CREATED_AT]),
    )
    t.check(
        "abandoned_unanswered",
        "abandoned contact has answered_at or agent_id",
        abandoned & (answered | f[s.AGENT_ID].notna()),
    )
    t.check(
        "abandoned_closed", "abandoned contact has no closed_at", abandoned & f[s.CLOSED_AT].isna()
    )
    t.check("answered_agent", "answered contact has no agent_id", answered & f[s.AGENT_ID].isna())
    t.check(
        "agent_known",
        "agent_id is not in agents",
        f[s.AGENT_ID].notna() & ~f[s.AGENT_ID].isin(agent_ids) & ~f[s.AGENT_ID].isin(bad_agents),
    )
    t.check("agent_quarantined", "its agent is quarantined", f[s.AGENT_ID].isin(bad_agents))
    for column in (s.TALK_SECONDS, s.HOLD_SECONDS, s.WRAP_SECONDS):
        values = f[column]
        t.check(
            f"{column}_required",
            f"{column} is missing for an answered contact",
            answered & values.isna() & ~_unparseable(f, t.raw, column),
        )
        t.check(
            f"{column}_range",
            f"{column} is not a whole number in 0–86 399",
            answered & _outside(values, 0, s.MAX_DURATION_SECONDS - 1, integer=True),
        )
        t.check(
            f"{column}_unanswered",
            f"{column} is not 0 or empty for an unanswered contact",
            ~answered & values.notna() & (values != 0),
        )
    t.check(
        "sale_needs_offer",
        "sale without sales_offer",
        f[s.SALE].fillna(False).astype(bool) & ~f[s.SALES_OFFER].fillna(False).astype(bool),
    )


def _qa_rules(t: _Table, read_at: datetime, contacts: pd.DataFrame, bad: _Followers) -> None:
    f = t.typed
    t.check(
        "reviewer_kind_values",
        "reviewer_kind is not human or ai",
        _not_in(f[s.REVIEWER_KIND], s.REVIEWER_KINDS),
    )
    t.check("score_range", "score is outside 0–100", _outside(f[s.SCORE], 0, 100))
    for item in s.RUBRIC_ITEMS:
        t.check(f"{item}_range", f"{item} is outside 0–100", _outside(f[item], 0, 100))
    t.check(
        "evaluated_not_future",
        "evaluated_at is after the run's start",
        f[s.EVALUATED_AT] > pd.Timestamp(read_at),
    )
    created = f[s.CONTACT_ID].map(contacts.set_index(s.CONTACT_ID)[s.CREATED_AT])
    t.check(
        "evaluated_after_contact",
        "evaluated_at is before the contact's created_at",
        f[s.EVALUATED_AT].notna() & created.notna() & (f[s.EVALUATED_AT] < created),
    )
    bad.follow(t, f[s.CONTACT_ID], f[s.AGENT_ID])


def _survey_rules(t: _Table, contacts: pd.DataFrame, bad: _Followers) -> None:
    f = t.typed
    t.check(
        "csat_range", "csat is not a whole number in 1–5", _outside(f[s.CSAT], 1, 5, integer=True)
    )
    t.check(
        "nps_range", "nps is not a whole number in 0–10", _outside(f[s.NPS], 0, 10, integer=True)
    )
    t.check(
        "effort_range",
        "effort is not a whole number in 1–7",
        _outside(f[s.EFFORT], 1, 7, integer=True),
    )
    t.check(
        "csat_or_nps",
        "neither csat nor nps is given",
        f[s.CSAT].isna()
        & f[s.NPS].isna()
        & ~_unparseable(f, t.raw, s.CSAT)
        & ~_unparseable(f, t.raw, s.NPS),
    )
    created = f[s.CONTACT_ID].map(contacts.set_index(s.CONTACT_ID)[s.CREATED_AT])
    t.check(
        "submitted_after_contact",
        "submitted_at is before the contact's created_at",
        f[s.SUBMITTED_AT].notna() & created.notna() & (f[s.SUBMITTED_AT] < created),
    )
    bad.follow(t, f[s.CONTACT_ID], None)
    order = f.assign(_bad=t.bad).sort_values([s.SUBMITTED_AT, ROW])
    usable = order[~order["_bad"] & order[s.CONTACT_ID].notna()]
    later = usable[usable[s.CONTACT_ID].duplicated(keep="first")].index
    t.check(
        "one_survey_per_contact",
        "a survey of this contact was submitted earlier",
        pd.Series(f.index.isin(later), index=f.index),
    )


def _shift_rules(t: _Table, bad: _Followers) -> None:
    f = t.typed
    length = f[s.ENDS_AT] - f[s.STARTS_AT]
    t.check("ends_after_starts", "ends_at is not after starts_at", length <= pd.Timedelta(0))
    t.check(
        "shift_length",
        f"shift is longer than {s.MAX_SHIFT_HOURS} h",
        length > pd.Timedelta(hours=s.MAX_SHIFT_HOURS),
    )
    bad.follow(t, None, f[s.AGENT_ID])


class _Followers:
    """Ids of the contacts and agents a row may depend on: known, or quarantined."""

    def __init__(
        self,
        contacts: pd.DataFrame,
        agents: pd.DataFrame,
        bad_contacts: set[str],
        bad_agents: set[str],
    ):
        self.contact_ids = set(contacts[s.CONTACT_ID].dropna())
        self.agent_ids = set(agents[s.AGENT_ID].dropna())
        self.bad_contacts = bad_contacts
        self.bad_agents = bad_agents

    def follow(self, t: _Table, contact_ids: pd.Series | None, agent_ids: pd.Series | None) -> None:
        if contact_ids is not None:
            t.check(
                "contact_known",
                "contact_id is not in contacts",
                contact_ids.notna() & ~contact_ids.isin(self.contact_ids | self.bad_contacts),
            )
            t.check(
                "contact_quarantined",
                "its contact is quarantined",
                contact_ids.isin(self.bad_contacts),
            )
        if agent_ids is not None:
            t.check(
                "agent_known",
                "agent_id is not in agents",
                agent_ids.notna() & ~agent_ids.isin(self.agent_ids | self.bad_agents),
            )
            t.check(
                "agent_quarantined", "its agent is quarantined", agent_ids.isin(self.bad_agents)
            )


# ---------------------------------------------------------------- the gate
def validate(extract: Extract, settings: Settings) -> Validation:
    """Check every rule of the data contract on the period's extract."""
    blocking: list[str] = []
    results: list[RuleResult] = []
    for name in extract.missing_tables:
        blocking.append(f"table {name} is missing from the source")
        results.append(
            RuleResult(name, "table_present", "blocking", f"table {name} is present", 1, 1)
        )
    for name, raw in extract.raw.items():
        table = s.TABLES_BY_NAME[name]
        absent = [c for c in table.required_names if c not in raw.columns]
        for column in absent:
            blocking.append(f"required column {column} is missing from table {name}")
            results.append(
                RuleResult(
                    name, f"{column}_present", "blocking", f"column {column} is present", 1, 1
                )
            )
    if blocking:
        return Validation({}, {}, tuple(results), tuple(blocking), _counts(extract, {}))

    tables = {
        name: _Table(
            s.TABLES_BY_NAME[name],
            extract.typed[name],
            extract.raw[name],
        )
        for name in extract.raw
    }
    for t in tables.values():
        _common_rules(t)
        _duplicate_rules(t)

    agents = tables[s.AGENTS.name]
    _agent_rules(agents)
    bad_agent_ids = set(agents.typed[s.AGENT_ID][agents.bad].dropna()) - set(
        agents.typed[s.AGENT_ID][~agents.bad].dropna()
    )
    good_agents = agents.typed[~agents.bad]
    contacts = tables[s.CONTACTS.name]
    _contact_rules(contacts, extract.read_at, good_agents[s.AGENT_ID], bad_agent_ids)
    bad_contact_ids = set(contacts.typed[s.CONTACT_ID][contacts.bad].dropna()) - set(
        contacts.typed[s.CONTACT_ID][~contacts.bad].dropna()
    )
    good_contacts = contacts.typed[~contacts.bad]
    followers = _Followers(good_contacts, good_agents, bad_contact_ids, bad_agent_ids)
    _qa_rules(tables[s.QA_EVALUATIONS.name], extract.read_at, good_contacts, followers)
    _survey_rules(tables[s.SURVEYS.name], good_contacts, followers)
    _shift_rules(tables[s.SHIFTS.name], followers)

    clean = {n: t.typed[~t.bad].reset_index(drop=True) for n, t in tables.items()}
    quarantine = {
        n: t.raw[t.bad]
        .assign(**{REASON: t.reason_column()[t.bad].to_numpy()})
        .reset_index(drop=True)
        for n, t in tables.items()
    }
    for t in tables.values():
        results.extend(t.results)
        read = len(t.typed)
        share = t.bad.sum() / read if read else 0.0
        if share > settings.max_bad_row_share:
            blocking.append(
                f"{t.table.name}: {t.bad.sum()} of {read} rows broke a rule "
                f"({share:.1%} > the {settings.max_bad_row_share:.0%} allowed)"
            )
    period_contacts = _in_period(clean[s.CONTACTS.name], extract, settings)
    if period_contacts == 0:
        blocking.append(f"contacts: no usable contact was created in {extract.period}")
    if len(clean[s.AGENTS.name]) == 0:
        blocking.append("agents: no usable agent")
    return Validation(
        clean, quarantine, tuple(results), tuple(blocking), _counts(extract, quarantine)
    )


def _in_period(contacts: pd.DataFrame, extract: Extract, settings: Settings) -> int:
    start = pd.Timestamp(extract.period.start(settings.zone))
    end = pd.Timestamp(extract.period.end(settings.zone))
    created = contacts[s.CREATED_AT]
    return int(((created >= start) & (created < end)).sum())


def _counts(extract: Extract, quarantine: dict[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    out = {}
    for name, raw in extract.raw.items():
        bad = len(quarantine[name]) if name in quarantine else 0
        out[name] = {"read": len(raw), "used": len(raw) - bad, "quarantined": bad}
    return out
