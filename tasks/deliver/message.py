"""The review's e-mail: the PDF and CSVs attached, a bilingual summary in the body.

Attachment names are plain file names, and CSV attachments are made spreadsheet-safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Final

from tasks.deliver.recipients import Recipients
from tasks.deliver.spreadsheet_csv import spreadsheet_safe

_NO_ATTACHMENTS: Final[Mapping[str, bytes]] = MappingProxyType({})
_MIME_TYPES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        ".csv": ("text", "csv"),
        ".txt": ("text", "plain"),
        ".html": ("text", "html"),
        ".json": ("application", "json"),
        ".pdf": ("application", "pdf"),
        ".zip": ("application", "zip"),
    }
)


def build_message(
    *,
    sender: str,
    recipients: Recipients,
    subject: str,
    summary_lines: Sequence[str],
    pdf: bytes,
    pdf_name: str,
    extra_attachments: Mapping[str, bytes] = _NO_ATTACHMENTS,
) -> EmailMessage:
    """The e-mail of a review: the summary lines as a UTF-8 plain-text body, the PDF and any
    extra files (e.g. `kpis.csv`) attached byte for byte, but CSV files spreadsheet-safe
    (`spreadsheet_safe`: they are opened by a manager's spreadsheet app).

    No I/O (only the clock for Date and a random Message-ID): build it once, so every retry
    sends the same message and a mail client can drop a duplicate by its Message-ID."""
    if not recipients.to:
        raise ValueError("no recipients: skip delivery when Recipients.to is empty")
    names = [pdf_name, *extra_attachments]
    for name in names:
        _check_file_name(name)
    if len(set(names)) != len(names):
        raise ValueError(f"attachment names must differ: {', '.join(names)}")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients.to)
    if recipients.cc:
        message["Cc"] = ", ".join(recipients.cc)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    body = "\n".join(summary_lines) + "\n"
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    for name, data in extra_attachments.items():
        maintype, subtype = _MIME_TYPES.get(
            PurePosixPath(name).suffix.lower(), ("application", "octet-stream")
        )
        params = {"charset": "utf-8"} if maintype == "text" else {}
        if subtype == "csv":
            data = spreadsheet_safe(data)
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=name, params=params
        )
    # last: set_content() and add_attachment() move or drop Content-* headers
    message["Content-Language"] = ", ".join(recipients.languages)
    return message


def _check_file_name(name: str) -> None:
    if not name or name in (".", "..") or any(c in name for c in "/\\") or not name.isprintable():
        raise ValueError(f"{name!r} is not a plain file name for an attachment")
