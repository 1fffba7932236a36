"""The KPI rules: how each KPI of the catalog is computed from a facts frame.

Each KPI is a numerator and a denominator summed over one facts frame, or a quantile,
NPS or balance of its measures: one rule per KPI, read by the aggregation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from csreview import facts as f
from csreview import schema as s

Source = Literal["contacts", "backlog", "qa", "calibration", "surveys"]
Kind = Literal["ratio", "count", "median", "p90", "nps", "response", "balance"]


@dataclass(frozen=True)
class KpiRule:
    """How one KPI is computed from a facts frame."""

    key: str
    source: Source
    kind: Kind
    numerator: str = f.N
    denominator: str = f.N
    integer_numerator: bool = True


RULES: Final = (
    KpiRule("contacts", "contacts", "count"),
    KpiRule("service_level", "contacts", "ratio", f.WITHIN_SL, f.COUNTED),
    KpiRule("asa_seconds", "contacts", "ratio", f.WAIT, f.ANSWERED, integer_numerator=False),
    KpiRule("abandon_rate", "contacts", "ratio", f.ABANDON_COUNTED, f.COUNTED),
    KpiRule("frt_median_seconds", "contacts", "median", f.WAIT, f.ANSWERED),
    KpiRule("frt_p90_seconds", "contacts", "p90", f.WAIT, f.ANSWERED),
    KpiRule("aht_seconds", "contacts", "ratio", f.HANDLE, f.ANSWERED, integer_numerator=False),
    KpiRule("fcr", "contacts", "ratio", f.NOT_REPEATED, f.ANSWERED),
    KpiRule("complaint_rate", "contacts", "ratio", f.HANDLED_COMPLAINT, f.ANSWERED),
    KpiRule("escalation_rate", "contacts", "ratio", f.HANDLED_ESCALATED, f.ANSWERED),
    KpiRule("transfer_rate", "contacts", "ratio", f.HANDLED_TRANSFERRED, f.ANSWERED),
    KpiRule("backlog", "backlog", "count"),
    KpiRule("conversion_rate", "contacts", "ratio", f.SOLD, f.OFFERED),
    KpiRule("qa_score", "qa", "ratio", s.SCORE, f.N, integer_numerator=False),
    KpiRule("qa_fail_rate", "qa", "ratio", f.FAILED, f.N),
    KpiRule("qa_reviewer_spread", "calibration", "ratio", f.SPREAD, f.N, integer_numerator=False),
    KpiRule("csat", "surveys", "ratio", s.CSAT, f.CSAT_N),
    KpiRule("csat_top2", "surveys", "ratio", f.CSAT_TOP2, f.CSAT_N),
    KpiRule("nps", "surveys", "nps", f.NPS_N, f.NPS_N),
    KpiRule("survey_response_rate", "surveys", "response", f.N, f.ANSWERED),
    KpiRule(
        "satisfaction_index", "surveys", "ratio", f.SATISFACTION_POINTS, f.SATISFACTION_N,
        integer_numerator=False,
    ),
    KpiRule("effort_score", "surveys", "ratio", s.EFFORT, f.EFFORT_N),
    KpiRule("sales_satisfaction_ratio", "surveys", "balance", f.OFFER_TOP2, f.OFFER_CSAT_N),
)  # fmt: skip

MEASURES: Final[dict[Source, tuple[str, ...]]] = {  # what the KPIs of each source sum
    "contacts": (
        f.N, f.ANSWERED, f.COUNTED, f.ABANDON_COUNTED, f.WITHIN_SL, f.WAIT, f.HANDLE, f.NOT_REPEATED,
        f.HANDLED_COMPLAINT, f.HANDLED_ESCALATED, f.HANDLED_TRANSFERRED, f.OFFERED, f.SOLD,
    ),
    "backlog": (f.N,),
    "qa": (f.N, s.SCORE, f.FAILED),
    "surveys": (
        f.N, s.CSAT, f.CSAT_N, f.CSAT_TOP2, f.NPS_N, f.PROMOTER, f.DETRACTOR, f.SATISFACTION_POINTS,
        f.SATISFACTION_N, s.EFFORT, f.EFFORT_N, f.OFFER_CSAT_N, f.OFFER_TOP2, f.NO_OFFER_CSAT_N,
        f.NO_OFFER_TOP2,
    ),
}  # fmt: skip


def count_kpis() -> frozenset[str]:
    """KPIs whose value is a count (written as an integer)."""
    return frozenset(r.key for r in RULES if r.kind == "count")


def integer_numerators() -> frozenset[str]:
    """KPIs whose numerator is a count (written as an integer)."""
    return frozenset(
        r.key
        for r in RULES
        if r.integer_numerator and r.kind not in ("median", "p90", "nps", "balance")
    )
