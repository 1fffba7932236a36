"""The review's gate: the period's rows read, checked by the rules (and by GX, beside the
review), the auditors' evidence written; a blocking failure stops the run there.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from prefect import task
from prefect.cache_policies import NO_CACHE

from csreview.periods import Period
from csreview.settings import Language, Settings
from flows import caching, faults
from flows.caching import whole
from flows.faults import ValidationBlockedError
from flows.gx_record import GxRecord
from flows.manifest import Manifest
from flows.publication import record_task, rules
from flows.runner import StepRunner
from tasks import publish as publish_step
from tasks import render as render_step
from tasks import validate as validate_step
from tasks.extract import Extract, extract_period
from tasks.validate import Validation

trace = logging.getLogger(__name__)  # to the run's log file only (through the root logger)


@task(
    name="extract",
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=faults.retry_if_it_may_pass,  # a corrupt file is not read again
    cache_policy=NO_CACHE,
    persist_result=False,
)
@faults.quiet
def extract_task(source: str, period: Period, settings: Settings) -> Extract:
    early = _taken_early(source, period, settings.zone)
    if early is not None:
        return early
    return extract_period(source, period, settings.zone, datetime.now(settings.zone))


@dataclass
class _EarlyExtract:
    """A read of the period's rows begun in a thread before the review's flow starts."""

    source: str
    period: Period
    zone: ZoneInfo
    done: threading.Event = field(default_factory=threading.Event)
    extract: Extract | None = None

    def read(self) -> None:
        try:
            self.extract = extract_period(
                self.source, self.period, self.zone, datetime.now(self.zone)
            )
        except Exception:  # the extract step reads again, and says why
            trace.debug("the early read failed; the extract step reads again", exc_info=True)
        finally:
            self.done.set()


_early: _EarlyExtract | None = None


def begin_extract(source: str, period: Period, zone: ZoneInfo) -> None:
    """Begin reading the period's rows now, in a thread, for the next review of this process
    to take: a command begins it before Prefect's temporary server answers and before the
    flow starts (seconds in which the review would only wait). A read that fails, or that
    the review does not take, costs nothing else: the extract step reads again."""
    global _early
    _early = _EarlyExtract(source, period, zone)
    threading.Thread(target=_early.read, name="early extract", daemon=True).start()


def _taken_early(source: str, period: Period, zone: ZoneInfo) -> Extract | None:
    """The early read of these rows (taken once), or None: none was begun for them, or it
    failed. A read of other rows is waited for all the same, so that no thread is reading
    when the review later forks (GX's worker, the PDF's printer)."""
    global _early
    early, _early = _early, None
    if early is None:
        return None
    early.done.wait()
    if (early.source, early.period, early.zone) != (source, period, zone):
        return None
    return early.extract


def end_early_extract() -> None:
    """Wait for a read no review took (its run was refused or failed before its extract),
    and drop it: no thread is left reading when the command's next review forks."""
    global _early
    early, _early = _early, None
    if early is not None:
        early.done.wait()


def extract(run: StepRunner) -> Extract:
    """The period's rows as read from the source (never reused: the source may have been
    corrected since an earlier attempt)."""
    review = run.review
    return extract_task(review.source, review.period, review.settings)


@task(name="validate", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def validate_task(extract: Extract, settings: Settings, gx: GxRecord) -> Validation:
    """The gate: every rule as a pandas mask picks the rows used and quarantined, and says
    what blocks the run; GX is handed the rows it checks before the used ones are taken.
    The extract's rows go as the gate is done with them (no later step reads them: GX's
    inputs take what they need of them from the gate's verdict)."""
    hand_over = functools.partial(gx.check, extract, settings)
    return validate_step.check_rules(extract, settings, let_go=True, hand_over=hand_over)


def validate(run: StepRunner, extract: Extract, manifest: Manifest) -> Validation:
    """The rows the rules let through, keyed in the step cache by the fingerprints of the
    rows read; GX is handed what the gate saw. A blocked run's evidence is written now,
    with GX's record beside the rules: nothing else is computed."""
    fingerprints = publish_step.input_fingerprints(extract.raw)
    run.made_from(extract, caching.digest(fingerprints))
    checked = run.cached(validate_task, extract, run.review.settings, run.gx)
    manifest.note_inputs(extract, checked, fingerprints)
    run.hand_to_gx(extract, checked)  # a gate kept from an earlier attempt handed nothing
    let_go(extract)
    return evidence(run, checked, manifest) if checked.blocked else checked


def let_go(extract: Extract) -> None:
    """Drop the rows as read and as typed once the gate and GX's worker have had them:
    Prefect keeps every task's inputs and results until the flow ends, and these are the
    largest (1.7 GiB of a 3.7 M-contact quarter) that no later step reads."""
    extract.raw.clear()
    extract.typed.clear()


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


def evidence(run: StepRunner, checked: Validation, manifest: Manifest) -> Validation:
    """The gate's rules with GX's record beside them, and the auditors' evidence written
    from them into the run folder."""
    validation = run.with_gx(checked)
    manifest.evidence = evidence_task(
        run.review.plan.run_dir,
        whole(validation),  # Prefect need not walk its rules' examples
        manifest.fingerprints,
        manifest.audit_header(),
        run.review.settings.language,
    )
    return validation


def stop_blocked(run: StepRunner, manifest: Manifest, validation: Validation) -> NoReturn:
    """Record the blocked run (its manifest, the store's row) and stop it."""
    manifest.status = "blocked"
    blocked = manifest.record() | run.stages.record()
    publish_step.write_manifest(run.review.plan.run_dir, blocked)
    record_task(run.review.store_url, blocked, rules(validation))
    run.finished()
    raise ValidationBlockedError("; ".join(validation.blocking))
