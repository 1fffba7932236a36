"""Suite `shifts`: who was scheduled when."""

from __future__ import annotations

import pandas as pd

from csreview import schema as s
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
        lambda i: (
            (i.typed[s.ENDS_AT] - i.typed[s.STARTS_AT]) > pd.Timedelta(hours=s.MAX_SHIFT_HOURS)
        ),
        why_not_gx="GX has no expectation on the gap between two columns",
    ),
    *reference_rules(_T, contacts=False, agents=True),
)
