"""Suite `surveys`: post-contact satisfaction answers."""

from __future__ import annotations

import pandas as pd

from csreview import schema as s
from expectations.rules import (
    Rule,
    RuleInputs,
    after_contact,
    column_rules,
    expect,
    in_range,
    reference_rules,
    structure_rules,
    when_null,
)

TABLE = s.SURVEYS
_T = TABLE.name


def _later_survey(i: RuleInputs) -> pd.Series:
    """Of the usable surveys of one contact, the first submitted counts; later ones do not."""
    f = i.typed
    order = f.assign(_bad=i.bad).sort_values([s.SUBMITTED_AT, s.ROW], kind="stable")
    usable = order[~order["_bad"] & order[s.CONTACT_ID].notna()]
    later = usable[usable[s.CONTACT_ID].duplicated(keep="first")].index
    return pd.Series(f.index.isin(later), index=f.index)


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
        lambda i: i.typed[s.CSAT].isna() & i.typed[s.NPS].isna(),
        expect("ExpectColumnValuesToNotBeNull", column=s.NPS, row_condition=when_null(s.CSAT)),
        quiet_when=(f"{s.CSAT}_type", f"{s.NPS}_type"),
    ),
    after_contact(_T, s.SUBMITTED_AT),
    *reference_rules(_T, contacts=True, agents=False),
    Rule(
        _T,
        "one_survey_per_contact",
        "quarantine",
        "a survey of this contact was submitted earlier",
        _later_survey,
        why_not_gx="depends on which surveys of the contact are usable: checked last, in pandas",
    ),
)
