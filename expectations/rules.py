"""What a validation rule is: a severity, a readable reason, a row mask and its GX expectation.

Each rule is written once and checked twice over: Great Expectations records it for the
audit (SUMMARY results), and its pandas mask names the rows to quarantine. Both run on the
same prepared frame, so their counts must agree — a test holds them to it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from csreview import schema as s
from csreview.frames import among, positions

Severity = Literal["blocking", "quarantine", "warn"]
READ_AT = "read_at"  # suite parameter: the run's start, on the clock GX sees (naive UTC)
# suite parameters and settings of the same names: the longest text a value may hold
TEXT_LIMIT = "max_text_length"
COMMENT_LIMIT = "max_comment_length"
LIMITS: Mapping[str, int] = {TEXT_LIMIT: s.MAX_TEXT_LENGTH, COMMENT_LIMIT: s.MAX_COMMENT_LENGTH}


def _no_ids() -> pd.Series:
    return pd.Series([], dtype="string")


@dataclass(frozen=True)
class RuleInputs:
    """What a rule may look at: its table as typed and as read, and what other tables left."""

    typed: pd.DataFrame
    raw: pd.DataFrame
    read_at: pd.Timestamp
    contacts: pd.DataFrame = field(default_factory=pd.DataFrame)
    contact_ids: pd.Series = field(default_factory=lambda: _no_ids())
    agent_ids: pd.Series = field(default_factory=lambda: _no_ids())
    bad_contact_ids: pd.Series = field(default_factory=lambda: _no_ids())
    bad_agent_ids: pd.Series = field(default_factory=lambda: _no_ids())
    bad: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    limits: Mapping[str, int] = field(default_factory=lambda: dict(LIMITS))


Mask = pd.Series
Failing = Callable[[RuleInputs], Mask]


@dataclass(frozen=True)
class Expectation:
    """A GX 1.x expectation as data: its class name in `great_expectations.expectations`
    and its keyword arguments (JSON-able, so a suite can be printed and reviewed)."""

    kind: str
    kwargs: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"type": self.kind, "kwargs": dict(self.kwargs)}


@dataclass(frozen=True)
class Rule:
    """One contract rule on one table."""

    table: str
    name: str
    severity: Severity
    reason: str
    failing: Failing
    expectation: Expectation | None = None  # None: a join or an order GX cannot express
    quiet_when: tuple[str, ...] = ()  # rules whose reason already explains a failing row
    why_not_gx: str = ""
    per_table: bool = False  # a table-level check: one verdict, not one per row
    culprits: Callable[[RuleInputs], tuple[str, ...]] | None = None  # what a table check names
    limit: str | None = None  # the suite parameter `{limit}` in the reason stands for

    @property
    def engine(self) -> str:
        return "great_expectations" if self.expectation else "pandas"

    def described(self, limits: Mapping[str, int]) -> str:
        """The reason a failing row carries, with its limit's value where it names one."""
        return self.reason.format(limit=limits[self.limit]) if self.limit else self.reason


# ---------------------------------------------------------------- GX row conditions
def when_true(column: str) -> dict[str, Any]:
    return {"column": {"name": column}, "operator": "==", "parameter": True}


def when_null(column: str, is_null: bool = True) -> dict[str, Any]:
    return {"column": {"name": column}, "is_null": is_null}


def expect(kind: str, **kwargs: Any) -> Expectation:
    return Expectation(kind, kwargs)


# ---------------------------------------------------------------- masks
def unparseable(i: RuleInputs, column: str) -> Mask:
    """A value was given but could not be read as the column's type."""
    if column not in i.raw.columns:
        return pd.Series(False, index=i.typed.index)
    as_read = i.raw[column]
    blank = as_read.isna()
    if as_read.dtype == object or pd.api.types.is_string_dtype(as_read.dtype):
        blank |= as_read.astype("string").str.strip() == ""
    return i.typed[column].isna() & ~blank.to_numpy()


def missing(i: RuleInputs, column: str) -> Mask:
    return i.typed[column].isna()


def absent(i: RuleInputs, column: str) -> Mask:
    """A table-level verdict: the source has no such column."""
    return pd.Series([column not in i.raw.columns])


