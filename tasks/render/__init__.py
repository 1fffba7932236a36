"""Rendering: the review's results become a report a manager reads, in one language.

A pure context per section (`context` and the `*_view` modules, formatted by `formatting`),
then one Jinja2 environment → HTML → PDF (`documents`); the e-mail summary and the
auditor's validation report beside them. This is the only place analysis becomes words.
"""

from tasks.render.context import build_context
from tasks.render.documents import (
    environment,
    no_garbage_collection,
    prepare_pdf,
    render_html,
    render_pdf,
)
from tasks.render.email_summary import email_summary
from tasks.render.formatting import Formatter
from tasks.render.validation_report import build_validation_context, render_validation_report

__all__ = [
    "Formatter",
    "build_context",
    "build_validation_context",
    "email_summary",
    "environment",
    "no_garbage_collection",
    "prepare_pdf",
    "render_html",
    "render_pdf",
    "render_validation_report",
]
