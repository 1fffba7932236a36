"""Validate: every rule of the suites in `expectations/` checked on every row of the extract.

A blocking failure stops the run before anything is published; a quarantined row is removed
from every computation; a warning is reported only. Each input row ends up used or
quarantined, never silently dropped. Great Expectations records each rule (SUMMARY results)
and the rule's pandas mask picks the rows, on the same frame: their counts must agree.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.errors import OutOfBoundsDatetime

from csreview import schema as s
from csreview.frames import among, exact_copies
from csreview.settings import Settings
from expectations import (
    COMMENT_LIMIT,
    LIMITS,
    READ_AT,
    SUITES,
    TEXT_LIMIT,
    Rule,
    RuleInputs,
    Severity,
)
from expectations.masks import longer
from tasks.extract import Extract

REASON = "reason"
_EXAMPLES = 5
_SHOWN = 80  # characters of a failing id or value the evidence shows (a value may be huge)
_TABLE_ORDER = (s.AGENTS, s.CONTACTS, s.QA_EVALUATIONS, s.SURVEYS, s.SHIFTS)


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
    engine: str = "pandas"
    expectation: str | None = None
    gx_success: bool | None = None
    gx_unexpected: int | None = None
    gx_values: tuple[str, ...] = ()  # a few failing values, as GX reported them

    @property
    def passed(self) -> bool:
        return self.failed == 0

    @property
    def gx_agrees(self) -> bool | None:
        """Whether GX saw what the pandas mask saw (None: not a GX rule, or GX did not run)."""
        if self.gx_success is None:
            return None
        if self.gx_unexpected is None:
            return self.gx_success == self.passed
        return self.gx_unexpected == self.failed


@dataclass(frozen=True)
class Validation:
    """What validation let through (`clean`), what it rejected (`quarantine`) and why."""

    clean: dict[str, pd.DataFrame]
    quarantine: dict[str, pd.DataFrame]
    rules: tuple[RuleResult, ...]
    blocking: tuple[str, ...] = ()
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    gx_results: dict[str, Any] = field(default_factory=dict)
    read_at: pd.Timestamp | None = None  # the run's clock the rules were checked against

    @property
    def blocked(self) -> bool:
        return bool(self.blocking)

    @property
    def warnings(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.rules if r.severity == "warn" and not r.passed)


class _Table:
    """One table's rows through the rules: exact copies first, then each rule on the rest."""

    def __init__(self, table: s.Table, typed: pd.DataFrame, raw: pd.DataFrame) -> None:
        self.table = table
        self.whole_raw = raw
        self.copies = exact_copies(raw, table.key)
        self.typed = typed[~self.copies]
        # what row rules read as read: the key (examples) and the values parsed to a type
        as_read = [c.name for c in table.columns if c.kind != "text" or c.name == table.key]
        self.raw = raw.loc[~self.copies, [c for c in raw.columns if c in as_read]]
        self.bad = np.zeros(len(self.typed), dtype=bool)
        self.reasons: list[tuple[str, np.ndarray]] = []
        self.failing: dict[str, np.ndarray] = {}
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

    def run(self, rule: Rule, inputs: RuleInputs) -> None:
        mask = rule.failing(dataclasses.replace(inputs, bad=self.bad.copy()))
        failing = mask.fillna(False).to_numpy(dtype=bool)
        self.failing[rule.name] = failing
        reason = rule.described(inputs.limits)
        self.results.append(
            RuleResult(
                self.table.name,
                rule.name,
                rule.severity,
                reason,
                len(failing),
                int(failing.sum()),
                self._examples(self.raw, failing),
                rule.engine,
                rule.expectation.kind if rule.expectation else None,
            )
        )
        if rule.severity == "quarantine" and failing.any():
            shown = failing.copy()
            for other in rule.quiet_when:
                shown &= ~self.failing.get(other, np.zeros_like(failing))
            self.reasons.append((reason, shown))
            self.bad |= failing

    def _examples(self, raw: pd.DataFrame, mask: np.ndarray) -> tuple[str, ...]:
        positions = np.flatnonzero(mask)[:_EXAMPLES]
        key = self.table.key
        if key and key in raw.columns:
            return tuple(shortened(str(v)) for v in raw[key].iloc[positions])
        return tuple(f"row {p + 1}" for p in positions)

    def inputs(self, read_at: pd.Timestamp, limits: dict[str, int], **upstream: Any) -> RuleInputs:
        return RuleInputs(self.typed, self.raw, read_at, limits=limits, **upstream)

    def used(self, limits: dict[str, int]) -> pd.DataFrame:
        return cut_free_text(self.typed[~self.bad].reset_index(drop=True), limits[COMMENT_LIMIT])

    def rejected(self) -> pd.DataFrame:
        """Rows as read, plus their reasons joined: exact copies say `duplicate row`."""
        reasons: list[list[str]] = [[] for _ in range(int(self.bad.sum()))]
        for text, mask in self.reasons:
            for position in np.flatnonzero(mask[self.bad]):
                reasons[position].append(text)
        full = np.full(len(self.copies), "duplicate row", dtype=object)
        kept = np.flatnonzero(~self.copies)[self.bad]
        full[kept] = ["; ".join(r) for r in reasons]
        picked = np.sort(np.concatenate([np.flatnonzero(self.copies), kept]))
        return self.whole_raw.iloc[picked].assign(**{REASON: full[picked]})

    def ids(self, mask: np.ndarray) -> pd.Series:
        key = self.table.key
        assert key is not None
        return self.typed[key][mask].dropna()