def absent_names(i: RuleInputs, column: str) -> tuple[str, ...]:
    return () if column in i.raw.columns else (column,)


def flag(i: RuleInputs, column: str) -> pd.Series:
    """An optional flag as the contract reads it: null counts as false."""
    return i.typed[column].fillna(False).astype(bool)


def outside(values: pd.Series, low: float, high: float) -> Mask:
    return values.notna() & ((values < low) | (values > high))


def longer(values: pd.Series, limit: int) -> Mask:
    """Text of more than LIMIT characters (not bytes: 汉字 counts one, as in GX)."""
    return (values.str.len() > limit).fillna(False).astype(bool)


def not_in(values: pd.Series, allowed: Sequence[str]) -> Mask:
    return values.notna() & ~values.isin(list(allowed))


def before(later: pd.Series, earlier: pd.Series, or_equal: bool = True) -> Mask:
    """`later` is before `earlier` (or equal to it, when equality is not allowed)."""
    both = later.notna() & earlier.notna()
    return both & ((later < earlier) if or_equal else (later <= earlier))


_LABELS = {
    "timestamp": "timestamp",
    "date": "date",
    "flag": "flag",
    "int": "whole number",
    "number": "number",
}


# ---------------------------------------------------------------- rules every table has
def column_rules(table: s.Table) -> list[Rule]:
    """Types, required values and unique ids: the columns' own rules."""
    rules: list[Rule] = []
    for column in table.columns:
        name = column.name
        if column.kind != "text":
            rules.append(
                Rule(
                    table.name,
                    f"{name}_type",
                    "quarantine",
                    f"{name} is not a valid {_LABELS[column.kind]}",
                    functools.partial(unparseable, column=name),
                    why_not_gx="parsing happens before GX, which sees an unreadable value as empty",
                )
            )
        if column.required:
            rules.append(
                Rule(
                    table.name,
                    f"{name}_required",
                    "quarantine",
                    f"{name} is missing",
                    functools.partial(missing, column=name),
                    expect("ExpectColumnValuesToNotBeNull", column=name),
                    quiet_when=(f"{name}_type",) if column.kind != "text" else (),
                )
            )
        if column.kind == "text":
            rules.append(too_long(table.name, name))
    if table.key:
        key = table.key
        rules.append(
            Rule(
                table.name,
                f"{key}_unique",
                "quarantine",
                f"conflicting duplicate {key}",
                lambda i: i.typed[key].notna() & i.typed[key].duplicated(keep=False),
                expect("ExpectColumnValuesToBeUnique", column=key),
            )
        )
    return rules


def too_long(table: str, column: str) -> Rule:
    """A text value longer than its setting allows. An id or a category is short, so a long
    one is an error or an attack (a megabyte category would make every output unreadable):
    its row is quarantined. Free text (a survey comment) is used cut to the limit, with a
    warning: the survey's scores are sound, and a long complaint is still a complaint."""
    free_text = column in s.FREE_TEXT
    limit = COMMENT_LIMIT if free_text else TEXT_LIMIT
    reason = f"{column} is longer than {{limit}} characters"
    return Rule(
        table,
        f"{column}_length",
        "warn" if free_text else "quarantine",
        f"{reason}: its first {{limit}} are used" if free_text else reason,
        lambda i: longer(i.typed[column], i.limits[limit]),
        expect(
            "ExpectColumnValueLengthsToBeBetween", column=column, max_value={"$PARAMETER": limit}
        ),
        limit=limit,
    )


def structure_rules(table: s.Table) -> list[Rule]:
    """Required columns exist: without one the table cannot be read, so the run blocks."""
    return [
        Rule(
            table.name,
            f"{name}_present",
            "blocking",
            f"required column {name} is missing from table {table.name}",
            functools.partial(absent, column=name),
            expect("ExpectColumnToExist", column=name),
            per_table=True,
            culprits=functools.partial(absent_names, column=name),
        )
        for name in table.required_names
    ] + [
        Rule(
            table.name,
            "extra_columns",
            "warn",
            "columns outside the contract are ignored (kept in quarantine files)",
            lambda i: pd.Series([bool(set(i.raw.columns) - set(table.column_names))]),
            why_not_gx="GX sees the contract's columns only",
            per_table=True,
            culprits=lambda i: tuple(sorted(set(i.raw.columns) - set(table.column_names))),
        )
    ]


