"""The review flow: one turn of the PDCA review for one tenant, cadence and period.

The body reads like a table of contents; each step runs through the step runner
(`flows/runner.py`) and is a thin task around one plain function of `tasks/`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow

from csreview import tenants
from csreview.periods import resolve_period
from csreview.settings import Language, load_settings
from flows import alerts, analysis, documents, faults, gate, publication
from flows.analysis import Findings
from flows.manifest import Manifest
from flows.runner import Review, StepRunner
from tasks.publish import period_lock


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
    with period_lock(settings.out_dir, tenant, the_period):
        publication.set_aside_interrupted(settings, tenant, the_period)
        if require_reason:
            publication.check_reason(settings, tenant, the_period, reason)
        started = Review.start(settings, the_period, source, tenant, reason, run_id)
        with StepRunner.begin(started) as run:
            return _review_period(run)


def _review_period(run: StepRunner) -> dict[str, Any]:
    """The review's steps, run while the period is locked: a table of contents."""
    publication.purge_quarantine(run.review)
    manifest = Manifest.begin(run.review)
    # the rows as read go once validated: from here on the validated rows are used
    checked = run.step("validate", gate.validate, run.step("extract", gate.extract), manifest)
    if checked.blocked:  # nothing is computed: the auditors' evidence says why
        gate.stop_blocked(run, manifest, checked)

    facts, kpis = run.step("kpis", analysis.kpis, checked)
    compared = run.step("compare", analysis.compare, kpis, facts, checked)
    satisfaction, themes = run.step("surveys", analysis.surveys, checked, facts)
    calibration = run.step("calibration", analysis.calibration, checked, facts)
    staffing = run.step("staffing", analysis.staffing, checked)
    scorecard = run.step("scorecard", analysis.scorecard, kpis, facts, checked)
    drafted = run.step("root_cause", analysis.draft, facts, checked, kpis, compared, staffing)
    found = Findings(
        checked,
        facts,
        kpis,
        compared,
        satisfaction,
        themes,
        calibration,
        staffing,
        scorecard,
        drafted,
    )

    # the review's pages show the gate's rules: they are printed while GX's record is made
    files = run.step("render", documents.render, found)
    validation = run.step("evidence", gate.evidence, checked, manifest)
    link = run.step("publish", publication.publish, manifest, found, validation, files)
    delivery = run.step("deliver", publication.deliver, found, link, files)
    publication.seal(run)
    return publication.outcome(run.review, link, delivery)