# ---------------------------------------------------------------- the gate
def validate(extract: Extract, settings: Settings, record_with_gx: bool = True) -> Validation:
    """Check every rule of the suites on the period's extract. `record_with_gx=False` skips
    the GX record (the quarantine sets are the same): for measuring what GX costs."""
    checked = check_rules(extract, settings)
    if not record_with_gx:
        return checked
    return with_gx(checked, gx_record(extract, settings))


def with_gx(validation: Validation, gx: GxRun) -> Validation:
    """The validation with GX's verdict beside each rule it records."""
    return dataclasses.replace(
        validation, rules=_with_gx(list(validation.rules), gx), gx_results=gx.summary
    )


def gx_record(extract: Extract, settings: Settings) -> GxRun:
    """GX's record of the suites on the rows the rules saw (see `gx_inputs`)."""
    return run_suites(gx_inputs(extract, settings))


@dataclass(frozen=True)
class GxInputs:
    """What GX's record is made of: each table's typed rows (the contract's columns the
    source has) and which of them the rules saw (exact copies are not), the run's start, and
    whether only the table-level checks run (the tables' structure blocks the extract before
    its rows are checked). Needs nothing from `check_rules`: the two may run side by side."""

    frames: dict[str, pd.DataFrame]
    seen: dict[str, np.ndarray]
    read_at: pd.Timestamp
    per_table_only: bool
    limits: dict[str, int] = field(default_factory=lambda: dict(LIMITS))


def gx_inputs(
    extract: Extract, settings: Settings, read_at: pd.Timestamp | None = None
) -> GxInputs:
    """GX's inputs from the extract, on READ_AT: the clock the rules were checked against
    (default: when the extract was read; a check kept from an earlier attempt has its own)."""
    read_at = pd.Timestamp(extract.read_at if read_at is None else read_at).tz_convert(
        settings.zone
    )
    per_table_only = bool(_table_checks(extract, read_at)[1])
    frames, seen = {}, {}
    for name, typed in extract.typed.items():
        table, raw = s.TABLES_BY_NAME[name], extract.raw[name]
        frames[name] = typed.loc[:, [c for c in table.column_names if c in raw.columns]]
        seen[name] = (
            np.ones(len(raw), dtype=bool) if per_table_only else ~exact_copies(raw, table.key)
        )
    return GxInputs(frames, seen, read_at, per_table_only, text_limits(settings))


def prepare_gx() -> None:
    """Import GX and build the suites' validation definitions (seconds, once per process)."""
    _definitions(per_table_only=False)


def check_rules(extract: Extract, settings: Settings) -> Validation:
    """Every rule as a pandas mask: the quarantine sets, the counts and the blocking reasons
    (GX's record is added by `with_gx`)."""
    read_at = pd.Timestamp(extract.read_at).tz_convert(settings.zone)
    results, blocking = _table_checks(extract, read_at)
    if blocking:
        return Validation(
            {}, {}, tuple(results), tuple(blocking), _counts(extract, {}), read_at=read_at
        )
    return _row_checks(extract, read_at, settings, results, blocking)


