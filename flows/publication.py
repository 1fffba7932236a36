"""The review's publication steps: the run folder written, recorded in the results store,
switched in as the period's review, shown in Prefect and e-mailed; and what a run does
first with the period's earlier runs and its cadence's quarantine.

The order is the contract with a run stopped at any moment: the folder is complete before
the store's record (`publishing`), the record before the switch, the switch before the
record says `published` (the next run reconciles a record left `publishing`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from csreview import store
from csreview.periods import Period
from csreview.settings import Settings, expand_env
from flows import artifacts, faults
from flows.analysis import Findings
from flows.caching import whole
from flows.manifest import Manifest
from flows.runner import Review, StepRunner
from tasks import crisis as crisis_step
from tasks import deliver as deliver_step
from tasks import publish as publish_step
from tasks import render as render_step
from tasks.render.sections_view import manifest_sections
from tasks.root_cause import RootCause
from tasks.validate import Validation


# ---------------------------------------------------------------- before the review
@task(name="retention", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def retention_task(cadence_folder: Path, days: int) -> list[str]:
    return publish_step.purge_quarantine(cadence_folder, datetime.now(UTC), days)


def purge_quarantine(review: Review) -> None:
    """Quarantined rows older than the retention period go (they hold personal data)."""
    retention_task(review.plan.cadence_dir, review.settings.quarantine_retention_days)


@task(name="interrupted", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def interrupted_task(store_url: str, run_ids: list[str]) -> None:
    store.mark_interrupted(store_url, run_ids)


@task(name="reconcile", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def reconcile_task(store_url: str, tenant: str, period: Period, shown: list[str]) -> None:
    store.reconcile(store_url, tenant, period.cadence, period.label, shown)


def set_aside_interrupted(settings: Settings, tenant: str | None, period: Period) -> None:
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


def check_reason(
    settings: Settings, tenant: str | None, period: Period, reason: str | None
) -> None:
    """A reissue of a published period says why (the command line's rule)."""
    folder = publish_step.cadence_dir(settings.out_dir, tenant, period.cadence)
    publish_step.check_reason(period, publish_step.published_runs(folder, period), reason)


# ---------------------------------------------------------------- publish
@task(name="record", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def record_task(
    store_url: str,
    manifest: dict[str, Any],
    rules: list[dict[str, Any]],
    kpis: list[dict[str, Any]] | None = None,
    figures: dict[str, float] | None = None,
) -> None:
    store.record_run(store_url, manifest, rules, kpis or [], figures or {})


@task(name="write-outputs", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def write_outputs_task(
    plan: publish_step.RunPlan, files: dict[str, bytes], manifest: dict[str, Any]
) -> None:
    publish_step.write_outputs(plan, files, manifest)


@task(name="record-actions", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def record_actions_task(
    store_url: str, tenant: str, period: Period, run_id: str, root_cause: RootCause
) -> None:
    """The run's drafts (for approval) and follow-ups (appended) into the results store."""
    store.record_drafts(
        store_url, tenant, period.cadence, period.label, run_id, records(root_cause.actions)
    )
    store.record_followups(store_url, period.label, run_id, records(root_cause.followups))


@task(name="publish", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def publish_task(plan: publish_step.RunPlan) -> Path:
    return publish_step.switch_period(plan)


@task(name="published", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
@faults.quiet
def published_task(store_url: str, run_id: str) -> None:
    store.mark_published(store_url, run_id)


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


def publish(
    run: StepRunner,
    manifest: Manifest,
    found: Findings,
    validation: Validation,
    files: dict[str, bytes],
) -> Path:
    """Write the run folder, record it, switch the period to it, show it in Prefect;
    returns the period folder."""
    review, drafted = run.review, found.drafted
    worded = drafted.worded[review.settings.language]  # the CSV outputs' and the store's words
    manifest.note_outcome(
        "published", found.facts.fcr_provisional, drafted.crisis.level, run.reused
    )
    manifest.sections = manifest_sections(found.sections)
    write_outputs_task(review.plan, files, manifest.record() | run.stages.record())
    written = publish_step.read_manifest(review.plan.run_dir)
    record_task(  # whole: Prefect need not walk every record for upstream runs
        review.store_url,
        whole(written | {"status": store.PUBLISHING}),
        whole(rules(validation)),
        whole(records(found.compared.history)),
        whole(found.compared.figures),
    )
    record_actions_task(
        review.store_url, review.tenant_name, review.period, review.plan.run_id, worded
    )
    link = publish_task(review.plan)
    published_task(review.store_url, review.plan.run_id)
    run.finished()
    artifacts_task(
        f"{review.tenant_name} {review.period.cadence} {review.period.label}",
        found.kpis,
        whole(worded),
        whole(validation),
        drafted.crisis,
        link / "review.pdf",
    )
    return link


def seal(run: StepRunner) -> None:
    """The manifest's last word: publishing's own timing and the run log so far, signed
    when a key is set."""
    publish_step.seal_manifest(run.review.plan.run_dir, run.stages.record())


def outcome(review: Review, link: Path, delivery: dict[str, Any]) -> dict[str, Any]:
    """What the flow returns: the delivery, the run and where its review is."""
    return {
        "delivery": delivery,
        "run_id": review.plan.run_id,
        "reissue": review.plan.reissue,
        "folder": str(link),
        "pdf": str((link / "review.pdf").absolute()),
    }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain records, missing values as None (what the store takes)."""
    return [
        {str(k): (None if pd.isna(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def rules(validation: Validation) -> list[dict[str, Any]]:
    return list(publish_step.validation_record(validation)["rules"])


# ---------------------------------------------------------------- deliver
@task(name="deliver", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def deliver_task(message: EmailMessage, smtp: deliver_step.Smtp) -> list[str]:
    return deliver_step.send(message, smtp)


def deliver(
    run: StepRunner, found: Findings, folder: Path, files: dict[str, bytes]
) -> dict[str, Any]:
    """E-mail the published review to the tenant's recipients; a failure after the retries
    is reported, never undoing the publication."""
    review, settings = run.review, run.review.settings
    recipients = deliver_step.recipients_for(
        {"recipients": settings.recipients}, review.tenant, review.period.cadence
    )
    if not settings.smtp_url or not recipients.to:
        return {"status": "skipped"}
    smtp = deliver_step.smtp_from_url(expand_env(settings.smtp_url), settings.smtp_sender)
    subject, lines = render_step.email_summary(
        found.kpis, review.period, review.tenant_name, found.drafted.crisis, recipients.languages
    )
    message = deliver_step.build_message(
        sender=smtp.sender,
        recipients=recipients,
        subject=subject,
        summary_lines=lines,
        pdf=(folder / "review.pdf").read_bytes(),
        pdf_name="review.pdf",
        extra_attachments={name: files[name] for name in publish_step.ATTACHED_TO_PDF},
    )
    state = deliver_task.with_options(
        retries=settings.delivery_retries,
        retry_delay_seconds=settings.delivery_retry_seconds,
    )(message, smtp, return_state=True)
    if state.is_completed():
        return {"status": "sent", "to": state.result()}
    return {"status": "failed", "error": str(state.result(raise_on_failure=False))}
