"""A running SMTP server for each delivery test that asks for one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.tasks.deliver.smtp_servers import Inbox, smtp_server


@pytest.fixture
def server() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as running:
        yield running
