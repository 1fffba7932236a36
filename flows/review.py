"""The review flow: one turn of the PDCA review for one tenant, cadence and period.

The body reads like a table of contents; every step is a thin task around one plain
function of `tasks/`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from csreview import store, tenants
from csreview.facts import Facts
from csreview.frames import among
from csreview.periods import Period, resolve_period
from csreview.schema import (
    CONTACT_ID,
    CONTACTS,
    CONTRACT_VERSION,
    QA_EVALUATIONS,
    SHIFTS,
)
from csreview.settings import Language, Settings, expand_env, load_settings
from flows import alerts, artifacts, caching, faults
from flows.background import Worker
from flows.faults import ValidationBlockedError
from tasks import compare as compare_step
from tasks import crisis as crisis_step
from tasks import deliver as deliver_step
from tasks import kpis as kpi_step
from tasks import pdca as pdca_step
from tasks import playbook as playbook_step
from tasks import publish as publish_step
from tasks import qa as qa_step
from tasks import render as render_step
from tasks import root_cause as root_cause_step
from tasks import scorecard as scorecard_step
from tasks import staffing as staffing_step
from tasks import surveys as survey_step
from tasks import themes as themes_step
from tasks import validate as validate_step
from tasks.extract import Extract, describe_source, extract_period
from tasks.render import root_cause_words
from tasks.root_cause import RootCause
from tasks.surveys import Satisfaction
from tasks.validate import Validation


# ---------------------------------------------------------------- tasks
@task(
    name="extract",
    retries=2,
    retry_delay_seconds=[2, 10],
    cache_policy=NO_CACHE,
    persist_result=False,
)
@faults.quiet
def extract_task(source: str, period: Period, settings: Settings) -> Extract:
    return extract_period(source, period, settings.zone, datetime.now(settings.zone))


@task(name="validate", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def validate_task(extract: Extract, settings: Settings) -> Validation:
    """The gate: every rule as a pandas mask picks the rows used and quarantined, and says
    what blocks the run."""
    return validate_step.check_rules(extract, settings)


@task(name="gx-record", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def gx_record_task(validation: Validation, gx: Worker[validate_step.GxRun]) -> validate_step.GxRun:
    """GX's record of the rules, made by GX's worker on the rows the gate (VALIDATION, which
    keys the record in the step cache) saw, at its clock."""
    return gx.result()


@task(name="evidence", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def evidence_task(
    run_dir: Path,
    validation: Validation,
    fingerprints: dict[str, str],
    run: dict[str, Any],
    language: Language,
) -> dict[str, str]:
    context = render_step.build_validation_context(validation, run, fingerprints, language)
    report = render_step.render_validation_report(context, language)
    return publish_step.write_evidence(run_dir, validation, report)


@task(name="record", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def record_task(
    store_url: str,
    manifest: dict[str, Any],
    rules: list[dict[str, Any]],
    kpis: list[dict[str, Any]] | None = None,
) -> None:
    store.record_run(store_url, manifest, rules, kpis or [])


@task(name="retention", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def retention_task(cadence_folder: Path, days: int) -> list[str]:
    return publish_step.purge_quarantine(cadence_folder, datetime.now(UTC), days)


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


TREND_KPIS = ("service_level", "abandon_rate", "fcr", "complaint_rate", "csat", "nps")


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


@task(name="followups", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def followup_task(
    store_url: str, tenant: str, period: Period, facts: Facts, settings: Settings
) -> pd.DataFrame:
    """Approved actions of earlier periods (results store), measured in this period."""
    approved = store.approved_before(store_url, tenant, period.cadence, period.label)
    return pdca_step.follow_up(approved, facts, settings, period.end(settings.zone).date())


@task(name="record-actions", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def record_actions_task(
    store_url: str, tenant: str, period: Period, run_id: str, root_cause: RootCause
) -> None:
    """The run's drafts (for approval) and follow-ups (appended) into the results store."""
    store.record_drafts(
        store_url, tenant, period.cadence, period.label, run_id, _records(root_cause.actions)
    )
    store.record_followups(store_url, period.label, run_id, _records(root_cause.followups))


