"""A check's pandas mask: which rows of a table break it, generated from its declaration.

The mask names the rows to quarantine; it reads each value as GX is given it (`as_checked`),
so the count it finds is the count GX records for the same check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import assert_never

import numpy as np
import pandas as pd

from csreview import schema as s
from csreview.frames import among, may_hold_more_bytes, positions, repeated
from expectations.checks import (
    LIMITS,
    READ_AT,
    AfterContact,
    Between,
    Bound,
    Check,
    FirstPer,
    GapAtMost,
    InSet,
    IsNull,
    Known,
    LengthAtMost,
    NotBefore,
    NotNull,
    OnlyContractColumns,
    Parameter,
    Parses,
    Present,
    Quarantined,
    Unique,
    Upstream,
    When,
)

Mask = pd.Series


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
    # rows equal in every column to an earlier row: quarantined as copies, a rule ignores them
    copies: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # per column, rows whose value is given and on another row, copies included (`repeated`)
    shared: Mapping[str, np.ndarray] = field(default_factory=dict)
    # each row's contact among `contacts` (`positions`, -1: none), when the gate looked it up
    contact_at: np.ndarray | None = None
    limits: Mapping[str, int] = field(default_factory=lambda: dict(LIMITS))


def failing(check: Check, table: s.Table, i: RuleInputs) -> Mask:
    """The rows of TABLE that break CHECK (one verdict for a table-level check)."""
    match check:
        case Present(column):
            return pd.Series([column not in i.raw.columns])
        case OnlyContractColumns(columns):
            return pd.Series([bool(set(i.raw.columns) - set(columns))])
        case NotNull(column, when):
            return _picked(when, i) & as_checked(table, column, i.typed[column]).isna()
        case IsNull(column, when):
            return _picked(when, i) & as_checked(table, column, i.typed[column]).notna()
        case InSet(column, allowed, when):
            return _picked(when, i) & not_in(as_checked(table, column, i.typed[column]), allowed)
        case Between(column, low, high):
            values = i.typed[column]
            return values.notna() & (_below(values, low, i) | _above(values, high, i))
        case Unique(column):
            return duplicates(i.typed[column], i.copies, i.shared.get(column))
        case LengthAtMost(column, limit):
            return longer(i.typed[column], i.limits[limit])
        case NotBefore(later, earlier, or_equal):
            return before(i.typed[later], i.typed[earlier], or_equal)
        case Parses(column):
            return unparseable(i, column)
        case Known(column, upstream):
            values = i.typed[column]
            return values.notna() & ~_known(column, upstream, i) & ~_follows(column, upstream, i)
        case Quarantined(column, upstream):
            return _follows(column, upstream, i)
        case AfterContact(column):
            position = _contact_at(i)
            created = i.contacts[s.CREATED_AT].array.take(position, allow_fill=True)
            return before(i.typed[column], pd.Series(created, index=i.typed.index))
        case GapAtMost(start, end, hours):
            return (i.typed[end] - i.typed[start]) > pd.Timedelta(hours=hours)
        case FirstPer(column, order):
            return _later_of_the_same(i, column, order)
        case _:
            assert_never(check)


def culprits(check: Check, i: RuleInputs) -> tuple[str, ...]:
    """What a failing table-level check names: the columns missing or outside the contract."""
    if isinstance(check, Present):
        return () if check.column in i.raw.columns else (check.column,)
    if isinstance(check, OnlyContractColumns):
        return tuple(sorted(set(i.raw.columns) - set(check.columns)))
    return ()


def as_checked(table: s.Table, column: str, values: pd.Series) -> pd.Series:
    """A column's values as both engines check them: an optional flag's null is false (the
    contract's reading), everything else as typed."""
    kind = next((c for c in table.columns if c.name == column), None)
    if kind is not None and kind.kind == "flag" and not kind.required:
        return values.fillna(False).astype(bool)
    return values


def _picked(when: When | None, i: RuleInputs) -> Mask:
    """The rows a conditional check looks at (all of them without a condition)."""
    if when is None:
        return pd.Series(True, index=i.typed.index)
    values = i.typed[when.column]
    if when.state == "null":
        return values.isna()
    if when.state == "given":
        return values.notna()
    return values.fillna(False).astype(bool)


def _value(bound: Bound, i: RuleInputs) -> object:
    if isinstance(bound, Parameter):
        return i.read_at if bound.name == READ_AT else i.limits[bound.name]
    return bound


def _below(values: pd.Series, low: Bound, i: RuleInputs) -> Mask:
    return pd.Series(False, index=values.index) if low is None else values < _value(low, i)


def _above(values: pd.Series, high: Bound, i: RuleInputs) -> Mask:
    return pd.Series(False, index=values.index) if high is None else values > _value(high, i)


def _upstream(upstream: Upstream, i: RuleInputs) -> tuple[pd.Series, pd.Series]:
    """The usable and the quarantined ids of the upstream table."""
    if upstream == "contacts":
        return i.contact_ids, i.bad_contact_ids
    return i.agent_ids, i.bad_agent_ids


def _known(column: str, upstream: Upstream, i: RuleInputs) -> Mask:
    """The ids among the usable ids of UPSTREAM (a contact looked up once for two rules)."""
    if upstream == "contacts" and column == s.CONTACT_ID and i.contact_at is not None:
        return pd.Series(i.contact_at >= 0, index=i.typed.index)
    return among(i.typed[column], _upstream(upstream, i)[0])


def _contact_at(i: RuleInputs) -> np.ndarray:
    """Each row's contact among the usable contacts, by position (-1: none)."""
    if i.contact_at is not None:
        return i.contact_at
    return positions(i.typed[s.CONTACT_ID], i.contacts[s.CONTACT_ID])


def _follows(column: str, upstream: Upstream, i: RuleInputs) -> Mask:
    return among(i.typed[column], _upstream(upstream, i)[1])


def _later_of_the_same(i: RuleInputs, column: str, order: tuple[str, ...]) -> Mask:
    """Of the usable rows sharing a COLUMN value, all but the first in ORDER."""
    f = i.typed
    sorted_by = list(order)  # only the ORDER columns are sorted, never the whole table
    frame = f[sorted_by].reset_index(drop=True)
    ordered = frame.sort_values(sorted_by, kind="stable").index.to_numpy()
    values = f[column]
    usable = ~i.bad & values.notna().to_numpy(dtype=bool)
    ordered = ordered[usable[ordered]]
    later = ordered[values.iloc[ordered].duplicated(keep="first").to_numpy(dtype=bool)]
    return pd.Series(f.index.isin(f.index[later]), index=f.index)


# ---------------------------------------------------------------- the masks' vocabulary
def unparseable(i: RuleInputs, column: str) -> Mask:
    """A value was given but could not be read as the column's type."""
    if column not in i.raw.columns:
        return pd.Series(False, index=i.typed.index)
    missing = i.typed[column].isna().to_numpy(dtype=bool)
    out = np.zeros(len(missing), dtype=bool)
    if missing.any():  # only a value that did not parse is looked at as read
        as_read = i.raw[column][missing]
        blank = as_read.isna()
        if as_read.dtype == object or pd.api.types.is_string_dtype(as_read.dtype):
            blank |= as_read.astype("string").str.strip() == ""
        out[missing] = ~blank.to_numpy(dtype=bool)
    return pd.Series(out, index=i.typed.index)


def duplicates(values: pd.Series, copies: np.ndarray, shared: np.ndarray | None = None) -> Mask:
    """A given value on more than one row, exact copies aside: the rows are hashed once (or
    SHARED says it, as `repeated`), and only the rows sharing a value again when some of
    them are copies."""
    if shared is None:
        shared = repeated(values)
    if not copies.any():
        return pd.Series(shared, index=values.index)
    rows = shared & ~copies
    out = np.zeros(len(values), dtype=bool)
    out[rows] = values[rows].duplicated(keep=False).to_numpy(dtype=bool)
    return pd.Series(out, index=values.index)


def longer(values: pd.Series, limit: int) -> Mask:
    """Text of more than LIMIT characters (not bytes: 汉字 counts one, as in GX). A text of
    at most LIMIT bytes is not counted: a character is at least one byte."""
    if not may_hold_more_bytes(values, limit):
        return pd.Series(False, index=values.index)
    return (values.str.len() > limit).fillna(False).astype(bool)


def not_in(values: pd.Series, allowed: tuple[str | int | bool, ...]) -> Mask:
    return values.notna() & ~values.isin(list(allowed))


def before(later: pd.Series, earlier: pd.Series, or_equal: bool = True) -> Mask:
    """`later` is before `earlier` (or equal to it, when equality is not allowed)."""
    both = later.notna() & earlier.notna()
    return both & ((later < earlier) if or_equal else (later <= earlier))
