"""The gate: every rule of the suites in `expectations/` applied as its pandas mask.

A blocking failure stops the run before anything is published; a quarantined row is removed
from every computation; a warning is reported only. Each input row ends up used or
quarantined, never silently dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from csreview import schema as s
from csreview.frames import among, exact_copies, positions, repeated, rows_where
from csreview.settings import Settings
from expectations import COMMENT_LIMIT, SUITES, TEXT_LIMIT, Rule, RuleInputs
from expectations.masks import longer
from tasks.extract import Extract
from tasks.validate.results import EXAMPLES, REASON, RuleResult, Validation, shortened

_TABLE_ORDER = (s.AGENTS, s.CONTACTS, s.QA_EVALUATIONS, s.SURVEYS, s.SHIFTS)


class _Table:
    """One table's rows through the rules: exact copies first, then each rule on the rest.

    The rules read the table as extracted, copies included, and a copy never counts: no
    frame of the table is copied for them (a quarter's contacts are gigabytes)."""

    def __init__(self, table: s.Table, typed: pd.DataFrame, raw: pd.DataFrame) -> None:
        self.table = table
        self.whole_raw = raw
        # the typed key is hashed once: its shared values are the unique check's, and the
        # rows that may be copies (equal as read, so equal as typed)
        key = table.key
        self.shared = {key: repeated(typed[key])} if key else {}
        maybe = typed[key].isna().to_numpy(dtype=bool) | self.shared[key] if key else None
        self.copies = exact_copies(raw, key, maybe)
        self.kept = ~self.copies
        self.typed = typed
        # what row rules read as read: the key (examples) and the values parsed to a type
        as_read = [c.name for c in table.columns if c.kind != "text" or c.name == table.key]
        self.raw = raw[[c for c in raw.columns if c in as_read]]
        self.bad = np.zeros(len(typed), dtype=bool)  # quarantined by a rule (never a copy)
        self.reasons: list[tuple[str, np.ndarray]] = []  # a reason, and the rows it explains
        self.failing: dict[str, np.ndarray] = {}  # each rule's failing rows, as positions
        self.results: list[RuleResult] = [
            RuleResult(
                table.name,
                "duplicate_row",
                "quarantine",
                "duplicate row",
                len(raw),
                int(self.copies.sum()),
                self._examples(raw, self.copies),
            )
        ]

    def let_go(self) -> None:
        """Drop the rows as read: the table's rules ran and its quarantined rows were kept."""
        self.whole_raw = self.raw = self.whole_raw.iloc[:0]

    def run(self, rule: Rule, inputs: RuleInputs) -> None:
        out = self.bad | self.copies
        mask = rule.failing(dataclasses.replace(inputs, bad=out, copies=self.copies))
        failing = mask.fillna(False).to_numpy(dtype=bool) & self.kept
        at = np.flatnonzero(failing)
        self.failing[rule.name] = at
        reason = rule.described(inputs.limits)
        self.results.append(
            RuleResult(
                self.table.name,
                rule.name,
                rule.severity,
                reason,
                len(failing) - int(self.copies.sum()),
                len(at),
                self._examples(self.raw, failing, kept_only=True),
                rule.engine,
                rule.expectation.kind if rule.expectation else None,
            )
        )
        if rule.severity == "quarantine" and len(at):
            for other in rule.quiet_when:
                at = np.setdiff1d(at, self.failing.get(other, at[:0]), assume_unique=True)
            self.reasons.append((reason, at))
            self.bad |= failing

    def _examples(
        self, raw: pd.DataFrame, mask: np.ndarray, kept_only: bool = False
    ) -> tuple[str, ...]:
        positions = np.flatnonzero(mask)[:EXAMPLES]
        key = self.table.key
        if key and key in raw.columns:
            return tuple(shortened(str(v)) for v in raw[key].iloc[positions])
        if kept_only:  # a row is numbered among the rows that are not copies
            positions = np.cumsum(self.kept)[positions] - 1
        return tuple(f"row {p + 1}" for p in positions)

    def inputs(self, read_at: pd.Timestamp, limits: dict[str, int], **upstream: Any) -> RuleInputs:
        """What the rules see; each row's contact is looked up once, for the rules that
        know it and compare with it (`contacts` and `contact_ids` are the same rows)."""
        if "contacts" in upstream and s.CONTACT_ID in self.typed.columns:
            contacts = upstream["contacts"][s.CONTACT_ID]
            upstream["contact_at"] = positions(self.typed[s.CONTACT_ID], contacts)
        return RuleInputs(
            self.typed, self.raw, read_at, limits=limits, shared=self.shared, **upstream
        )

    def usable(self) -> np.ndarray:
        """The rows neither a copy nor quarantined by a rule."""
        out: np.ndarray = ~(self.bad | self.copies)
        return out

    def rejected(self) -> pd.DataFrame:
        """Rows as read, plus their reasons joined: exact copies say `duplicate row`."""
        picked = np.flatnonzero(self.copies | self.bad)
        slot = np.full(len(self.copies), -1, dtype=np.int64)
        slot[picked] = np.arange(len(picked))
        reasons: list[list[str]] = [[] for _ in picked]
        for text, at in self.reasons:
            for position in slot[at]:
                reasons[position].append(text)
        full = [
            "duplicate row" if copy else "; ".join(r)
            for copy, r in zip(self.copies[picked], reasons, strict=True)
        ]
        return self.whole_raw.iloc[picked].assign(**{REASON: np.array(full, dtype=object)})

    def ids(self, mask: np.ndarray) -> pd.Series:
        key = self.table.key
        assert key is not None
        ids: pd.Series = self.typed[key][mask & self.kept].dropna()
        return ids


# ---------------------------------------------------------------- the gate
HandOver = Callable[[Validation], None]


def check_rules(
    extract: Extract, settings: Settings, let_go: bool = False, hand_over: HandOver | None = None
) -> Validation:
    """Every rule as a pandas mask: the quarantine sets, the counts and the blocking reasons
    (GX's record is added by `with_gx`). HAND_OVER, when given, is called with the verdict on
    every row before the used rows are taken, while the rows as typed are whole (GX's record
    reads them). With LET_GO the rows leave the extract as they are done with: each table's
    rows as read once its rules ran and its quarantined rows were kept, the rows as typed
    column by column as the used rows are taken from them. The review's gate held every
    table as read and as typed beside the used rows (2.8 GiB of a 3.7 M-contact quarter)."""
    read_at = pd.Timestamp(extract.read_at).tz_convert(settings.zone)
    results, blocking = table_checks(extract, read_at)
    read = {name: len(raw) for name, raw in extract.raw.items()}
    if blocking:
        return Validation(
            {}, {}, tuple(results), tuple(blocking), _counts(read, {}), read_at=read_at
        )
    return _row_checks(extract, read_at, settings, (results, blocking), let_go, hand_over)


def table_checks(extract: Extract, read_at: pd.Timestamp) -> tuple[list[RuleResult], list[str]]:
    """The table-level rules (tables and required columns present): results and blocks."""
    results: list[RuleResult] = []
    blocking: list[str] = []
    for name in extract.missing_tables:
        blocking.append(f"table {name} is missing from the source")
        results.append(
            RuleResult(name, "table_present", "blocking", f"table {name} is missing", 1, 1)
        )
    for name, raw in extract.raw.items():
        inputs = RuleInputs(extract.typed[name], raw, read_at)
        for rule in SUITES[name]:
            if rule.per_table:
                failed = int(rule.failing(inputs).sum())
                results.append(
                    RuleResult(
                        name,
                        rule.name,
                        rule.severity,
                        rule.reason,
                        1,
                        failed,
                        rule.culprits(inputs),
                        engine=rule.engine,
                        expectation=rule.expectation.kind if rule.expectation else None,
                    )
                )
                if failed and rule.severity == "blocking":
                    blocking.append(rule.reason)
    return results, blocking


def _row_checks(
    extract: Extract,
    read_at: pd.Timestamp,
    settings: Settings,
    so_far: tuple[list[RuleResult], list[str]],
    let_go: bool,
    hand_over: HandOver | None,
) -> Validation:
    """Each table's rows through its row rules, in the order the tables depend on each
    other, each table's quarantined rows kept as soon as its rules ran; the verdict handed
    over; then the used rows taken and the run-level blocks."""
    results, blocking = so_far
    read = {name: len(raw) for name, raw in extract.raw.items()}
    columns = {name: tuple(raw.columns) for name, raw in extract.raw.items()}
    limits = text_limits(settings)
    usable: dict[str, np.ndarray] = {}
    quarantine: dict[str, pd.DataFrame] = {}
    copies: dict[str, np.ndarray] = {}

    def checked(table: s.Table, **upstream: Any) -> _Table:
        """The table through its row rules, its results and quarantined rows kept (and,
        with LET_GO, its rows as read let go)."""
        done = _Table(table, extract.typed[table.name], extract.raw[table.name])
        inputs = done.inputs(read_at, limits, **upstream)
        for rule in SUITES[table.name]:
            if not rule.per_table:
                done.run(rule, inputs)
        del inputs
        results.extend(done.results)
        share_result, over = bad_row_share(
            table.name, len(done.copies), int(done.copies.sum() + done.bad.sum()), settings
        )
        results.append(share_result)
        blocking.extend(over)
        usable[table.name] = done.usable()
        quarantine[table.name] = done.rejected().reset_index(drop=True)
        copies[table.name] = done.copies
        if let_go:
            done.let_go()
            extract.raw.pop(table.name)
        return done

    agents = checked(s.AGENTS)
    agent_ids = agents.ids(agents.usable())
    bad_agents = _only_in(agents.ids(agents.bad), agent_ids)
    contacts = checked(s.CONTACTS, agent_ids=agent_ids, bad_agent_ids=bad_agents)
    contact_ids = contacts.ids(usable[s.CONTACTS.name])
    upstream = {
        "contacts": rows_where(
            contacts.typed[[s.CONTACT_ID, s.CREATED_AT]], usable[s.CONTACTS.name]
        ),
        "contact_ids": contact_ids,
        "agent_ids": agent_ids,
        "bad_agent_ids": bad_agents,
        "bad_contact_ids": _only_in(contacts.ids(contacts.bad), contact_ids),
    }
    for table in (s.QA_EVALUATIONS, s.SURVEYS, s.SHIFTS):
        checked(table, **upstream)
    del agents, contacts, upstream

    verdict = Validation(
        {},
        quarantine,
        tuple(results),
        tuple(blocking),
        _counts(read, quarantine),
        read_at=read_at,
        copies=copies,
        source_columns=columns,
    )
    if hand_over is not None:
        hand_over(verdict)
    clean = {  # with LET_GO, each table's typed rows give up their columns as they go
        name: cut_free_text(
            rows_where(
                extract.typed.pop(name) if let_go else extract.typed[name],
                usable.pop(name),
                consume=let_go,
            ),
            limits[COMMENT_LIMIT],
        )
        for name in (t.name for t in _TABLE_ORDER)
    }

    in_period = _in_period(clean[s.CONTACTS.name], extract, settings)
    results.append(
        RuleResult(
            s.CONTACTS.name,
            "period_has_contacts",
            "blocking",
            f"usable contacts were created in {extract.period}",
            1,
            int(in_period == 0),
        )
    )
    if in_period == 0:
        blocking.append(f"contacts: no usable contact was created in {extract.period}")
    results.append(
        RuleResult(s.AGENTS.name, "agents_present", "blocking", "usable agents exist", 1, 0)
    )
    if len(clean[s.AGENTS.name]) == 0:
        blocking.append("agents: no usable agent")
        results[-1] = dataclasses.replace(results[-1], failed=1)
    return dataclasses.replace(verdict, clean=clean, rules=tuple(results), blocking=tuple(blocking))


def bad_row_share(
    table: str, read: int, bad: int, settings: Settings
) -> tuple[RuleResult, list[str]]:
    """The run-level rule on a table's share of bad rows (copies and quarantined): its
    result, and its blocking reason when the share is over the allowed one."""
    share = bad / read if read else 0.0
    over = share > settings.max_bad_row_share
    result = RuleResult(
        table,
        "bad_row_share",
        "blocking",
        f"at most {settings.max_bad_row_share:.0%} of rows break a rule",
        1,
        int(over),
    )
    reason = (
        f"{table}: {bad} of {read} rows broke a rule "
        f"({share:.1%} > the {settings.max_bad_row_share:.0%} allowed)"
    )
    return result, [reason] if over else []


def text_limits(settings: Settings) -> dict[str, int]:
    """The longest text a value may hold, per suite parameter, as the settings say."""
    return {TEXT_LIMIT: settings.max_text_length, COMMENT_LIMIT: settings.max_comment_length}


def cut_free_text(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Free text (a survey comment) cut to LIMIT characters, as its length warning says: the
    row is sound, and nothing downstream needs more of a comment than that."""
    cuts = {
        c: frame[c].str.slice(0, limit)
        for c in s.FREE_TEXT
        if c in frame.columns and longer(frame[c], limit).any()
    }
    return frame.assign(**cuts) if cuts else frame


def _only_in(ids: pd.Series, others: pd.Series) -> pd.Series:
    """The ids that are not among the others (an id with good and bad rows is not bad)."""
    return ids[~among(ids, others)]


def _in_period(contacts: pd.DataFrame, extract: Extract, settings: Settings) -> int:
    start = pd.Timestamp(extract.period.start(settings.zone))
    end = pd.Timestamp(extract.period.end(settings.zone))
    created = contacts[s.CREATED_AT]
    return int(((created >= start) & (created < end)).sum())


def _counts(read: dict[str, int], quarantine: dict[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    out = {}
    for name, rows in read.items():
        bad = len(quarantine[name]) if name in quarantine else 0
        out[name] = {"read": rows, "used": rows - bad, "quarantined": bad}
    return out
