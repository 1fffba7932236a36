"""The KPI catalog: key, unit, direction and the English label of every KPI the product reports.

English labels are the msgids of the translation catalogs, so the zh-CN report shows the
Chinese term of the domain glossary for each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Unit = Literal["count", "fraction", "seconds", "points", "score", "nps"]
Direction = Literal["higher", "lower", "none"]


@dataclass(frozen=True)
class Kpi:
    """One KPI of the catalog."""

    key: str
    label: str
    unit: Unit
    direction: Direction
    definition: str


KPIS: Final = (
    Kpi("contacts", "contacts", "count", "none", "|C|: contacts created in the period"),
    Kpi(
        "service_level",
        "service level",
        "fraction",
        "higher",
        "answered with wait ≤ T(channel) ÷ (answered + abandoned − short abandons)",
    ),
    Kpi("asa_seconds", "average speed of answer", "seconds", "lower", "sum of wait ÷ answered"),
    Kpi(
        "abandon_rate",
        "abandonment rate",
        "fraction",
        "lower",
        "(abandoned − short abandons) ÷ (answered + abandoned − short abandons)",
    ),
    Kpi(
        "frt_median_seconds",
        "first response time (median)",
        "seconds",
        "lower",
        "median of wait over answered contacts",
    ),
    Kpi(
        "frt_p90_seconds",
        "first response time (90th percentile)",
        "seconds",
        "lower",
        "90th percentile of wait over answered contacts (linear interpolation)",
    ),
    Kpi(
        "aht_seconds",
        "average handle time",
        "seconds",
        "none",
        "sum of (talk + hold + wrap) ÷ handled",
    ),
    Kpi(
        "fcr",
        "first-contact resolution",
        "fraction",
        "higher",
        "(handled − repeated within 7 × 24 h, same customer and category) ÷ handled",
    ),
    Kpi(
        "complaint_rate", "complaint rate", "fraction", "lower", "handled with complaint ÷ handled"
    ),
    Kpi(
        "escalation_rate",
        "escalation rate",
        "fraction",
        "lower",
        "handled with escalated ÷ handled",
    ),
    Kpi(
        "transfer_rate", "transfer rate", "fraction", "lower", "handled with transferred ÷ handled"
    ),
    Kpi(
        "backlog",
        "open backlog",
        "count",
        "lower",
        "non-abandoned contacts created before the period end and still open at it",
    ),
    Kpi(
        "conversion_rate",
        "sales conversion",
        "fraction",
        "higher",
        "contacts with sale ÷ contacts with sales offer",
    ),
    Kpi("qa_score", "QA score", "points", "higher", "sum of score ÷ evaluations"),
    Kpi(
        "qa_fail_rate",
        "QA failure rate",
        "fraction",
        "lower",
        "evaluations below the pass mark or with a critical error ÷ evaluations",
    ),
    Kpi(
        "qa_reviewer_spread",
        "QA reviewer spread",
        "points",
        "lower",
        "mean of (max − min score) over contacts scored by two or more reviewers",
    ),
    Kpi(
        "csat", "customer satisfaction (CSAT)", "score", "higher", "sum of csat ÷ surveys with csat"
    ),
    Kpi(
        "csat_top2",
        "satisfied share (top-2-box)",
        "fraction",
        "higher",
        "surveys with csat ≥ 4 ÷ surveys with csat",
    ),
    Kpi(
        "nps",
        "net promoter score (NPS)",
        "nps",
        "higher",
        "100 × (share of nps ≥ 9 − share of nps ≤ 6) over surveys with nps",
    ),
    Kpi(
        "survey_response_rate",
        "survey response rate",
        "fraction",
        "higher",
        "surveys ÷ handled",
    ),
    # ---- extensions of the contract's core KPIs
    Kpi(
        "satisfaction_index",
        "satisfaction index",
        "points",
        "higher",
        "mean over surveys of the weighted 0–100 score of their answered items: "
        "csat 25 × (csat − 1), nps 10 × nps, effort 100 × (7 − effort) ÷ 6 "
        "(weights: setting satisfaction_weights)",
    ),
    Kpi(
        "effort_score",
        "customer effort score",
        "score",
        "lower",
        "sum of effort ÷ surveys with effort (1 = effortless … 7 = very hard)",
    ),
    Kpi(
        "sales_satisfaction_ratio",
        "service–sales balance",
        "score",
        "higher",
        "csat_top2 of surveyed contacts with a sales offer ÷ csat_top2 of those without; "
        "1 means selling costs no satisfaction",
    ),
    # ---- the workforce (agents.hired_on, agents.left_on: tasks/workforce.py)
    Kpi(
        "attrition_rate",
        "staff attrition rate",
        "fraction",
        "lower",
        "agents whose left_on falls in the period ÷ average headcount (mean over the period's "
        "days of the agents employed: hired_on ≤ day and left_on null or after it)",
    ),
    Kpi(
        "new_hire_share",
        "new-hire share",
        "fraction",
        "lower",
        "agents employed on the period's last day and hired within 90 days before the "
        "period end ÷ agents employed on its last day",
    ),
)

KPIS_BY_KEY: Final = {k.key: k for k in KPIS}