@task(name="crisis", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def crisis_task(
    root_cause: RootCause,
    kpis: pd.DataFrame,
    comparisons: dict[str, pd.DataFrame],
    rules: dict[str, Any],
) -> crisis_step.Crisis:
    return crisis_step.crisis_level(root_cause.problems, kpis, comparisons.get("previous"), rules)


@task(name="artifacts", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def artifacts_task(
    label: str,
    kpis: pd.DataFrame,
    root_cause: RootCause,
    validation: Validation,
    crisis: crisis_step.Crisis,
    pdf: Path,
) -> None:
    artifacts.publish_artifacts(label, kpis, root_cause.problems, validation, crisis.level, pdf)


@task(name="deliver", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def deliver_task(message: EmailMessage, smtp: deliver_step.Smtp) -> list[str]:
    return deliver_step.send(message, smtp)


def _deliver(
    settings: Settings,
    tenant: str | None,
    period: Period,
    kpis: pd.DataFrame,
    crisis: crisis_step.Crisis,
    folder: Path,
    attachments: dict[str, bytes],
) -> dict[str, Any]:
    """E-mail the published review to the tenant's recipients; a failure after the retries
    is reported, never undoing the publication."""
    recipients = deliver_step.recipients_for(
        {"recipients": settings.recipients}, tenant, period.cadence
    )
    if not settings.smtp_url or not recipients.to:
        return {"status": "skipped"}
    smtp = deliver_step.smtp_from_url(expand_env(settings.smtp_url), settings.smtp_sender)
    subject, lines = render_step.email_summary(
        kpis, period, tenant or "default", crisis, recipients.languages
    )
    message = deliver_step.build_message(
        sender=smtp.sender,
        recipients=recipients,
        subject=subject,
        summary_lines=lines,
        pdf=(folder / "review.pdf").read_bytes(),
        pdf_name="review.pdf",
        extra_attachments=attachments,
    )
    state = deliver_task.with_options(
        retries=settings.delivery_retries,
        retry_delay_seconds=settings.delivery_retry_seconds,
    )(message, smtp, return_state=True)
    if state.is_completed():
        return {"status": "sent", "to": state.result()}
    return {"status": "failed", "error": str(state.result(raise_on_failure=False))}


@task(name="kpis", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def kpis_task(
    validation: Validation, period: Period, settings: Settings, fcr_provisional: bool
) -> tuple[Facts, pd.DataFrame]:
    facts = kpi_step.build_facts(validation.clean, period, settings, fcr_provisional)
    return facts, kpi_step.compute_kpis(facts, settings)


@task(name="surveys", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def surveys_task(validation: Validation, facts: Facts) -> Satisfaction:
    return survey_step.summarise_satisfaction(validation.clean, facts.contacts)


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
        target_seconds=settings.service_level_seconds,
        service_level_target=settings.targets["service_level"]
        .band(months=period.calendar_months)
        .target,
        chat_concurrency=settings.chat_concurrency,
    )


@task(name="calibration", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def calibration_task(
    validation: Validation, facts: Facts, settings: Settings
) -> qa_step.Calibration:
    evaluations = validation.clean[QA_EVALUATIONS.name]
    in_period = evaluations[among(evaluations[CONTACT_ID], facts.contacts[CONTACT_ID])]
    return qa_step.summarise_calibration(in_period, settings.qa_pass_mark)


@task(name="themes", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def themes_task(validation: Validation, facts: Facts, themes: dict[str, Any]) -> pd.DataFrame:
    surveys = survey_step.period_surveys(validation.clean, facts.contacts)
    return themes_step.verbatim_themes(surveys, themes)


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
    )


@task(name="render", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def render_task(
    context: dict[str, Any], cadence: str, language: Language, attachments: dict[str, bytes]
) -> tuple[str, bytes]:
    html = render_step.render_html(context, cadence, language)
    return html, render_step.render_pdf(html, attachments)


@task(name="write-outputs", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def write_outputs_task(
    plan: publish_step.RunPlan, files: dict[str, bytes], manifest: dict[str, Any]
) -> None:
    publish_step.write_outputs(plan, files, manifest)


@task(name="publish", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def publish_task(plan: publish_step.RunPlan) -> Path:
    return publish_step.switch_period(plan)


@task(name="interrupted", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def interrupted_task(store_url: str, run_ids: list[str]) -> None:
    store.mark_interrupted(store_url, run_ids)


@task(name="reconcile", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def reconcile_task(store_url: str, tenant: str, period: Period, shown: list[str]) -> None:
    store.reconcile(store_url, tenant, period.cadence, period.label, shown)


@task(name="published", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def published_task(store_url: str, run_id: str) -> None:
    store.mark_published(store_url, run_id)


# ---------------------------------------------------------------- the flow
@dataclasses.dataclass
class _Stages:
    """Seconds each stage took, and the process's resident-memory high-water mark after it
    (so the stage that raised it shows)."""

    seconds: dict[str, float] = dataclasses.field(default_factory=dict)
    peak_rss_mib: dict[str, float] = dataclasses.field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {"timings": dict(self.seconds), "peak_rss_mib": dict(self.peak_rss_mib)}


@contextmanager
def _stage(stages: _Stages, name: str) -> Iterator[None]:
    from prefect.runtime import flow_run

    faults.STAGES[str(flow_run.id)] = name  # what a failure alert and line name
    started = time.perf_counter()
    yield
    stages.seconds[name] = round(time.perf_counter() - started, 3)
    peak = _peak_rss_mib()
    if peak is not None:
        stages.peak_rss_mib[name] = peak


def _peak_rss_mib() -> float | None:
    """This process's resident-memory high-water mark (Linux), in MiB."""
    try:
        status = Path("/proc/self/status").read_text("utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def _run_name() -> str:
    from prefect.runtime import flow_run

    p = flow_run.parameters
    config = Path(p["config"]) if p.get("config") else None
    zone = load_settings(config, tenant=p.get("tenant"), tenants_file=p.get("tenants_file")).zone
    period = resolve_period(p["cadence"], p["period"], datetime.now(zone))
    return f"{p.get('tenant') or 'default'}-{p['cadence']}-{period.label}"


@flow(
    name="service-quality-review",
    flow_run_name=_run_name,
    validate_parameters=False,
    on_failure=[alerts.on_failure],
)
@faults.guarded
def review(
    cadence: str,
    period: str,
    source: str | None = None,
    out: str | None = None,
    language: Language | None = None,
    tenant: str | None = None,
    config: str | None = None,
    reason: str | None = None,
    run_id: str | None = None,
    store_url: str | None = None,
    tenants_file: str | None = None,
    require_reason: bool = False,
) -> dict[str, Any]:
    """Review one period: extract, validate, compute, draft, render, publish. Without a
    source, the tenant's own from the tenants file.

    With `require_reason` (the command line's rule) a reissue without a reason is refused,
    checked under the period lock so that a run started beside another cannot slip by."""
    settings = load_settings(
        Path(config) if config else None,
        tenant=tenant,
        out_dir=out,
        language=language,
        store_url=store_url,
        tenants_file=tenants_file,
    )
    source = source or tenants.source_of(settings.tenants_file, tenant)
    the_period = resolve_period(cadence, period, datetime.now(settings.zone))
    with publish_step.period_lock(settings.out_dir, tenant, the_period):
        _set_aside_interrupted(settings, tenant, the_period)
        if require_reason:
            folder = publish_step.cadence_dir(settings.out_dir, tenant, the_period.cadence)
            earlier = publish_step.published_runs(folder, the_period)
            publish_step.check_reason(the_period, earlier, reason)
        # GX's record of the validation is made on the other core, beside the review: its
        # worker imports GX and builds the suites while the source is read (from the
        # command's start, when `csreview` forked it early), then checks the rows the rules
        # saw while the review drafts its analysis
        with Worker.take(validate_step.prepare_gx) as gx:
            return _review_period(settings, the_period, cadence, source, tenant, reason, run_id, gx)


def _set_aside_interrupted(settings: Settings, tenant: str | None, period: Period) -> None:
    """Earlier runs of the period stopped between writing their review and publishing it:
    marked in the results store first, then in their manifests (so a stop in between is
    found again by the next run); a record left `publishing` by a run stopped around its
    switch becomes `published` if the period folder showed the run, else `interrupted`."""
    folder = publish_step.cadence_dir(settings.out_dir, tenant, period.cadence)
    interrupted = publish_step.interrupted_runs(folder, period)
    if interrupted:
        interrupted_task(settings.resolved_store_url, interrupted)
        publish_step.set_aside(folder, period, interrupted)
    shown = [r["run_id"] for r in publish_step.published_runs(folder, period)]
    reconcile_task(settings.resolved_store_url, tenant or "default", period, shown)


def _review_period(
    settings: Settings,
    the_period: Period,
    cadence: str,
    source: str,
    tenant: str | None,
    reason: str | None,
    run_id: str | None,
    gx: Worker[validate_step.GxRun],
) -> dict[str, Any]:
    """The review's steps, run while the period is locked: a table of contents."""
    started = datetime.now(UTC)
    plan = publish_step.plan_run(
        settings.out_dir, tenant, the_period, run_id or publish_step.new_run_id(the_period, started)
    )
    stages = _Stages()
    retention_task(plan.cadence_dir, settings.quarantine_retention_days)
    manifest = _manifest(plan, settings, source, tenant, reason, started)
    cache = caching.StepCache.open(plan.cadence_dir, settings)

    with _stage(stages, "extract"):
        extract = extract_task(source, the_period, settings)
    with _stage(stages, "validate"):
        fingerprints = publish_step.input_fingerprints(extract.raw)
        cache.made_from(extract, caching.digest(fingerprints))
        checked = cache.run(validate_task, extract, settings)
        # GX is handed what the gate saw, at the gate's clock (one kept from an earlier
        # attempt has its own), so the extract can go; it starts after the KPIs (below)
        gx.submit(
            validate_step.run_suites,
            validate_step.gx_inputs(extract, settings, checked.read_at),
            start=False,
        )
        audit = _audit_header(manifest, extract)
        if checked.blocked:  # nothing is computed: the auditors' evidence says why, now
            validation, manifest["evidence"] = _record_validation(
                cache, checked, gx, plan.run_dir, fingerprints, audit, settings.language
            )
    manifest |= _input_record(extract, checked, fingerprints)
    del extract  # the rows as read are recorded; from here on the validated rows are used
    if checked.blocked:
        blocked = manifest | {"status": "blocked"} | stages.record()
        publish_step.write_manifest(plan.run_dir, blocked)
        record_task(settings.resolved_store_url, blocked, _rules(validation))
        cache.clear()
        raise ValidationBlockedError("; ".join(validation.blocking))

    provisional = kpi_step.fcr_is_provisional(the_period, settings, datetime.now(settings.zone))
    with _stage(stages, "kpis"):
        facts, kpis = cache.run(kpis_task, checked, the_period, settings, provisional)
    # GX's record is made on the other core beside the steps from here to the evidence, not
    # beside the KPI step, the heaviest: beside GX it took 1.5–1.7 times as long (bench)
    gx.start()
    with _stage(stages, "compare"):
        history = compare_step.history_rows(kpis, facts)
        earlier = history_task(
            settings.resolved_store_url,
            tenant or "default",
            {"previous": the_period.previous(), "last_year": the_period.same_period_last_year()},
        )
        comparisons = {
            name: compare_step.compare(history, rows, settings.min_sample)
            for name, rows in earlier.items()
        }
        quarterly = the_period.cadence == "quarterly"
        trend = (
            trend_task(settings.resolved_store_url, tenant or "default", the_period)
            if quarterly
            else []
        )
        months = (
            months_task(
                settings.resolved_store_url, tenant or "default", the_period, settings.min_sample
            )
            if quarterly
            else None
        )
    with _stage(stages, "surveys"):
        satisfaction = cache.run(surveys_task, checked, facts)
        themes_config = themes_step.load_themes()  # read once: the analysis gets it as a value
        themes = cache.run(themes_task, checked, facts, themes_config)
    with _stage(stages, "calibration"):
        calibration = cache.run(calibration_task, checked, facts, settings)
    with _stage(stages, "staffing"):
        staffing = cache.run(staffing_task, checked, the_period, settings)
    with _stage(stages, "scorecard"):
        scorecard = cache.run(scorecard_task, kpis, facts, checked, the_period, settings)
    with _stage(stages, "root_cause"):
        playbook = playbook_step.load_playbook(settings.playbook_file)  # root cause and crisis
        root_cause = cache.run(
            root_cause_task,
            facts,
            checked,
            the_period,
            tenant or "default",
            settings,
            playbook,
            earlier.get("previous"),
            staffing,
        )
        followups = followup_task(
            settings.resolved_store_url, tenant or "default", the_period, facts, settings
        )
        root_cause = dataclasses.replace(root_cause, followups=followups)
        effectiveness = (
            effectiveness_task(
                settings.resolved_store_url, tenant or "default", the_period, followups
            )
            if quarterly
            else None
        )
        crisis = crisis_task(root_cause, kpis, comparisons, playbook["crisis"])
    with _stage(stages, "evidence"):
        validation, manifest["evidence"] = _record_validation(
            cache, checked, gx, plan.run_dir, fingerprints, audit, settings.language
        )
    with _stage(stages, "render"), render_step.no_garbage_collection():
        # the one root cause in each language's words; the CSV outputs in the primary one
        worded = {
            language: root_cause_words.worded_root_cause(root_cause, language)
            for language in (settings.language, *settings.extra_languages)
        }
        tables = publish_step.review_tables(kpis, worded[settings.language], scorecard.agents)
        # the PDF's copies of the tables open in a spreadsheet: formula-like cells neutralised
        attachments = {
            n: deliver_step.spreadsheet_safe(tables[n]) for n in publish_step.ATTACHED_TO_PDF
        }
        documents: dict[str, bytes] = {}
        for language, drafted in worded.items():
            context = render_step.build_context(
                meta=_report_meta(plan, tenant, reason, started, facts.fcr_provisional),
                period=the_period,
                zone_name=settings.timezone,
                kpis=kpis,
                satisfaction=satisfaction,
                root_cause=drafted,
                validation=validation,
                language=language,
                min_sample=settings.min_sample,
                comparisons=comparisons,
                themes=themes,
                theme_labels=themes_step.theme_labels(themes_config),
                calibration=calibration,
                staffing=staffing,
                scorecard=scorecard,
                trend=trend,
                crisis=crisis,
                months=months,
                effectiveness=effectiveness,
            )
            html, pdf = render_task(  # quoted: Prefect need not walk the large context
                quote(context), cadence, language, quote(attachments), return_state=False
            )
            name = "review" if language == settings.language else f"review.{language}"
            documents |= {f"{name}.html": html.encode("utf-8"), f"{name}.pdf": pdf}
    with _stage(stages, "publish"):
        manifest |= {
            "status": "published",
            "fcr_provisional": facts.fcr_provisional,
            "crisis_level": crisis.level,
            "reused_steps": cache.reused,
        }
        # complete folder, then the store's record (`publishing`, with the outputs' hashes),
        # then the switch, then the record says `published`: whatever moment a run is
        # stopped at, the period shows a recorded review, and the store never says published
        # before the switch (the next run reconciles a record left `publishing`)
        write_outputs_task(plan, tables | documents, manifest | stages.record())
        written = publish_step.read_manifest(plan.run_dir)
        record_task(
            settings.resolved_store_url,
            written | {"status": store.PUBLISHING},
            _rules(validation),
            _records(history),
        )
        record_actions_task(
            settings.resolved_store_url,
            tenant or "default",
            the_period,
            plan.run_id,
            worded[settings.language],
        )
        link = publish_task(plan)
        published_task(settings.resolved_store_url, plan.run_id)
        cache.clear()
        artifacts_task(
            f"{tenant or 'default'} {the_period.cadence} {the_period.label}",
            kpis,
            worded[settings.language],
            validation,
            crisis,
            link / "review.pdf",
        )
    with _stage(stages, "deliver"):
        delivery = _deliver(
            settings,
            tenant,
            the_period,
            kpis,
            crisis,
            link,
            {name: tables[name] for name in publish_step.ATTACHED_TO_PDF},
        )
    # sealed: publishing's own timing and the run log so far, signed when a key is set
    publish_step.seal_manifest(plan.run_dir, stages.record())
    return {
        "delivery": delivery,
        "run_id": plan.run_id,
        "reissue": plan.reissue,
        "folder": str(link),
        "pdf": str((link / "review.pdf").absolute()),
    }


def _record_validation(
    cache: caching.StepCache,
    checked: Validation,
    gx: Worker[validate_step.GxRun],
    run_dir: Path,
    fingerprints: dict[str, str],
    audit: dict[str, Any],
    language: Language,
) -> tuple[Validation, dict[str, str]]:
    """The gate's rules with GX's record beside them (made by GX's worker while the review
    went on), and the auditors' evidence written from it."""
    validation = validate_step.with_gx(checked, cache.run(gx_record_task, checked, gx))
    return validation, evidence_task(run_dir, validation, fingerprints, audit, language)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain records, missing values as None (what the store takes)."""
    return [
        {str(k): (None if pd.isna(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _rules(validation: Validation) -> list[dict[str, Any]]:
    return list(publish_step.validation_record(validation)["rules"])


def _manifest(
    plan: publish_step.RunPlan,
    settings: Settings,
    source: str,
    tenant: str | None,
    reason: str | None,
    started: datetime,
) -> dict[str, Any]:
    config_files = publish_step.write_config(
        plan.run_dir,
        settings.public_dump(),
        playbook_step.playbook_text(settings.playbook_file),
    )
    return {
        "run_id": plan.run_id,
        "reissue": plan.reissue,
        "reason": reason,
        "cadence": plan.period.cadence,
        "period": plan.period.label,
        "tenant": tenant,
        "source": describe_source(source),
        "started_at": started.isoformat(timespec="seconds"),
        "contract_version": CONTRACT_VERSION,
        "config": settings.public_dump(),
        "config_files": config_files,
        "config_sha256": publish_step.config_fingerprint(config_files),
        "run_folder": str(plan.run_dir.resolve()),
        "versions": publish_step.versions(),
    }


def _audit_header(manifest: dict[str, Any], extract: Extract) -> dict[str, Any]:
    return {
        **{k: manifest[k] for k in ("run_id", "cadence", "period", "source", "contract_version")},
        "tenant": manifest["tenant"] or "default",
        "version": manifest["versions"]["csreview"],
        "read_at": extract.read_at.isoformat(timespec="seconds"),
    }


def _input_record(
    extract: Extract, validation: Validation, fingerprints: dict[str, str]
) -> dict[str, Any]:
    return {
        "tables": {
            name: {
                **counts,
                "sha256": fingerprints.get(name),
                "encoding": extract.encodings.get(name),
            }
            for name, counts in validation.counts.items()
        },
        "missing_tables": list(extract.missing_tables),
        "blocking": list(validation.blocking),
        "quarantine_holds_personal_data": True,
    }


def _report_meta(
    plan: publish_step.RunPlan,
    tenant: str | None,
    reason: str | None,
    started: datetime,
    fcr_provisional: bool,
) -> dict[str, Any]:
    return {
        "tenant": tenant or "—",
        "run_id": plan.run_id,
        "reissue": plan.reissue,
        "reason": reason or "",
        "generated_at": started,
        "fcr_provisional": fcr_provisional,
        "version": publish_step.versions()["csreview"],
    }
