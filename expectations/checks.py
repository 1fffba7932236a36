"""What a rule checks, declared once as data: a kind of check with its columns and parameters.

A rule's pandas mask (`expectations.masks`) and its GX expectation (`expectations.gx`) are
both generated from its check, so the two engines cannot drift apart; a kind GX cannot express
is `PandasOnly` and says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from csreview import schema as s

READ_AT = "read_at"  # suite parameter: the run's start, on the clock GX sees (naive UTC)
# suite parameters and settings of the same names: the longest text a value may hold
TEXT_LIMIT = "max_text_length"
COMMENT_LIMIT = "max_comment_length"
LIMITS: Mapping[str, int] = {TEXT_LIMIT: s.MAX_TEXT_LENGTH, COMMENT_LIMIT: s.MAX_COMMENT_LENGTH}


@dataclass(frozen=True)
class Parameter:
    """A bound known only when the suite runs (the run's start, a text limit from settings)."""

    name: str


Bound = float | Parameter | None


@dataclass(frozen=True)
class When:
    """The rows a conditional check looks at: those where COLUMN is null, given, or true."""

    column: str
    state: Literal["null", "given", "true"]


# ---------------------------------------------------------------- kinds GX expresses
@dataclass(frozen=True)
class Present:
    """A table-level check: the source has the column."""

    column: str


@dataclass(frozen=True)
class NotNull:
    """Every value (of the rows WHEN picks) is given."""

    column: str
    when: When | None = None


@dataclass(frozen=True)
class IsNull:
    """Every value of the rows WHEN picks is empty."""

    column: str
    when: When | None = None


@dataclass(frozen=True)
class InSet:
    """Every given value (of the rows WHEN picks) is one of VALUES."""

    column: str
    values: tuple[str | int | bool, ...]
    when: When | None = None


@dataclass(frozen=True)
class Between:
    """Every given value lies within LOW and HIGH, both included (None: no bound)."""

    column: str
    low: Bound = None
    high: Bound = None


@dataclass(frozen=True)
class Unique:
    """No given value occurs twice."""

    column: str


@dataclass(frozen=True)
class LengthAtMost:
    """No text holds more characters than the suite parameter LIMIT."""

    column: str
    limit: str


@dataclass(frozen=True)
class NotBefore:
    """On every row with both given, LATER is not before EARLIER (nor equal, unless OR_EQUAL)."""

    later: str
    earlier: str
    or_equal: bool = True


# ---------------------------------------------------------------- kinds only pandas checks
@dataclass(frozen=True)
class PandasOnly:
    """A check GX cannot express; each kind says why."""

    why_not_gx: ClassVar[str]


@dataclass(frozen=True)
class Parses(PandasOnly):
    """A given value can be read as the column's type."""

    why_not_gx = "parsing happens before GX, which sees an unreadable value as empty"
    column: str


@dataclass(frozen=True)
class OnlyContractColumns(PandasOnly):
    """A table-level check: the source has no column outside the contract's COLUMNS."""

    why_not_gx = "GX sees the contract's columns only"
    columns: tuple[str, ...]


Upstream = Literal["contacts", "agents"]
_JOIN = "GX 1.x has no cross-table expectation for pandas: checked with a join"


@dataclass(frozen=True)
class Known(PandasOnly):
    """A given id is among the usable ids of UPSTREAM (a quarantined one is `Quarantined`)."""

    why_not_gx = _JOIN
    column: str
    upstream: Upstream


@dataclass(frozen=True)
class Quarantined(PandasOnly):
    """The id names a row of UPSTREAM that was quarantined: this row follows it."""

    why_not_gx = _JOIN
    column: str
    upstream: Upstream


@dataclass(frozen=True)
class AfterContact(PandasOnly):
    """COLUMN is not before the created_at of the row's contact."""

    why_not_gx = _JOIN
    column: str


@dataclass(frozen=True)
class GapAtMost(PandasOnly):
    """END is at most HOURS after START."""

    why_not_gx = "GX has no expectation on the gap between two columns"
    start: str
    end: str
    hours: int


@dataclass(frozen=True)
class FirstPer(PandasOnly):
    """Of the usable rows sharing COLUMN, the first in ORDER counts; later ones do not."""

    why_not_gx = "depends on which surveys of the contact are usable: checked last, in pandas"
    column: str
    order: tuple[str, ...]


GxCheck = Present | NotNull | IsNull | InSet | Between | Unique | LengthAtMost | NotBefore
PandasCheck = (
    Parses | OnlyContractColumns | Known | Quarantined | AfterContact | GapAtMost | FirstPer
)
Check = GxCheck | PandasCheck
TABLE_LEVEL = (Present, OnlyContractColumns)  # one verdict per table, not one per row
