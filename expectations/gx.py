"""A check's GX expectation, generated from its declaration: the record of the audit.

An expectation is data here (a class name of `great_expectations.expectations` and its
keyword arguments, JSON-able), so a suite can be printed and reviewed without importing GX.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, assert_never

from expectations.checks import (
    Between,
    Bound,
    GxCheck,
    InSet,
    IsNull,
    LengthAtMost,
    NotBefore,
    NotNull,
    Parameter,
    Present,
    Unique,
    When,
)


@dataclass(frozen=True)
class Expectation:
    """A GX 1.x expectation as data: its class name in `great_expectations.expectations`
    and its keyword arguments (JSON-able, so a suite can be printed and reviewed)."""

    kind: str
    kwargs: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"type": self.kind, "kwargs": dict(self.kwargs)}


def expectation(check: GxCheck) -> Expectation:
    """The GX expectation that checks what CHECK declares."""
    match check:
        case Present(column):
            return Expectation("ExpectColumnToExist", {"column": column})
        case NotNull(column, when):
            return Expectation("ExpectColumnValuesToNotBeNull", {"column": column, **_if(when)})
        case IsNull(column, when):
            return Expectation("ExpectColumnValuesToBeNull", {"column": column, **_if(when)})
        case InSet(column, values, when):
            kwargs = {"column": column, "value_set": list(values), **_if(when)}
            return Expectation("ExpectColumnValuesToBeInSet", kwargs)
        case Between(column, low, high):
            bounds = {"min_value": _bound(low), "max_value": _bound(high)}
            kwargs = {"column": column, **{k: v for k, v in bounds.items() if v is not None}}
            return Expectation("ExpectColumnValuesToBeBetween", kwargs)
        case Unique(column):
            return Expectation("ExpectColumnValuesToBeUnique", {"column": column})
        case LengthAtMost(column, limit):
            kwargs = {"column": column, "max_value": _bound(Parameter(limit))}
            return Expectation("ExpectColumnValueLengthsToBeBetween", kwargs)
        case NotBefore(later, earlier, or_equal):
            kwargs = {
                "column_A": later,
                "column_B": earlier,
                "or_equal": or_equal,
                "ignore_row_if": "either_value_is_missing",
            }
            return Expectation("ExpectColumnPairValuesAToBeGreaterThanB", kwargs)
        case _:
            assert_never(check)


def _if(when: When | None) -> dict[str, Any]:
    """A conditional check's row condition, as GX's keyword argument (none without one)."""
    return {} if when is None else {"row_condition": row_condition(when)}


def row_condition(when: When) -> dict[str, Any]:
    """GX's condition picking the rows WHEN names."""
    if when.state == "true":
        return {"column": {"name": when.column}, "operator": "==", "parameter": True}
    return {"column": {"name": when.column}, "is_null": when.state == "null"}


def _bound(bound: Bound) -> Any:
    return {"$PARAMETER": bound.name} if isinstance(bound, Parameter) else bound
