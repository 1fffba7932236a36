"""The validation suites: one per input table, every data-contract rule with its severity.

Suites are code, reviewed like code; `suite_json` prints one as GX reads it.
"""

from __future__ import annotations

from typing import Any, Final

from expectations import agents, contacts, qa_evaluations, shifts, surveys
from expectations.checks import COMMENT_LIMIT, LIMITS, READ_AT, TEXT_LIMIT
from expectations.masks import RuleInputs
from expectations.rules import Rule, Severity

SUITES: Final[dict[str, tuple[Rule, ...]]] = {
    m.TABLE.name: m.RULES for m in (agents, contacts, qa_evaluations, surveys, shifts)
}

__all__ = [
    "COMMENT_LIMIT",
    "LIMITS",
    "READ_AT",
    "SUITES",
    "TEXT_LIMIT",
    "Rule",
    "RuleInputs",
    "Severity",
    "suite_json",
]


def suite_json(table: str) -> dict[str, Any]:
    """A suite as data: each rule with its severity, reason and GX expectation (if any)."""
    return {
        "name": table,
        "rules": [
            {
                "rule": r.name,
                "severity": r.severity,
                "reason": r.reason,
                "limit": r.limit,
                "engine": r.engine,
                "expectation": r.expectation.as_json() if r.expectation else None,
                "why_not_gx": r.why_not_gx or None,
            }
            for r in SUITES[table]
        ],
    }
