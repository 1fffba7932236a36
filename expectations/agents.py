"""Suite `agents`: who works in the centre."""

from __future__ import annotations

from csreview import schema as s
from expectations.rules import Rule, column_rules, in_set, not_before, structure_rules

TABLE = s.AGENTS

RULES: tuple[Rule, ...] = (
    *structure_rules(TABLE),
    *column_rules(TABLE),
    in_set(TABLE.name, s.TIER, s.TIERS, "tier is not junior, intermediate or senior"),
    not_before(TABLE.name, s.LEFT_ON, s.HIRED_ON),
)
