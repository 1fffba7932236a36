"""The review's analyses of a period in parts: per part, the KPI aggregates and the
mergeable parts of satisfaction, verbatim themes, the sales balance, the variances behind
the comparisons and the staffing plan's contacts; merged pairwise; finished once on the
merged parts (the staffing plan with the shifts, which are read whole).

A part holds whole customers (every contact of the period, its repeat window and those
still open, each with its evaluations and surveys) and every agent, as a customer-hash
partition does, so each analysis sees all the rows it joins or groups per contact. The
single-machine steps finish one part, the whole period, with the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from csreview import facts as f
from csreview.periods import Period
from csreview.schema import CONTACTS
from csreview.settings import Settings
from tasks import compare, scorecard, staffing, surveys, themes
from tasks.kpis import partial
from tasks.kpis.fact_building import build_facts


@dataclass(frozen=True)
class AnalysisParts:
    """What a part of a period contributes to the analyses beyond the KPI table."""

    satisfaction: surveys.SatisfactionPart
    themes: themes.ThemesPart
    sales: scorecard.SalesPart
    variances: dict[str, compare.Moments]
    staffing: staffing.StaffingPart


@dataclass(frozen=True)
class PeriodParts:
    """A part's KPI aggregates and analysis parts: what a worker returns."""

    aggregates: partial.Aggregates
    analyses: AnalysisParts


@dataclass(frozen=True)
class Analyses:
    """The analyses finished from merged parts, as the single-machine steps give them (the
    staffing plan needs the shifts too: `staffing.plan_of_part`)."""

    satisfaction: surveys.Satisfaction
    themes: pd.DataFrame
    sales: pd.DataFrame
    variances: dict[str, float]
    staffing: staffing.StaffingPart


def analysis_parts(
    facts: f.Facts,
    clean: Mapping[str, pd.DataFrame],
    theme_config: Mapping[str, Any],
    period: Period,
    settings: Settings,
) -> AnalysisParts:
    """The analysis parts of one part's facts and validated rows."""
    start, end = pd.Timestamp(period.start(settings.zone)), pd.Timestamp(period.end(settings.zone))
    return AnalysisParts(
        satisfaction=surveys.satisfaction_part(clean, facts.contacts),
        themes=themes.themes_part(surveys.period_surveys(clean, facts.contacts), theme_config),
        sales=scorecard.sales_part(facts),
        variances=compare.variance_part(facts),
        staffing=staffing.staffing_part(clean[CONTACTS.name], start, end),
    )


def period_parts(
    clean: Mapping[str, pd.DataFrame],
    period: Period,
    settings: Settings,
    fcr_provisional: bool,
    theme_config: Mapping[str, Any],
    dimensions: tuple[str, ...] = f.DIMENSIONS,
) -> PeriodParts:
    """One part's facts built once, aggregated and analysed (validated rows, every agent)."""
    facts = build_facts(dict(clean), period, settings, fcr_provisional)
    return PeriodParts(
        partial.aggregate(facts, dimensions),
        analysis_parts(facts, clean, theme_config, period, settings),
    )


def merge_analyses(a: AnalysisParts, b: AnalysisParts) -> AnalysisParts:
    """The analysis parts of two disjoint parts."""
    return AnalysisParts(
        satisfaction=surveys.merge_satisfaction(a.satisfaction, b.satisfaction),
        themes=themes.merge_themes(a.themes, b.themes),
        sales=scorecard.merge_sales(a.sales, b.sales),
        variances=compare.merge_variances(a.variances, b.variances),
        staffing=staffing.merge_staffing(a.staffing, b.staffing),
    )


def merge(a: PeriodParts, b: PeriodParts) -> PeriodParts:
    """The parts of two disjoint parts of a period: aggregates and analyses merged."""
    return PeriodParts(
        partial.merge(a.aggregates, b.aggregates), merge_analyses(a.analyses, b.analyses)
    )


def finish(parts: AnalysisParts) -> Analyses:
    """The analyses read from (merged) parts."""
    return Analyses(
        satisfaction=surveys.finish_satisfaction(parts.satisfaction),
        themes=themes.finish_themes(parts.themes),
        sales=scorecard.finish_sales(parts.sales),
        variances={key: m.variance for key, m in parts.variances.items()},
        staffing=parts.staffing,
    )
