"""Suite `qa_evaluations`: quality reviews of contacts, by people or by AI."""

from __future__ import annotations

from csreview import schema as s
from expectations.rules import (
    Rule,
    after_contact,
    column_rules,
    in_range,
    in_set,
    not_future,
    reference_rules,
    structure_rules,
)

TABLE = s.QA_EVALUATIONS
_T = TABLE.name

RULES: tuple[Rule, ...] = (
    *structure_rules(TABLE),
    *column_rules(TABLE),
    in_set(_T, s.REVIEWER_KIND, s.REVIEWER_KINDS, "reviewer_kind is not human or ai"),
    in_range(_T, s.SCORE, 0, 100, "0–100"),
    *(in_range(_T, item, 0, 100, "0–100") for item in s.RUBRIC_ITEMS),
    not_future(_T, s.EVALUATED_AT),
    after_contact(_T, s.EVALUATED_AT),
    *reference_rules(_T, contacts=True, agents=True),
)
