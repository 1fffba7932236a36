"""The review's analyses of a period in parts: per part, the KPI aggregates and the
mergeable parts of satisfaction, verbatim themes, the sales balance, the variances behind
the comparisons, the staffing plan's contacts, the problem list's counts, the follow-up of
approved actions and the QA calibration; merged pairwise; finished once on the merged parts
(the staffing plan with the shifts, which are read whole; the problem list with the
playbook and the previous period's results).

A part holds whole customers (every contact of the period, its repeat window and those
still open, each with its evaluations and surveys) and every agent, as a customer-hash
partition does, so each analysis sees all the rows it joins or groups per contact. The
single-machine steps finish one part, the whole period, with the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from csreview import facts as f
from csreview.frames import among
from csreview.periods import Period
from csreview.schema import CONTACT_ID, CONTACTS, QA_EVALUATIONS
from csreview.settings import Settings
from tasks import compare, pdca, problem_parts, qa, qa_parts, scorecard, staffing, surveys, themes
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
    problems: problem_parts.ProblemsPart
    followups: pdca.FollowUpPart
    calibration: qa_parts.CalibrationPart


@dataclass(frozen=True)
class PeriodParts:
    """A part's KPI aggregates and analysis parts: what a worker returns."""

    aggregates: partial.Aggregates
    analyses: AnalysisParts


@dataclass(frozen=True)
class Analyses:
    """The analyses finished from merged parts, as the single-machine steps give them (the
    staffing plan needs the shifts too: `staffing.plan_of_part`; the problem list the
    playbook and the previous results: `problems.problems_of`)."""

    satisfaction: surveys.Satisfaction
    themes: pd.DataFrame
    sales: pd.DataFrame
    variances: dict[str, float]
    staffing: staffing.StaffingPart
    problems: problem_parts.ProblemsPart
    followups: pd.DataFrame
    calibration: qa.Calibration


def analysis_parts(
    facts: f.Facts,
    clean: Mapping[str, pd.DataFrame],
    theme_config: Mapping[str, Any],
    period: Period,
    settings: Settings,
    approved: Sequence[Mapping[str, Any]] = (),
) -> AnalysisParts:
    """The analysis parts of one part's facts and validated rows (APPROVED: the actions of
    earlier periods to follow up, read from the results store beforehand)."""
    start, end = pd.Timestamp(period.start(settings.zone)), pd.Timestamp(period.end(settings.zone))
    evaluations = clean[QA_EVALUATIONS.name]
    in_period = evaluations[among(evaluations[CONTACT_ID], facts.contacts[CONTACT_ID])]
    return AnalysisParts(
        satisfaction=surveys.satisfaction_part(clean, facts.contacts),
        themes=themes.themes_part(surveys.period_surveys(clean, facts.contacts), theme_config),
        sales=scorecard.sales_part(facts),
        variances=compare.variance_part(facts),
        staffing=staffing.staffing_part(clean[CONTACTS.name], start, end),
        problems=problem_parts.problems_part(facts, settings.targets),
        followups=pdca.follow_up_part(approved, facts, period.end(settings.zone).date()),
        calibration=qa_parts.calibration_part(in_period, settings.qa_pass_mark),
    )


def period_parts(
    clean: Mapping[str, pd.DataFrame],
    period: Period,
    settings: Settings,
    fcr_provisional: bool,
    theme_config: Mapping[str, Any],
    dimensions: tuple[str, ...] = f.DIMENSIONS,
    approved: Sequence[Mapping[str, Any]] = (),
) -> PeriodParts:
    """One part's facts built once, aggregated and analysed (validated rows, every agent)."""
    facts = build_facts(dict(clean), period, settings, fcr_provisional)
    return PeriodParts(
        partial.aggregate(facts, dimensions),
        analysis_parts(facts, clean, theme_config, period, settings, approved),
    )


def merge_analyses(a: AnalysisParts, b: AnalysisParts) -> AnalysisParts:
    """The analysis parts of two disjoint parts."""
    return AnalysisParts(
        satisfaction=surveys.merge_satisfaction(a.satisfaction, b.satisfaction),
        themes=themes.merge_themes(a.themes, b.themes),
        sales=scorecard.merge_sales(a.sales, b.sales),
        variances=compare.merge_variances(a.variances, b.variances),
        staffing=staffing.merge_staffing(a.staffing, b.staffing),
        problems=problem_parts.merge_problems(a.problems, b.problems),
        followups=pdca.merge_follow_up(a.followups, b.followups),
        calibration=qa_parts.merge_calibration(a.calibration, b.calibration),
    )


def merge(a: PeriodParts, b: PeriodParts) -> PeriodParts:
    """The parts of two disjoint parts of a period: aggregates and analyses merged."""
    return PeriodParts(
        partial.merge(a.aggregates, b.aggregates), merge_analyses(a.analyses, b.analyses)
    )


def finish(parts: AnalysisParts, settings: Settings) -> Analyses:
    """The analyses read from (merged) parts."""
    return Analyses(
        satisfaction=surveys.finish_satisfaction(parts.satisfaction),
        themes=themes.finish_themes(parts.themes),
        sales=scorecard.finish_sales(parts.sales),
        variances={key: m.variance for key, m in parts.variances.items()},
        staffing=parts.staffing,
        problems=parts.problems,
        followups=pdca.finish_follow_up(parts.followups, settings),
        calibration=qa.finish_calibration(parts.calibration),
    )