def _table_checks(extract: Extract, read_at: pd.Timestamp) -> tuple[list[RuleResult], list[str]]:
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
    results: list[RuleResult],
    blocking: list[str],
) -> Validation:
    """Each table's rows through its row rules, in the order the tables depend on each
    other; then the run-level blocks."""
    tables = {t.name: _Table(t, extract.typed[t.name], extract.raw[t.name]) for t in _TABLE_ORDER}

    def row_rules(name: str, inputs: RuleInputs) -> None:
        for rule in SUITES[name]:
            if not rule.per_table:
                tables[name].run(rule, inputs)

    agents = tables[s.AGENTS.name]
    limits = text_limits(settings)
    row_rules(s.AGENTS.name, agents.inputs(read_at, limits))
    agent_ids = agents.ids(~agents.bad)
    bad_agents = _only_in(agents.ids(agents.bad), agent_ids)
    contacts = tables[s.CONTACTS.name]
    row_rules(
        s.CONTACTS.name,
        contacts.inputs(read_at, limits, agent_ids=agent_ids, bad_agent_ids=bad_agents),
    )
    upstream = {
        "contacts": contacts.typed.loc[~contacts.bad, [s.CONTACT_ID, s.CREATED_AT]],
        "contact_ids": contacts.ids(~contacts.bad),
        "agent_ids": agent_ids,
        "bad_agent_ids": bad_agents,
        "bad_contact_ids": _only_in(contacts.ids(contacts.bad), contacts.ids(~contacts.bad)),
    }
    for table in (s.QA_EVALUATIONS, s.SURVEYS, s.SHIFTS):
        row_rules(table.name, tables[table.name].inputs(read_at, limits, **upstream))

    for t in tables.values():
        results.extend(t.results)
        read = len(t.copies)
        bad = int(t.copies.sum() + t.bad.sum())
        share = bad / read if read else 0.0
        over = share > settings.max_bad_row_share
        results.append(
            RuleResult(
                t.table.name,
                "bad_row_share",
                "blocking",
                f"at most {settings.max_bad_row_share:.0%} of rows break a rule",
                1,
                int(over),
            )
        )
        if over:
            blocking.append(
                f"{t.table.name}: {bad} of {read} rows broke a rule "
                f"({share:.1%} > the {settings.max_bad_row_share:.0%} allowed)"
            )
    clean = {n: t.used(limits) for n, t in tables.items()}
    quarantine = {n: t.rejected().reset_index(drop=True) for n, t in tables.items()}
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
    return Validation(
        clean,
        quarantine,
        tuple(results),
        tuple(blocking),
        _counts(extract, quarantine),
        read_at=read_at,
    )


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


def shortened(text: str) -> str:
    """A failing id or value as the evidence shows it: cut, so a megabyte value that was
    quarantined for its length is not copied into every report that names it."""
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 1]}… ({len(text)} characters)"


def _only_in(ids: pd.Series, others: pd.Series) -> pd.Series:
    """The ids that are not among the others (an id with good and bad rows is not bad)."""
    return ids[~among(ids, others)]


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


# ---------------------------------------------------------------- Great Expectations
@dataclass(frozen=True)
class GxOutcome:
    """GX's verdict on one rule: success, rows unexpected (None for a table-level check)
    and a few of the failing values."""

    success: bool
    unexpected: int | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class GxRun:
    """GX's verdict per (table, rule), and its full results as JSON-able data."""

    outcomes: dict[tuple[str, str], GxOutcome]
    summary: dict[str, Any]


