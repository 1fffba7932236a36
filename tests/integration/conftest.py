"""Fixtures of the integration tests: the real servers, each started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.servers import (
    PostgresServer,
    PrefectServer,
    postgres_server,
    postgres_skip_reason,
    prefect_server,
)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server; each user creates its own databases on it."""
    reason = postgres_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    with postgres_server() as running:
        yield running


@pytest.fixture(scope="session")
def prefect_api_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrefectServer]:
    """One real Prefect server for the tests that run flows on it (a worker's, or `csreview
    run` processes'), started once: a start costs ~20 s on a busy machine. Its database is on
    the session's PostgreSQL server, as in the documented production topology (Prefect's
    SQLite file where PostgreSQL cannot be started)."""
    settings = {}
    if postgres_skip_reason() is None:
        cluster: PostgresServer = request.getfixturevalue("postgres")
        settings["PREFECT_API_DATABASE_CONNECTION_URL"] = cluster.database("prefect", "asyncpg")
    with prefect_server(tmp_path_factory.mktemp("prefect-api-home"), **settings) as running:
        yield running
