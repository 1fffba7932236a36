"""The review's analysis steps, from the validated rows to the drafted root cause: KPIs,
comparisons with earlier periods, surveys, QA calibration, staffing, the agent scorecard,
root cause, PDCA follow-up and crisis level.

Each step is a function the step runner runs as a stage; its tasks are thin wrappers of
the plain functions of `tasks/` (a task run is what Prefect shows, retries and caches).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from csreview import store
from csreview.facts import Facts
from csreview.frames import among
from csreview.periods import Period
from csreview.schema import AGENTS, CONTACT_ID, CONTACTS, QA_EVALUATIONS, SHIFTS
from csreview.settings import Language, Settings
from flows import faults
from flows.runner import StepRunner
from tasks import compare as compare_step
from tasks import crisis as crisis_step
from tasks import kpis as kpi_step
from tasks import pdca as pdca_step
from tasks import qa as qa_step
from tasks import root_cause as root_cause_step
from tasks import scorecard as scorecard_step
from tasks import sections as sections_step
from tasks import staffing as staffing_step
from tasks import surveys as survey_step
from tasks import themes as themes_step
from tasks import workforce
from tasks.render.root_cause_words import worded_root_cause
from tasks.root_cause import RootCause
from tasks.surveys import Satisfaction
from tasks.validate import Validation

TREND_KPIS = ("service_level", "abandon_rate", "fcr", "complaint_rate", "csat", "nps")


@dataclass(frozen=True)
class Compared:
    """The period beside earlier ones: its KPI rows and figures as the store keeps them, the
    earlier periods' rows and figures, the comparisons and, for a quarter, its trend and
    months."""

    history: pd.DataFrame
    earlier: dict[str, pd.DataFrame]
    comparisons: dict[str, pd.DataFrame]
    trend: list[dict[str, Any]]
    months: compare_step.MonthByMonth | None
    figures: dict[str, float] = dataclasses.field(default_factory=dict)
    earlier_figures: dict[str, workforce.PeriodFigures] = dataclasses.field(default_factory=dict)

    @property
    def previous(self) -> pd.DataFrame | None:
        return self.earlier.get("previous")


@dataclass(frozen=True)
class Drafted:
    """The root cause with its follow-ups, a quarter's action effectiveness and the crisis
    level."""

    root_cause: RootCause
    effectiveness: pdca_step.Effectiveness | None
    crisis: crisis_step.Crisis
    worded: dict[Language, RootCause]  # the one root cause in each of the review's languages


@dataclass(frozen=True)
class Findings:
    """What the analysis found: what the documents show and the publication records."""

    checked: Validation  # the rows the gate let through, before GX's record is added
    facts: Facts
    kpis: pd.DataFrame
    compared: Compared
    satisfaction: Satisfaction
    themes: pd.DataFrame
    calibration: qa_step.Calibration
    staffing: staffing_step.StaffingPlan
    scorecard: scorecard_step.Scorecard
    drafted: Drafted

    @cached_property
    def sections(self) -> dict[str, sections_step.Section]:
        """Which report sections the data let the review assess (data contract §5a)."""
        return sections_step.assess_sections(
            self.kpis, self.staffing, self.drafted.root_cause.followups
        )


# ---------------------------------------------------------------- KPIs and comparisons
@task(name="kpis", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def kpis_task(
    validation: Validation, period: Period, settings: Settings, fcr_provisional: bool
) -> tuple[Facts, pd.DataFrame]:
    facts = kpi_step.build_facts(validation.clean, period, settings, fcr_provisional)
    agents = workforce.kpi_rows(validation.clean[AGENTS.name], period, settings, facts.months)
    return facts, workforce.with_workforce(kpi_step.compute_kpis(facts, settings), agents)


def kpis(run: StepRunner, checked: Validation) -> tuple[Facts, pd.DataFrame]:
    """The period's facts and KPI catalog (FCR provisional while its window is open)."""
    review = run.review
    now = datetime.now(review.settings.zone)
    provisional = kpi_step.fcr_is_provisional(review.period, review.settings, now)
    return run.cached(kpis_task, checked, review.period, review.settings, provisional)


