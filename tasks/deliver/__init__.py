"""Deliver: e-mail a published review (the PDF attached, a bilingual summary in the body)
through an SMTP server, with the password taken from the environment.

Delivery comes after publishing and never touches the published files: when it fails the
review stays published and the caller reports it (exit code 4) instead of losing it.
"""

from __future__ import annotations

from tasks.deliver.message import build_message
from tasks.deliver.recipients import Recipients, recipients_for
from tasks.deliver.sending import DeliveryError, send
from tasks.deliver.server import Smtp, smtp_from_url
from tasks.deliver.spreadsheet_csv import spreadsheet_safe

__all__ = [
    "DeliveryError",
    "Recipients",
    "Smtp",
    "build_message",
    "recipients_for",
    "send",
    "smtp_from_url",
    "spreadsheet_safe",
]
