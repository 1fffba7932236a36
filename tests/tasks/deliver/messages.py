"""A review's e-mail as the delivery tests build it."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from tasks.deliver import Recipients, build_message

SENDER = "reviews@example.com"
USER = "reviews"
PASSWORD = "s3cret-pw"
PASSWORD_ENV = "CSREVIEW_TEST_SMTP_PASSWORD"
PDF = b"%PDF-1.7\n" + bytes(range(256)) + b"\n%%EOF\n"
PDF_NAME = "客服质量月报-2026-10.pdf"
KPIS_CSV = "kpi,segment,value\nfcr,全部,0.5\n".encode()
KPI_HEADER = [
    "kpi",
    "dimension",
    "segment",
    "value",
    "numerator",
    "denominator",
    "target",
    "status",
]
SUBJECT = "客服质量月报 2026-10 / Service-quality review October 2026"
SUMMARY = (
    "2026-10 客服质量月报：首次解决率 50.0%（目标 70%）。",
    "Service-quality review 2026-10: first-contact resolution 50.0% (target 70%).",
)
RECIPIENTS = Recipients(
    to=("ops@example.com", "lead@example.com"), cc=("qa@example.com",), languages=("zh-CN", "en")
)


def review_message(**overrides: Any) -> EmailMessage:
    fields: dict[str, Any] = {
        "sender": SENDER,
        "recipients": RECIPIENTS,
        "subject": SUBJECT,
        "summary_lines": SUMMARY,
        "pdf": PDF,
        "pdf_name": PDF_NAME,
        "extra_attachments": {"kpis.csv": KPIS_CSV},
    }
    return build_message(**(fields | overrides))
