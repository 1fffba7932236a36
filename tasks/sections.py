"""Which report sections the review could assess, and why not where it could not (data
contract §5a): each section needs data an export may lack (surveys, QA, the rota).

A section without its data says so and names what to supply, instead of showing zeros or
drawing conclusions from absent data. Records only: `tasks/render` words the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd

from csreview import facts as f
from csreview.messages import Message
from csreview.messages import mark as _n
from tasks import kpis as k
from tasks import staffing as st

SECTIONS: Final = (
    "service", "satisfaction", "nps", "qa", "calibration", "staffing", "scorecard",
    "root_cause", "followups",
)  # fmt: skip
SectionState = Literal["assessed", "not_assessed"]

NO_COUNTED: Final = Message(
    _n(
        "no answered or abandoned contact in the period: supply the contacts of the period "
        "with answered_at, or abandoned true"
    )
)
REASONS: Final = {  # why a section is not assessed, and what the user should supply
    "service": NO_COUNTED,
    "satisfaction": Message(
        _n(
            "no survey with a CSAT answer in the period: supply post-contact surveys with "
            "csat (1–5) in the surveys table"
        )
    ),
    "nps": Message(
        _n(
            "no survey with an NPS answer in the period: supply surveys with nps (0–10) in "
            "the surveys table"
        )
    ),
    "qa": Message(
        _n(
            "no QA evaluation of the period's contacts: supply the qa_evaluations table "
            "(one row per review of a contact, with its score)"
        )
    ),
    "calibration": Message(
        _n(
            "no contact of the period was reviewed by two or more QA reviewers: calibration "
            "needs some contacts evaluated by several reviewers"
        )
    ),
    "staffing": Message(
        _n(
            "no shifts in the source for the period: staffing needs the rota (the shifts "
            "table: agent_id, starts_at, ends_at)"
        )
    ),
    "scorecard": Message(
        _n(
            "no answered contact in the period: the balanced scorecard needs contacts "
            "handled by agents"
        )
    ),
    "root_cause": NO_COUNTED,
    "followups": Message(
        _n(
            "no action approved in an earlier review to follow up: approve the proposed "
            "actions in the results store, and the next review checks them"
        )
    ),
}


@dataclass(frozen=True)
class Section:
    """One report section's state; `reason` (a message record) when it is not assessed."""

    state: SectionState
    reason: Message | None = None

    @property
    def assessed(self) -> bool:
        return self.state == "assessed"


ASSESSED: Final = Section("assessed")


def assess_sections(
    kpis: pd.DataFrame, staffing: st.StaffingPlan, followups: pd.DataFrame
) -> dict[str, Section]:
    """Each report section (`SECTIONS`) assessed or not, from what the period's KPIs counted,
    the agents the rota put on shift and the earlier actions followed up."""
    top = k.overall(kpis)

    denominators = pd.to_numeric(top[f.DENOMINATOR], errors="coerce").fillna(0)

    def observed(kpi: str) -> bool:
        return bool(denominators.get(kpi, 0) > 0)

    summary = staffing.summary
    on_shift = not summary.empty and float(summary[st.SCHEDULED_AGENTS].fillna(0).sum()) > 0
    have = {
        "service": observed("service_level"),
        "satisfaction": observed("csat"),
        "nps": observed("nps"),
        "qa": observed("qa_score"),
        "calibration": observed("qa_reviewer_spread"),
        "staffing": on_shift,
        "scorecard": observed("aht_seconds"),
        "root_cause": observed("service_level"),
        "followups": not followups.empty,
    }
    return {
        name: ASSESSED if have[name] else Section("not_assessed", REASONS[name])
        for name in SECTIONS
    }
