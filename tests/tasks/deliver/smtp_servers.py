"""A real SMTP server on a free port, keeping what it receives, for the delivery tests."""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tasks.deliver import Smtp
from tests.tasks.deliver.messages import PASSWORD, SENDER, USER


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


def closed_port() -> int:
    return free_port()  # bound then released: nothing listens there
