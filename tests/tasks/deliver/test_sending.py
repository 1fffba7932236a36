"""A review is sent through a real SMTP server; failures are one line, never the password."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from tasks.deliver import DeliveryError, send
from tests.tasks.deliver.messages import (
    KPIS_CSV,
    PASSWORD,
    PASSWORD_ENV,
    PDF,
    PDF_NAME,
    SENDER,
    SUBJECT,
    SUMMARY,
    USER,
    review_message,
)
from tests.tasks.deliver.smtp_servers import Inbox, RefusingInbox, closed_port, local, smtp_server


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
