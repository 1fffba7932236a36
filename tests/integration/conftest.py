"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.servers import PrefectServer, prefect_server


@pytest.fixture(scope="session")
def prefect_api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """One real Prefect server for the tests that only run flows on it (a worker's, or
    `csreview run` processes'), started once: a start costs ~20 s on a busy machine."""
    with prefect_server(tmp_path_factory.mktemp("prefect-api-home")) as running:
        yield running