@task(name="history", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def history_task(
    store_url: str, tenant: str, earlier: dict[str, Period]
) -> dict[str, pd.DataFrame]:
    """The KPI rows of earlier periods held in the results store (previous period, same
    period last year); an earlier period never reviewed is left out."""
    out = {}
    for name, period in earlier.items():
        rows = store.kpi_history(store_url, tenant, period.cadence, period.label)
        if rows:
            out[name] = pd.DataFrame(rows, columns=list(compare_step.HISTORY_COLUMNS))
    return out


@task(name="figures", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def figures_task(
    store_url: str, tenant: str, earlier: dict[str, Period]
) -> dict[str, dict[str, float]]:
    """The period figures kept beside the KPI rows of earlier periods (previous period, same
    period last year); a period never reviewed has none."""
    return {
        name: store.figure_history(store_url, tenant, period.cadence, period.label)
        for name, period in earlier.items()
    }


@task(name="trend", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def trend_task(store_url: str, tenant: str, period: Period) -> list[dict[str, Any]]:
    """Twelve months of the headline KPIs from the monthly reviews in the results store."""
    months = [m.label for m in period.months_to_end(12)]
    return store.kpi_trend(store_url, tenant, "monthly", months, TREND_KPIS)


@task(name="months", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def months_task(
    store_url: str, tenant: str, period: Period, min_sample: int
) -> compare_step.MonthByMonth:
    """A quarter's months side by side, from the monthly reviews in the results store."""
    months = {
        month.label: pd.DataFrame(
            store.kpi_history(store_url, tenant, "monthly", month.label),
            columns=list(compare_step.HISTORY_COLUMNS),
        )
        for month in period.months_to_end(period.months)
    }
    return compare_step.month_by_month(months, min_sample)


def compare(run: StepRunner, kpis: pd.DataFrame, facts: Facts, checked: Validation) -> Compared:
    """The KPIs and period figures beside the previous period and the same period last year;
    a quarter's twelve-month trend and its months side by side."""
    review, min_sample = run.review, run.review.settings.min_sample
    period, settings = review.period, review.settings
    history = compare_step.history_rows(kpis, facts)
    before = {"previous": period.previous(), "last_year": period.same_period_last_year()}
    earlier = history_task(review.store_url, review.tenant_name, before)
    kept = figures_task(review.store_url, review.tenant_name, before)
    earlier_figures = {
        name: workforce.stored_figures(p, settings, earlier[name], kept[name])
        if name in earlier
        else workforce.unrecorded(p, settings)
        for name, p in before.items()
    }
    figures = workforce.rota_figures(checked.clean[SHIFTS.name], period, settings)
    comparisons = {
        name: compare_step.compare(history, rows, min_sample) for name, rows in earlier.items()
    }
    quarterly = review.quarterly
    trend = trend_task(review.store_url, review.tenant_name, period) if quarterly else []
    months = (
        months_task(review.store_url, review.tenant_name, period, min_sample) if quarterly else None
    )
    return Compared(history, earlier, comparisons, trend, months, figures, earlier_figures)


# ---------------------------------------------------------------- customers and agents
@task(name="surveys", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def surveys_task(validation: Validation, facts: Facts) -> Satisfaction:
    return survey_step.summarise_satisfaction(validation.clean, facts.contacts)


@task(name="themes", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def themes_task(validation: Validation, facts: Facts, themes: dict[str, Any]) -> pd.DataFrame:
    surveys = survey_step.period_surveys(validation.clean, facts.contacts)
    return themes_step.verbatim_themes(surveys, themes)


def surveys(
    run: StepRunner, checked: Validation, facts: Facts
) -> tuple[Satisfaction, pd.DataFrame]:
    """Customer satisfaction and the themes of the verbatims."""
    satisfaction = run.cached(surveys_task, checked, facts)
    return satisfaction, run.cached(themes_task, checked, facts, run.review.themes)


@task(name="calibration", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def calibration_task(
    validation: Validation, facts: Facts, settings: Settings
) -> qa_step.Calibration:
    evaluations = validation.clean[QA_EVALUATIONS.name]
    in_period = evaluations[among(evaluations[CONTACT_ID], facts.contacts[CONTACT_ID])]
    return qa_step.summarise_calibration(in_period, settings.qa_pass_mark)


def calibration(run: StepRunner, checked: Validation, facts: Facts) -> qa_step.Calibration:
    """The QA evaluations of the period's contacts, and how well evaluators agree."""
    return run.cached(calibration_task, checked, facts, run.review.settings)


@task(name="staffing", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def staffing_task(
    validation: Validation, period: Period, settings: Settings
) -> staffing_step.StaffingPlan:
    zone = settings.zone
    return staffing_step.plan_staffing(
        validation.clean[CONTACTS.name],
        validation.clean[SHIFTS.name],
        pd.Timestamp(period.start(zone)),
        pd.Timestamp(period.end(zone)),
        **staffing_step.plan_terms(period, settings),
    )


def staffing(run: StepRunner, checked: Validation) -> staffing_step.StaffingPlan:
    """The agents needed (Erlang C) beside those scheduled, interval by interval."""
    return run.cached(staffing_task, checked, run.review.period, run.review.settings)


@task(name="scorecard", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def scorecard_task(
    kpis: pd.DataFrame,
    facts: Facts,
    validation: Validation,
    period: Period,
    settings: Settings,
) -> scorecard_step.Scorecard:
    zone = settings.zone
    return scorecard_step.build_scorecard(
        kpis,
        facts,
        validation.clean,
        pd.Timestamp(period.start(zone)),
        pd.Timestamp(period.end(zone)),
        settings,
    )


def scorecard(
    run: StepRunner, kpis: pd.DataFrame, facts: Facts, checked: Validation
) -> scorecard_step.Scorecard:
    """Each agent's and team's scores for the period."""
    review = run.review
    return run.cached(scorecard_task, kpis, facts, checked, review.period, review.settings)


# ---------------------------------------------------------------- root cause and PDCA
@task(name="root_cause", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def root_cause_task(
    facts: Facts,
    validation: Validation,
    period: Period,
    tenant: str,
    settings: Settings,
    playbook: dict[str, Any],
    previous: pd.DataFrame | None,
    staffing: staffing_step.StaffingPlan,
    earlier: dict[str, workforce.PeriodFigures],
) -> RootCause:
    """Drafted once, as records: every language the review is published in words them."""
    return root_cause_step.draft_root_cause(
        facts,
        validation.clean,
        period,
        tenant,
        settings,
        playbook,
        previous=previous,
        staffing=staffing.summary,
        quarantine=validation.quarantine,
        earlier=earlier,
    )


def root_cause(
    run: StepRunner,
    facts: Facts,
    checked: Validation,
    compared: Compared,
    staffing: staffing_step.StaffingPlan,
) -> RootCause:
    """The problem list, tested hypotheses (a centre-wide problem's against the earlier
    periods' figures), 5-Why chains and SMART actions."""
    review = run.review
    return run.cached(
        root_cause_task,
        facts,
        checked,
        review.period,
        review.tenant_name,
        review.settings,
        review.playbook,
        compared.previous,
        staffing,
        compared.earlier_figures,
    )


@task(name="followups", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def followup_task(
    store_url: str, tenant: str, period: Period, facts: Facts, settings: Settings
) -> pd.DataFrame:
    """Approved actions of earlier periods (results store), measured in this period."""
    approved = store.approved_before(store_url, tenant, period.cadence, period.label)
    return pdca_step.follow_up(approved, facts, settings, period.end(settings.zone).date())


@task(name="effectiveness", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def effectiveness_task(
    store_url: str, tenant: str, period: Period, followups: pd.DataFrame
) -> pdca_step.Effectiveness:
    """A quarter's actions with their monthly checks (results store) and its own follow-up."""
    months = [month.label for month in period.months_to_end(period.months)]
    return pdca_step.effectiveness_review(
        store.list_actions(store_url, tenant, "approved"),
        store.followups_checked_in(store_url, tenant, "monthly", months),
        followups,
        months,
    )


@task(name="crisis", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def crisis_task(
    root_cause: RootCause,
    kpis: pd.DataFrame,
    comparisons: dict[str, pd.DataFrame],
    rules: dict[str, Any],
) -> crisis_step.Crisis:
    return crisis_step.crisis_level(root_cause.problems, kpis, comparisons.get("previous"), rules)


def draft(
    run: StepRunner,
    facts: Facts,
    checked: Validation,
    kpis: pd.DataFrame,
    compared: Compared,
    staffing: staffing_step.StaffingPlan,
) -> Drafted:
    """The root cause, drafted once, with the follow-up of earlier actions (PDCA), a
    quarter's action effectiveness, the crisis level reached, and the root cause in the
    words of each language the review is published in."""
    review = run.review
    drafted = root_cause(run, facts, checked, compared, staffing)
    followups = followup_task(
        review.store_url, review.tenant_name, review.period, facts, review.settings
    )
    drafted = dataclasses.replace(drafted, followups=followups)
    effectiveness = (
        effectiveness_task(review.store_url, review.tenant_name, review.period, followups)
        if review.quarterly
        else None
    )
    crisis = crisis_task(drafted, kpis, compared.comparisons, review.playbook["crisis"])
    languages = (review.settings.language, *review.settings.extra_languages)
    worded = {language: worded_root_cause(drafted, language) for language in languages}
    return Drafted(drafted, effectiveness, crisis, worded)
