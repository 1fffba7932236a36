"""What a validation rule is: a table, a name, a severity, a readable reason and one check.

Each rule is declared once: its check (`expectations.checks`) is what both engines are
generated from — the pandas mask that names the rows to quarantine and the GX expectation that
records the rule for the audit (SUMMARY results) — so their counts agree by construction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from csreview import schema as s
from expectations.checks import (
    COMMENT_LIMIT,
    READ_AT,
    TABLE_LEVEL,
    TEXT_LIMIT,
    AfterContact,
    Between,
    Check,
    InSet,
    Known,
    LengthAtMost,
    NotBefore,
    NotNull,
    OnlyContractColumns,
    PandasOnly,
    Parameter,
    Parses,
    Present,
    Quarantined,
    Unique,
)
from expectations.gx import Expectation, expectation
from expectations.masks import Mask, RuleInputs
from expectations.masks import culprits as culprits_of
from expectations.masks import failing as failing_rows

Severity = Literal["blocking", "quarantine", "warn"]


@dataclass(frozen=True)
class Rule:
    """One contract rule on one table: what it checks, and what a failing row is told."""

    table: str
    name: str
    severity: Severity
    reason: str  # `{limit}` stands for the value of the check's text limit
    check: Check
    quiet_when: tuple[str, ...] = ()  # rules whose reason already explains a failing row

    @property
    def per_table(self) -> bool:
        """A table-level check: one verdict, not one per row."""
        return isinstance(self.check, TABLE_LEVEL)

    @property
    def limit(self) -> str | None:
        """The suite parameter `{limit}` in the reason stands for."""
        return self.check.limit if isinstance(self.check, LengthAtMost) else None

    @property
    def expectation(self) -> Expectation | None:
        """The GX expectation recording the rule (None: a check GX cannot express)."""
        return None if isinstance(self.check, PandasOnly) else expectation(self.check)

    @property
    def why_not_gx(self) -> str:
        return self.check.why_not_gx if isinstance(self.check, PandasOnly) else ""

    @property
    def engine(self) -> str:
        return "pandas" if isinstance(self.check, PandasOnly) else "great_expectations"

    def failing(self, inputs: RuleInputs) -> Mask:
        """The rows that break the rule (one verdict for a table-level rule)."""
        return failing_rows(self.check, s.TABLES_BY_NAME[self.table], inputs)

    def culprits(self, inputs: RuleInputs) -> tuple[str, ...]:
        """What a failing table-level rule names (the columns in question)."""
        return culprits_of(self.check, inputs)

    def described(self, limits: Mapping[str, int]) -> str:
        """The reason a failing row carries, with its limit's value where it names one."""
        return self.reason.format(limit=limits[self.limit]) if self.limit else self.reason


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
            label = _LABELS[column.kind]
            rules.append(
                Rule(
                    table.name,
                    f"{name}_type",
                    "quarantine",
                    f"{name} is not a valid {label}",
                    Parses(name),
                )
            )
        if column.required:
            quiet = (f"{name}_type",) if column.kind != "text" else ()
            rules.append(
                Rule(
                    table.name,
                    f"{name}_required",
                    "quarantine",
                    f"{name} is missing",
                    NotNull(name),
                    quiet_when=quiet,
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
                Unique(key),
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
        LengthAtMost(column, limit),
    )


def structure_rules(table: s.Table) -> list[Rule]:
    """Required columns exist: without one the table cannot be read, so the run blocks."""
    return [
        Rule(
            table.name,
            f"{name}_present",
            "blocking",
            f"required column {name} is missing from table {table.name}",
            Present(name),
        )
        for name in table.required_names
    ] + [
        Rule(
            table.name,
            "extra_columns",
            "warn",
            "columns outside the contract are ignored (kept in quarantine files)",
            OnlyContractColumns(table.column_names),
        )
    ]


def reference_rules(table: str, contacts: bool, agents: bool) -> list[Rule]:
    """Foreign keys, checked with joins (GX 1.x has no cross-table expectation for pandas):
    an id must exist, and a row whose contact or agent is quarantined follows it."""
    rules: list[Rule] = []
    if contacts:
        rules += [
            Rule(
                table,
                "contact_known",
                "quarantine",
                "contact_id is not in contacts",
                Known(s.CONTACT_ID, "contacts"),
            ),
            Rule(
                table,
                "contact_quarantined",
                "quarantine",
                "its contact is quarantined",
                Quarantined(s.CONTACT_ID, "contacts"),
            ),
        ]
    if agents:
        rules += [
            Rule(
                table,
                "agent_known",
                "quarantine",
                "agent_id is not in agents",
                Known(s.AGENT_ID, "agents"),
            ),
            Rule(
                table,
                "agent_quarantined",
                "quarantine",
                "its agent is quarantined",
                Quarantined(s.AGENT_ID, "agents"),
            ),
        ]
    return rules


def after_contact(table: str, column: str) -> Rule:
    """A survey or evaluation cannot predate its contact."""
    reason = f"{column} is before the contact's created_at"
    return Rule(table, f"{column}_after_contact", "quarantine", reason, AfterContact(column))


def not_future(table: str, column: str) -> Rule:
    reason = f"{column} is after the run's start"
    check = Between(column, high=Parameter(READ_AT))
    return Rule(table, f"{column}_not_future", "quarantine", reason, check)


def in_range(table: str, column: str, low: float, high: float, what: str) -> Rule:
    reason = f"{column} is outside {what}"
    return Rule(table, f"{column}_range", "quarantine", reason, Between(column, low, high))


def in_set(table: str, column: str, allowed: Sequence[str], reason: str) -> Rule:
    return Rule(table, f"{column}_values", "quarantine", reason, InSet(column, tuple(allowed)))


def not_before(table: str, later: str, earlier: str, or_equal: bool = True) -> Rule:
    """Column order on one row, e.g. answered_at ≥ created_at."""
    word = "before" if or_equal else "not after"
    reason = f"{later} is {word} {earlier}"
    check = NotBefore(later, earlier, or_equal)
    return Rule(table, f"{later}_after_{earlier}", "quarantine", reason, check)