def gx_view(table: s.Table, typed: pd.DataFrame) -> pd.DataFrame:
    """The frame GX checks: the contract's columns the source has (those of `typed`),
    timestamps on one naive UTC clock in nanoseconds (GX compares plain datetimes, and
    compares them in C only in nanoseconds), optional flags null → false (the contract's
    reading) as plain booleans, text as categories (the same values; GX copies the frame for
    every expectation, and codes copy fast) in order of appearance (sorting a million ids
    took a second)."""
    present = [c for c in table.columns if c.name in typed.columns]
    columns: dict[str, pd.Series] = {}
    for column in present:
        values = typed[column.name]
        if column.kind == "timestamp":
            values = _nanoseconds(values.dt.tz_convert("UTC").dt.tz_localize(None))
        elif column.kind == "flag" and not column.required:
            values = values.fillna(False).astype(bool)
        elif column.kind == "text":
            codes, labels = pd.factorize(values, sort=False)
            values = pd.Series(pd.Categorical.from_codes(codes, labels), index=values.index)
        columns[column.name] = values
    return pd.DataFrame(columns, index=typed.index)


def _nanoseconds(values: pd.Series) -> pd.Series:
    """Timestamps in nanoseconds, unless some lie beyond what nanoseconds can hold."""
    try:
        return values.astype("datetime64[ns]")
    except (OutOfBoundsDatetime, OverflowError):
        return values


@functools.cache
def _definitions(per_table_only: bool) -> dict[str, Any]:
    """One GX validation definition per table, built once per process: a suite's expectations
    do not change between runs, only the frame handed to them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GX's imports raise deprecation warnings
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX hashes every frame below 1 GB for a batch marker nothing here reads (a third of a
    # second at a million contacts); the module constant is GX's own switch for it, and if
    # a release moves or drops it this only costs that time again
    engine = sys.modules.get("great_expectations.execution_engine.pandas_execution_engine")
    if engine is not None and hasattr(engine, "HASH_THRESHOLD"):
        vars(engine)["HASH_THRESHOLD"] = 0  # its typing does not declare the constant

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("extract")
    definitions = {}
    for name, rules in SUITES.items():
        expectations = [
            getattr(gxe, r.expectation.kind)(
                **r.expectation.kwargs, meta={"rule": r.name, "severity": r.severity}
            )
            for r in rules
            if r.expectation and (r.per_table or not per_table_only)
        ]
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("period")
        definitions[name] = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
    return definitions


def run_suites(inputs: GxInputs) -> GxRun:
    """Run each table's GX suite (SUMMARY results) on the rows the pandas rules saw."""
    definitions = _definitions(inputs.per_table_only)
    outcomes: dict[tuple[str, str], GxOutcome] = {}
    summary: dict[str, Any] = {}
    read_at = inputs.read_at.tz_convert("UTC").tz_localize(None)
    for name, typed in inputs.frames.items():
        frame = gx_view(s.TABLES_BY_NAME[name], typed[inputs.seen[name]])
        result = definitions[name].run(
            batch_parameters={"dataframe": frame},
            expectation_parameters={READ_AT: read_at, **inputs.limits},
            result_format="SUMMARY",
        )
        for one in result.results:
            meta = one.expectation_config.meta or {}
            if one.exception_info.get("raised_exception"):
                raise RuntimeError(
                    f"GX could not check {name}.{meta.get('rule')}: "
                    f"{one.exception_info.get('exception_message')}"
                )
            unexpected = one.result.get("unexpected_count")
            values = one.result.get("partial_unexpected_list") or []
            outcomes[(name, str(meta.get("rule")))] = GxOutcome(
                bool(one.success),
                None if unexpected is None else int(unexpected),
                tuple(dict.fromkeys(shortened(str(_plain(v))) for v in values))[:_EXAMPLES],
            )
        summary[name] = _shortened_all(
            json.loads(json.dumps(result.describe_dict(), default=_plain))
        )
    return GxRun(outcomes, summary)


def _shortened_all(value: Any) -> Any:
    """GX's results with every long text cut (its failing values are the rows' own)."""
    if isinstance(value, str):
        return shortened(value)
    if isinstance(value, list):
        return [_shortened_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _shortened_all(v) for k, v in value.items()}
    return value


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _with_gx(results: list[RuleResult], gx: GxRun) -> tuple[RuleResult, ...]:
    out = []
    for r in results:
        seen = gx.outcomes.get((r.table, r.rule))
        if seen is not None:
            r = dataclasses.replace(
                r, gx_success=seen.success, gx_unexpected=seen.unexpected, gx_values=seen.values
            )
        out.append(r)
    return tuple(out)
