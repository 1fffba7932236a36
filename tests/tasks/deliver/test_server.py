"""The SMTP server from its URL: defaults, options, and no password in it."""

from __future__ import annotations

import pytest

from tasks.deliver import Smtp, smtp_from_url
from tests.tasks.deliver.messages import SENDER


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
