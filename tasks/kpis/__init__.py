"""KPIs: every core KPI of the data contract, overall and by segment, with target and status.

Each KPI is a numerator and a denominator summed over a facts frame (one row per contact,
evaluation or survey), so every segment uses exactly the contract's definition. The
facts' column names are the foundation's (`csreview.facts`).
"""

from __future__ import annotations

from tasks.kpis.aggregation import compute_kpis, overall
from tasks.kpis.fact_building import build_facts, fcr_is_provisional
from tasks.kpis.groups import GROUP_KPIS, headline_rows
from tasks.kpis.rules import RULES, KpiRule, count_kpis, integer_numerators
from tasks.kpis.segments import in_segment, segments
from tasks.kpis.status import reaches, status_of

__all__ = [
    "GROUP_KPIS",
    "RULES",
    "KpiRule",
    "build_facts",
    "compute_kpis",
    "count_kpis",
    "fcr_is_provisional",
    "headline_rows",
    "in_segment",
    "integer_numerators",
    "overall",
    "reaches",
    "segments",
    "status_of",
]
