"""Suite `shifts`: who was scheduled when."""

from __future__ import annotations

from csreview import schema as s
from expectations.checks import GapAtMost
from expectations.rules import Rule, column_rules, not_before, reference_rules, structure_rules

TABLE = s.SHIFTS
_T = TABLE.name

RULES: tuple[Rule, ...] = (
    *structure_rules(TABLE),
    *column_rules(TABLE),
    not_before(_T, s.ENDS_AT, s.STARTS_AT, or_equal=False),
    Rule(
        _T,
        "shift_length",
        "quarantine",
        f"shift is longer than {s.MAX_SHIFT_HOURS} h",
        GapAtMost(s.STARTS_AT, s.ENDS_AT, s.MAX_SHIFT_HOURS),
    ),
    *reference_rules(_T, contacts=False, agents=True),
)
