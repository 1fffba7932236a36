"""What validation reports: each rule's outcome, and the rows it let through or rejected.

These records are the evidence (quarantine files, the results JSON, the auditor's report):
the gate fills them, GX's record adds its verdict beside each rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csreview import schema as s
from expectations import Severity

REASON = "reason"  # the column of a quarantined row that says why
EXAMPLES = 5  # failing ids or values the evidence names per rule
_SHOWN = 80  # characters of a failing id or value the evidence shows (a value may be huge)


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
    # per table, its exact copies (flags by row) and the columns the source has: what GX's
    # record needs of the rows as read, which the gate may have let go
    copies: dict[str, np.ndarray] = field(default_factory=dict)
    source_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        return bool(self.blocking)

    @property
    def unknown_give_up(self) -> int:
        """Abandoned contacts used with no give-up time (closed_at empty, data contract
        §1a): accepted, never short abandons, and counted for the data-quality appendix."""
        contacts = self.clean.get(s.CONTACTS.name)
        if contacts is None or contacts.empty:
            return 0
        abandoned = contacts[s.ABANDONED].fillna(False).astype(bool)
        return int((abandoned & contacts[s.CLOSED_AT].isna()).sum())

    @property
    def warnings(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.rules if r.severity == "warn" and not r.passed)


def shortened(text: str) -> str:
    """A failing id or value as the evidence shows it: cut, so a megabyte value that was
    quarantined for its length is not copied into every report that names it."""
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 1]}… ({len(text)} characters)"
