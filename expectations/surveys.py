"""Suite `surveys`: post-contact satisfaction answers."""

from __future__ import annotations

from csreview import schema as s
from expectations.checks import FirstPer, NotNull, When
from expectations.rules import (
    Rule,
    after_contact,
    column_rules,
    in_range,
    reference_rules,
    structure_rules,
)

TABLE = s.SURVEYS
_T = TABLE.name

RULES: tuple[Rule, ...] = (
    *structure_rules(TABLE),
    *column_rules(TABLE),
    in_range(_T, s.CSAT, 1, 5, "1–5"),
    in_range(_T, s.NPS, 0, 10, "0–10"),
    in_range(_T, s.EFFORT, 1, 7, "1–7"),
    Rule(
        _T,
        "csat_or_nps",
        "quarantine",
        "neither csat nor nps is given",
        NotNull(s.NPS, when=When(s.CSAT, "null")),
        quiet_when=(f"{s.CSAT}_type", f"{s.NPS}_type"),
    ),
    after_contact(_T, s.SUBMITTED_AT),
    *reference_rules(_T, contacts=True, agents=False),
    # of the usable surveys of one contact, the first submitted counts; later ones do not
    Rule(
        _T,
        "one_survey_per_contact",
        "quarantine",
        "a survey of this contact was submitted earlier",
        FirstPer(s.CONTACT_ID, (s.SUBMITTED_AT, s.ROW)),
    ),
)
