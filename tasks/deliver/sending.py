"""Sending a message through the SMTP server, the password taken from the environment.

A failure is one line that never shows the password, and says whether another attempt
can succeed, so a retrying caller stops early when it cannot.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Final

from tasks.deliver.server import Smtp

MAX_ERROR_LENGTH: Final = 400


class DeliveryError(Exception):
    """One delivery attempt failed; the message is one line, safe to show and log.

    `retryable` is False when another attempt cannot succeed (a missing password, a login or
    a recipient refused for good) so that a retrying caller can stop early."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


def send(message: EmailMessage, smtp: Smtp, environ: Mapping[str, str] | None = None) -> list[str]:
    """Make one delivery attempt; returns the recipient addresses the server accepted.

    No retries here: the caller wraps `send` in a Prefect task with retries (stopping early
    when `DeliveryError.retryable` is False) and, when all attempts fail, keeps the
    published review and exits with code 4. `environ` defaults to `os.environ`."""
    password = _password(smtp, os.environ if environ is None else environ)
    recipients = _envelope_recipients(message)
    if not recipients:
        raise DeliveryError(
            "the message has no recipients (To, Cc and Bcc are empty)", retryable=False
        )
    context = ssl.create_default_context()
    try:
        client = _connect(smtp, context)
        try:
            if smtp.starttls:
                client.starttls(context=context)
            if smtp.username is not None and password is not None:
                client.login(smtp.username, password)
            refused = client.send_message(message, from_addr=smtp.sender, to_addrs=recipients)
        except BaseException:
            client.close()
            raise
        _quit(client)
    except (smtplib.SMTPException, OSError, UnicodeError) as err:
        # `from None`: a chained cause could carry server text or credentials into a log
        raise DeliveryError(_one_line(err, smtp, password), retryable=_retryable(err)) from None
    return [r for r in recipients if r not in refused]


def _password(smtp: Smtp, environ: Mapping[str, str]) -> str | None:
    if smtp.username is None:
        return None
    if smtp.password_env is None:
        raise DeliveryError(
            f"SMTP user {smtp.username} has no password_env naming the password's variable",
            retryable=False,
        )
    password = environ.get(smtp.password_env)
    if not password:
        raise DeliveryError(
            f"environment variable {smtp.password_env} is not set: it holds the password of "
            f"SMTP user {smtp.username} on {smtp.host}",
            retryable=False,
        )
    return password


def _envelope_recipients(message: EmailMessage) -> list[str]:
    headers = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
    return list(dict.fromkeys(addr for _, addr in getaddresses(headers) if addr))


def _connect(smtp: Smtp, context: ssl.SSLContext) -> smtplib.SMTP:
    if smtp.ssl:
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context)
    return smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)


def _quit(client: smtplib.SMTP) -> None:
    """Say goodbye after the server took the message; a failing QUIT is not a failed
    delivery (retrying would send the mail twice)."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _one_line(err: BaseException, smtp: Smtp, password: str | None) -> str:
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        detail = "every recipient was refused: " + "; ".join(
            f"{addr} ({code} {_text(reply)})" for addr, (code, reply) in err.recipients.items()
        )
    elif isinstance(err, smtplib.SMTPAuthenticationError):
        detail = f"login as {smtp.username} refused: {err.smtp_code} {_text(err.smtp_error)}"
    elif isinstance(err, smtplib.SMTPSenderRefused):
        detail = f"sender {err.sender} refused: {err.smtp_code} {_text(err.smtp_error)}"
    elif isinstance(err, smtplib.SMTPResponseException):
        detail = f"server replied {err.smtp_code} {_text(err.smtp_error)}"
    elif isinstance(err, TimeoutError):
        detail = f"no answer within {smtp.timeout_seconds:g} s"
    elif isinstance(err, ssl.SSLCertVerificationError):
        detail = f"TLS certificate not trusted: {err.verify_message}"
    elif isinstance(err, ssl.SSLError):
        detail = f"TLS failed: {err.reason or err}"
    elif isinstance(err, UnicodeError):
        detail = "the user name or password has characters SMTP cannot send (ASCII only)"
    elif isinstance(err, OSError) and err.strerror:
        detail = err.strerror
    else:
        detail = str(err) or type(err).__name__
    line = " ".join(f"SMTP delivery via {smtp.host}:{smtp.port} failed: {detail}".split())
    if password:
        line = line.replace(password, "***")
    return line if len(line) <= MAX_ERROR_LENGTH else line[: MAX_ERROR_LENGTH - 1] + "…"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _retryable(err: BaseException) -> bool:
    """Only a temporary failure (4xx, a network or server hiccup) is worth another try."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return any(400 <= code < 500 for code, _ in err.recipients.values())
    if isinstance(err, smtplib.SMTPResponseException):
        return 400 <= err.smtp_code < 500
    if isinstance(err, smtplib.SMTPNotSupportedError | ssl.SSLCertVerificationError):
        return False
    return not isinstance(err, UnicodeError)