def known(column: str, ids: Callable[[RuleInputs], pd.Series], bad: Failing) -> Failing:
    def failing(i: RuleInputs) -> Mask:
        values = i.typed[column]
        return values.notna() & ~among(values, ids(i)) & ~bad(i)

    return failing


def reference_rules(table: str, contacts: bool, agents: bool) -> list[Rule]:
    """Foreign keys, checked with joins (GX 1.x has no cross-table expectation for pandas):
    an id must exist, and a row whose contact or agent is quarantined follows it."""
    why = "GX 1.x has no cross-table expectation for pandas: checked with a join"
    rules: list[Rule] = []
    if contacts:

        def bad_contact(i: RuleInputs) -> Mask:
            return among(i.typed[s.CONTACT_ID], i.bad_contact_ids)

        rules += [
            Rule(
                table,
                "contact_known",
                "quarantine",
                "contact_id is not in contacts",
                known(s.CONTACT_ID, lambda i: i.contact_ids, bad_contact),
                why_not_gx=why,
            ),
            Rule(
                table,
                "contact_quarantined",
                "quarantine",
                "its contact is quarantined",
                bad_contact,
                why_not_gx=why,
            ),
        ]
    if agents:

        def bad_agent(i: RuleInputs) -> Mask:
            return among(i.typed[s.AGENT_ID], i.bad_agent_ids)

        rules += [
            Rule(
                table,
                "agent_known",
                "quarantine",
                "agent_id is not in agents",
                known(s.AGENT_ID, lambda i: i.agent_ids, bad_agent),
                why_not_gx=why,
            ),
            Rule(
                table,
                "agent_quarantined",
                "quarantine",
                "its agent is quarantined",
                bad_agent,
                why_not_gx=why,
            ),
        ]
    return rules


def after_contact(table: str, column: str) -> Rule:
    """A survey or evaluation cannot predate its contact."""

    def failing(i: RuleInputs) -> Mask:
        position = positions(i.typed[s.CONTACT_ID], i.contacts[s.CONTACT_ID])
        created = i.contacts[s.CREATED_AT].array.take(position, allow_fill=True)
        return before(i.typed[column], pd.Series(created, index=i.typed.index))

    return Rule(
        table,
        f"{column}_after_contact",
        "quarantine",
        f"{column} is before the contact's created_at",
        failing,
        why_not_gx="GX 1.x has no cross-table expectation for pandas: checked with a join",
    )


def not_future(table: str, column: str) -> Rule:
    return Rule(
        table,
        f"{column}_not_future",
        "quarantine",
        f"{column} is after the run's start",
        lambda i: i.typed[column] > i.read_at,
        expect("ExpectColumnValuesToBeBetween", column=column, max_value={"$PARAMETER": READ_AT}),
    )


def in_range(table: str, column: str, low: float, high: float, what: str) -> Rule:
    return Rule(
        table,
        f"{column}_range",
        "quarantine",
        f"{column} is outside {what}",
        lambda i: outside(i.typed[column], low, high),
        expect("ExpectColumnValuesToBeBetween", column=column, min_value=low, max_value=high),
    )


def in_set(table: str, column: str, allowed: Sequence[str], reason: str) -> Rule:
    return Rule(
        table,
        f"{column}_values",
        "quarantine",
        reason,
        lambda i: not_in(i.typed[column], allowed),
        expect("ExpectColumnValuesToBeInSet", column=column, value_set=list(allowed)),
    )


def not_before(table: str, later: str, earlier: str, or_equal: bool = True) -> Rule:
    """Column order on one row, e.g. answered_at ≥ created_at."""
    word = "before" if or_equal else "not after"
    return Rule(
        table,
        f"{later}_after_{earlier}",
        "quarantine",
        f"{later} is {word} {earlier}",
        lambda i: before(i.typed[later], i.typed[earlier], or_equal),
        expect(
            "ExpectColumnPairValuesAToBeGreaterThanB",
            column_A=later,
            column_B=earlier,
            or_equal=or_equal,
            ignore_row_if="either_value_is_missing",
        ),
    )
