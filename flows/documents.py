"""The review's documents: its tables, and the review in each of the settings' languages
as HTML and PDF (the tables the PDF carries made safe to open in a spreadsheet).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from csreview.settings import Language
from flows import faults
from flows.analysis import Findings
from flows.background import Worker
from flows.runner import Review, StepRunner
from tasks import deliver as deliver_step
from tasks import publish as publish_step
from tasks import render as render_step
from tasks import themes as themes_step
from tasks.root_cause import RootCause


@task(name="render", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def render_task(context: dict[str, Any], cadence: str, language: Language) -> str:
    return render_step.render_html(context, cadence, language)


@task(name="pdf", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def pdf_task(html: str, attachments: dict[str, bytes], printer: Worker[bytes] | None) -> bytes:
    """The PDF of HTML: printed here, or taken from the PRINTER it was sent to."""
    return printer.result() if printer is not None else _print(html, attachments)


def _print(html: str, attachments: dict[str, bytes]) -> bytes:
    return render_step.render_pdf(html, attachments)


def _prepare() -> None:
    render_step.prepare_pdf()


def _printer() -> Worker[bytes] | None:
    """A process forked to print the first language's PDF, getting WeasyPrint ready while
    the review words its report; none on a single core, where it would only take turns.

    GX's worker may still be checking rows: the review waits for the printer, so the two
    share the machine's cores."""
    return Worker(_prepare) if len(os.sched_getaffinity(0)) > 1 else None


def render(run: StepRunner, found: Findings) -> dict[str, bytes]:
    """The review's files by name: the contract's tables, then each language's review. Its
    pages show what the gate found (`found.checked`), not GX's record: the auditors'
    evidence does, so the review need not wait for GX to print."""
    with render_step.no_garbage_collection(), contextlib.ExitStack() as stack:
        printer = _printer()
        if printer is not None:
            stack.enter_context(printer)
        tables = publish_step.review_tables(
            found.kpis, found.drafted.worded[run.review.settings.language], found.scorecard.agents
        )
        # the PDF's copies of the tables open in a spreadsheet: formula-like cells neutralised
        attachments = {
            n: deliver_step.spreadsheet_safe(tables[n]) for n in publish_step.ATTACHED_TO_PDF
        }
        return tables | _reviews(run, found, attachments, printer)


def _reviews(
    run: StepRunner,
    found: Findings,
    attachments: dict[str, bytes],
    printer: Worker[bytes] | None,
) -> dict[str, bytes]:
    """The review in the settings' language (`review.*`), then in each extra one: the
    first language's PDF printed by PRINTER as the others are worded and printed here."""
    settings = run.review.settings
    languages = (settings.language, *settings.extra_languages)
    pages: dict[Language, str] = {}
    for language in languages:
        context = _context(run.review, found, found.drafted.worded[language], language)
        # quoted: Prefect need not walk the large context
        pages[language] = render_task(
            quote(context), run.review.period.cadence, language, return_state=False
        )
        if printer is not None and language == languages[0]:
            printer.submit(_print, pages[language], attachments)
    pdfs = {  # the first language's last: it is printing meanwhile
        language: pdf_task(
            quote(pages[language]),
            quote(attachments),
            quote(printer if language == languages[0] else None),
            return_state=False,
        )
        for language in (*languages[1:], languages[0])
    }
    documents: dict[str, bytes] = {}
    for language in languages:
        name = "review" if language == settings.language else f"review.{language}"
        documents |= {
            f"{name}.html": pages[language].encode("utf-8"),
            f"{name}.pdf": pdfs[language],
        }
    return documents


def _context(
    review: Review,
    found: Findings,
    root_cause: RootCause,
    language: Language,
) -> dict[str, Any]:
    """Everything the templates show, in LANGUAGE."""
    return render_step.build_context(
        meta=report_meta(review, found.facts.fcr_provisional),
        period=review.period,
        zone_name=review.settings.timezone,
        kpis=found.kpis,
        satisfaction=found.satisfaction,
        root_cause=root_cause,
        validation=found.checked,
        language=language,
        min_sample=review.settings.min_sample,
        comparisons=found.compared.comparisons,
        themes=found.themes,
        theme_labels=themes_step.theme_labels(review.themes),
        calibration=found.calibration,
        staffing=found.staffing,
        scorecard=found.scorecard,
        trend=found.compared.trend,
        crisis=found.drafted.crisis,
        months=found.compared.months,
        effectiveness=found.drafted.effectiveness,
        sections=found.sections,
    )


def report_meta(review: Review, fcr_provisional: bool) -> dict[str, Any]:
    """The run as the review's cover and footer name it."""
    return {
        "tenant": review.tenant or "—",
        "run_id": review.plan.run_id,
        "reissue": review.plan.reissue,
        "reason": review.reason or "",
        "generated_at": review.started,
        "fcr_provisional": fcr_provisional,
        "version": publish_step.versions()["csreview"],
    }
