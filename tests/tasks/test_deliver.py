"""Delivery by e-mail, against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import csv
import gc
import io
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from csreview.settings import ConfigError
from tasks.deliver import (
    DeliveryError,
    Recipients,
    Smtp,
    build_message,
    recipients_for,
    runs_as_formula,
    send,
    smtp_from_url,
    spreadsheet_safe,
)
from tasks.publish import tables as publish_tables

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


# ---------------------------------------------------------------- the server
class Inbox:
    """An aiosmtpd handler keeping what it receives, and who logged in."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.logins: list[tuple[str, bytes]] = []

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data == (USER.encode(), PASSWORD.encode())
        if ok:
            self.logins.append((mechanism, data.login))
        return AuthResult(success=ok, handled=False)


class RefusingInbox(Inbox):
    """Knows no lead@example.com."""

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == "lead@example.com":
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server(inbox: Inbox | None = None, **smtp_options: Any) -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server on a free port, stopped (and its loop closed) afterwards."""
    inbox = inbox or Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        server_hostname="localhost",  # no getfqdn() lookup
        ready_timeout=5,
        **smtp_options,
    )
    try:
        controller.start()
    except BaseException:
        controller.stop(no_assert=True)
        controller.loop.close()
        raise
    try:
        yield controller.port, inbox
    finally:
        controller.stop()
        gc.collect()  # any unclosed socket warns here, inside the test, not later


@pytest.fixture
def server() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as running:
        yield running


def local(port: int, **fields: Any) -> Smtp:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "ssl": False,
        "username": None,
        "password_env": None,
        "sender": SENDER,
        "timeout_seconds": 5,
    }
    return Smtp(**(values | fields))


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


def closed_port() -> int:
    return free_port()  # bound then released: nothing listens there


# ---------------------------------------------------------------- delivery
def test_review_arrives_with_pdf_csv_and_bilingual_body(server: tuple[int, Inbox]) -> None:
    port, inbox = server
    accepted = send(review_message(), local(port), environ={})
    assert accepted == ["ops@example.com", "lead@example.com", "qa@example.com"]
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == accepted
    assert isinstance(envelope.content, bytes)
    assert re.search(rb"filename\*(0\*)?=utf-8''%E5%AE%A2", envelope.content)  # RFC 2231
    received = BytesParser(policy=policy.default).parsebytes(envelope.content)
    assert isinstance(received, EmailMessage)
    assert received["Subject"] == SUBJECT
    assert received["To"] == "ops@example.com, lead@example.com"
    assert received["Cc"] == "qa@example.com"
    assert received["Content-Language"] == "zh-CN, en"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Message-ID"].endswith("@example.com>")
    body = received.get_body(("plain",))
    assert body is not None
    assert body.get_content_charset() == "utf-8"
    assert body.get_content().splitlines() == list(SUMMARY)
    pdf, csv = received.iter_attachments()
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == PDF_NAME
    assert pdf.get_payload(decode=True) == PDF
    assert csv.get_content_type() == "text/csv"
    assert csv.get_filename() == "kpis.csv"
    assert csv.get_payload(decode=True) == KPIS_CSV


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_login_with_the_password_from_the_environment(mechanism: str) -> None:
    other = {"PLAIN": "LOGIN", "LOGIN": "PLAIN"}[mechanism]
    inbox = Inbox()
    with smtp_server(
        inbox,
        authenticator=inbox.authenticate,
        auth_require_tls=False,  # plain AUTH on localhost only
        auth_exclude_mechanism=[other],
    ) as (port, _):
        smtp = local(port, username=USER, password_env=PASSWORD_ENV)
        accepted = send(review_message(), smtp, environ={PASSWORD_ENV: PASSWORD})
    assert accepted == ["ops@example.com", "lead@example.com", "qa@example.com"]
    assert len(inbox.envelopes) == 1
    assert inbox.logins == [(mechanism, USER.encode())]


def test_wrong_password_is_refused_without_showing_it() -> None:
    inbox = Inbox()
    wrong = "not-the-password-42"
    with smtp_server(inbox, authenticator=inbox.authenticate, auth_require_tls=False) as (port, _):
        smtp = local(port, username=USER, password_env=PASSWORD_ENV)
        with pytest.raises(DeliveryError) as caught:
            send(review_message(), smtp, environ={PASSWORD_ENV: wrong})
    assert inbox.envelopes == []
    message = str(caught.value)
    assert "535" in message and f"login as {USER} refused" in message
    assert wrong not in message and "\n" not in message
    assert caught.value.retryable is False
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_missing_password_variable_is_named_before_connecting() -> None:
    smtp = local(closed_port(), username=USER, password_env=PASSWORD_ENV)
    with pytest.raises(DeliveryError, match=f"environment variable {PASSWORD_ENV} is not set"):
        send(review_message(), smtp, environ={"SMTP_PASSWORD": PASSWORD})
    with pytest.raises(DeliveryError, match=PASSWORD_ENV) as caught:
        send(review_message(), smtp, environ={PASSWORD_ENV: ""})
    assert caught.value.retryable is False


def test_refused_connection_is_one_line_and_retryable() -> None:
    port = closed_port()
    with pytest.raises(DeliveryError) as caught:
        send(review_message(), local(port), environ={})
    message = str(caught.value)
    assert message == f"SMTP delivery via 127.0.0.1:{port} failed: Connection refused"
    assert "Traceback" not in message and "\n" not in message
    assert caught.value.retryable is True
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_starttls_not_offered_fails_for_good(server: tuple[int, Inbox]) -> None:
    port, inbox = server
    with pytest.raises(DeliveryError, match="STARTTLS extension not supported") as caught:
        send(review_message(), local(port, starttls=True), environ={})
    assert caught.value.retryable is False and "\n" not in str(caught.value)
    assert inbox.envelopes == []


def test_refused_recipient_is_left_out_of_the_accepted() -> None:
    with smtp_server(RefusingInbox()) as (port, inbox):
        accepted = send(review_message(), local(port), environ={})
    assert accepted == ["ops@example.com", "qa@example.com"]
    assert inbox.envelopes[0].rcpt_tos == accepted


# ---------------------------------------------------------------- the message
def test_message_needs_recipients_and_plain_file_names() -> None:
    with pytest.raises(ValueError, match="no recipients"):
        review_message(recipients=Recipients())
    with pytest.raises(ValueError, match="plain file name"):
        review_message(pdf_name="../review.pdf")
    with pytest.raises(ValueError, match="must differ"):
        review_message(extra_attachments={PDF_NAME: b""})
    with pytest.raises(ValueError, match="linefeed"):
        review_message(subject="review\nBcc: someone@example.net")
    plain = review_message(extra_attachments={}, pdf_name="review.pdf")
    assert [p.get_filename() for p in plain.iter_attachments()] == ["review.pdf"]
    assert plain["Cc"] == "qa@example.com" and plain["Date"]


# ---------------------------------------------------------------- spreadsheet-safe CSV
@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\tplain",
        "\rplain",
        "\nplain",
        "  =1+1",
        "\u3000=1+1",  # ideographic space
        "\u200b=1+1",  # zero-width space
        "\ufeff@x",  # byte-order mark
        "\xa0+x",  # no-break space
        "＝1+1",
        "＋cmd",
        "－1＋2",
        "＠SUM(A1)",
        "﹦1",
        "−1",  # U+2212 minus sign
        "-",
        "- 1",
        "-1,5",
        "-1e",
        "--1",
        "-0x10",
        "=",
    ],
)
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert runs_as_formula(cell)
    data = publish_tables.csv_bytes(["segment", "value"], [[cell, -0.5]])
    row = list(csv.reader(io.StringIO(spreadsheet_safe(data).decode(), newline="")))[1]
    assert row == ["'" + cell, "-0.5"]


@pytest.mark.parametrize(
    "cell",
    ["", "billing", "0.5", "-0.5", "-1", "-0", "-1e-05", "-1.5E+20", "-.5", "-inf", "12-34",
     "a=b", "'=already safe", "客服=投诉", "上海", " ", "\u3000", "😀", "e-mail"],
)  # fmt: skip
def test_numbers_and_plain_text_are_left_alone(cell: str) -> None:
    assert not runs_as_formula(cell)
    data = publish_tables.csv_bytes(["segment", "value"], [[cell, 1], [cell, -2.5e-07]])
    assert spreadsheet_safe(data) == data


def test_only_the_cells_that_run_change_and_the_rest_is_byte_for_byte() -> None:
    rows = [
        ["fcr", "category", "=1+1", -0.5, None, 3, 0.7, "breach"],
        ["fcr", "category", "a,\n=b", -1, 2.0, 3, 0.7, "ok"],  # quoted: comma, line break
        ["fcr", "category", '"quoted" =x', 0.5, 1.0, 2, None, "ok"],
        ["fcr", "category", '=a,"b"\r\n', 0.5, 1.0, 2, None, "ok"],
        ["fcr", "category", "x" * 200_000, 0.5, 1.0, 2, None, "ok"],  # beyond csv's field limit
        ["fcr", "category", "@" + "x" * 200_000, 0.5, 1.0, 2, None, "ok"],
        ["fcr", "category", "bill\r=cmd", 0.5, 1.0, 2, None, "ok"],  # one cell, CR quoted
    ]
    data = publish_tables.csv_bytes(KPI_HEADER, rows)
    readable = [r for r in rows if len(str(r[2])) < 100]
    small = publish_tables.csv_bytes(KPI_HEADER, readable)
    read = list(csv.reader(io.StringIO(small.decode(), newline="")))
    assert [r[2] for r in read[1:]] == [r[2] for r in readable]  # exact, row by row
    safe = spreadsheet_safe(data)
    expected = [KPI_HEADER, *([publish_tables.csv_value(v) for v in r] for r in rows)]
    expected[1][2], expected[4][2], expected[6][2] = "'=1+1", '\'=a,"b"\r\n', "'@" + "x" * 200_000
    assert safe == publish_tables.csv_bytes(expected[0], expected[1:])
    assert spreadsheet_safe(safe) == safe  # idempotent
    assert spreadsheet_safe(b"a,b\nbill\r=cmd,1\r\n@x,2") == b"a,b\nbill\r'=cmd,1\r\n'@x,2"


def test_emailed_csvs_are_neutralised_and_the_published_ones_exact() -> None:
    kpis = pd.DataFrame(
        [
            ("fcr", "category", '=HYPERLINK("http://x")', -0.5, None, 40, 0.7, "breach"),
            ("fcr", "category", "＋cmd", 0.25, 10.0, 40, 0.7, "breach"),
            ("fcr", "all", "all", 0.5, 20.0, 40, 0.7, "breach"),
        ],
        columns=KPI_HEADER,
    )
    published = publish_tables.kpis_csv(kpis)
    assert b"\n=HYPERLINK" not in published and b',"=HYPERLINK' in published  # exact
    message = review_message(extra_attachments={"kpis.csv": published, "notes.txt": b"=1+1"})
    attached = {p.get_filename(): p.get_payload(decode=True) for p in message.iter_attachments()}
    rows = list(csv.reader(io.StringIO(attached["kpis.csv"].decode(), newline="")))
    assert [r[2] for r in rows[1:]] == ["all", '\'=HYPERLINK("http://x")', "'＋cmd"]
    assert [r[3] for r in rows[1:]] == ["0.5", "-0.5", "0.25"]  # numbers stay numbers
    assert attached["notes.txt"] == b"=1+1"  # only CSV files are for spreadsheets
    assert publish_tables.kpis_csv(kpis) == published


# ---------------------------------------------------------------- the SMTP URL
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://reviews%40example.com@mail.example.com:587?starttls=true&password_env=SMTP_PASSWORD",
            ("mail.example.com", 587, True, False, "reviews@example.com", "SMTP_PASSWORD", 30.0),
        ),
        ("smtp://user@mail.example.com?starttls=1&password_env=P", ("mail.example.com", 587, True, False, "user", "P", 30.0)),
        ("smtps://mail.example.com", ("mail.example.com", 465, False, True, None, None, 30.0)),
        ("smtps://u@[::1]:4650?password_env=P", ("::1", 4650, False, True, "u", "P", 30.0)),
        ("smtp://relay.internal", ("relay.internal", 25, False, False, None, None, 30.0)),
        ("SMTP://Relay.Internal:2525/?timeout=2.5", ("relay.internal", 2525, False, False, None, None, 2.5)),
        ("smtp://user@localhost:1025?password_env=P", ("localhost", 1025, False, False, "user", "P", 30.0)),
    ],
)  # fmt: skip
def test_smtp_url(url: str, expected: tuple[object, ...]) -> None:
    smtp = smtp_from_url(url, SENDER)
    host, port, starttls, ssl, username, password_env, timeout = expected
    assert smtp == Smtp(host, port, starttls, ssl, username, password_env, SENDER, timeout)  # type: ignore[arg-type]
    assert smtp_from_url(smtp.url, SENDER) == smtp


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("smtp://user:hunter2@mail.example.com:587?starttls=true", "must come from the environment"),
        ("smtps://user:@mail.example.com", "must come from the environment"),
        ("smtp://user:hunter2@mail.example.com:x", "not a valid SMTP URL"),
        ("http://mail.example.com", "smtp:// or smtps://"),
        ("smtp://", "names no host"),
        ("smtp://mail.example.com/inbox", "only a query"),
        ("smtp://mail.example.com:99999", "not a valid SMTP URL"),
        ("smtp://mail.example.com?starttls=maybe", "not true or false"),
        ("smtp://mail.example.com?tls=true", "unknown SMTP URL option 'tls'"),
        ("smtp://mail.example.com?starttls=true&starttls=false", "given twice"),
        ("smtps://mail.example.com?starttls=true", "smtp:// only"),
        ("smtp://mail.example.com?timeout=soon", "number of seconds"),
        ("smtp://mail.example.com?timeout=0", "above 0"),
        ("smtp://user@mail.example.com?starttls=true", "needs password_env=NAME"),
        ("smtp://user@mail.example.com?password_env=P", "in clear"),
        ("smtp://mail.example.com?password_env=P", "no SMTP user"),
        ("smtp://user@mail.example.com?starttls=true&password_env=1-BAD", "not a variable name"),
    ],
)  # fmt: skip
def test_bad_smtp_url(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        smtp_from_url(url, SENDER)
    assert "hunter2" not in str(caught.value)


def test_smtp_sender_must_be_an_address() -> None:
    with pytest.raises(ValueError, match="not an e-mail address"):
        smtp_from_url("smtp://relay.internal", "reviews")


# ---------------------------------------------------------------- recipients
CONFIG: dict[str, Any] = {
    "recipients": {
        "default": {
            "monthly": {"to": ["ops@example.com"], "cc": ["qa@example.com"]},
            "all": {"to": ["all@example.com"], "languages": ["en"]},
        },
        "north": {
            "quarterly": {"to": ["north-q@example.com"], "languages": ["zh-CN", "en"]},
            "all": {"to": ["north@example.com"]},
        },
        "east": {"quarterly": {"to": ["east@example.com"]}},
        "south": {"monthly": {"to": []}},  # south opts out of monthly mail
    }
}
OPS = Recipients(("ops@example.com",), ("qa@example.com",), ("en", "zh-CN"))
ALL_EN = Recipients(("all@example.com",), (), ("en",))


@pytest.mark.parametrize(
    ("tenant", "cadence", "expected"),
    [
        ("north", "quarterly", Recipients(("north-q@example.com",), (), ("zh-CN", "en"))),
        ("north", "monthly", Recipients(("north@example.com",))),  # tenant's all
        ("east", "quarterly", Recipients(("east@example.com",))),
        ("east", "monthly", OPS),  # default's cadence
        ("west", "monthly", OPS),  # unknown tenant
        ("west", "quarterly", ALL_EN),  # default's all
        (None, "monthly", OPS),
        (None, "quarterly", ALL_EN),
        ("south", "monthly", Recipients()),  # opted out: no delivery
        ("south", "quarterly", ALL_EN),
    ],
)
def test_recipients_fallbacks(tenant: str | None, cadence: str, expected: Recipients) -> None:
    assert recipients_for(CONFIG, tenant, cadence) == expected


def test_no_recipients_configured_means_no_delivery() -> None:
    assert recipients_for({}, "north", "monthly").to == ()
    only_monthly = {"recipients": {"default": {"monthly": {"to": ["ops@example.com"]}}}}
    assert recipients_for(only_monthly, None, "quarterly") == Recipients()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"to": "ops@example.com"}, "must be a list of addresses"),
        ({"to": ["ops"]}, "'ops' is not an e-mail address"),
        ({"to": ["a@example.com, b@example.com"]}, "is not an e-mail address"),
        ({"too": ["ops@example.com"]}, "unknown key"),
        ({"to": ["ops@example.com"], "languages": ["fr"]}, "languages must list"),
        ({"to": ["ops@example.com"], "languages": []}, "languages must list"),
        ({"cc": ["qa@example.com"]}, "cc but no to"),
    ],
)
def test_bad_recipients_config(table: dict[str, Any], message: str) -> None:
    config = {"recipients": {"default": {"monthly": table}}}
    with pytest.raises(ConfigError, match=message):
        recipients_for(config, None, "monthly")


def test_misspelt_cadence_is_reported() -> None:
    config = {"recipients": {"north": {"montly": {"to": ["n@example.com"]}}}}
    with pytest.raises(ConfigError, match=r"\[recipients.north\] has unknown cadence"):
        recipients_for(config, "north", "monthly")
