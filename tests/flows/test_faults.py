"""Which faults a step retries: those that may pass, not those that read the same again."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from prefect.states import Failed

from flows.faults import RunFailedError, may_pass, retry_if_it_may_pass
from tasks.extract import SourceError


def _source_error(cause: BaseException) -> SourceError:
    try:
        raise SourceError("cannot read the source") from cause
    except SourceError as error:
        return error


LOCKED = sa.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize(
    ("error", "passes"),
    [
        (_source_error(LOCKED), True),  # a database locked or lost: worth a second try
        (_source_error(ConnectionRefusedError()), True),
        (RunFailedError("extract", "TimeoutError"), True),
        (_source_error(ValueError("not a parquet file")), False),  # reads the same again
        (SourceError("no SQLite database at x.sqlite"), False),
        (RunFailedError("extract", "UnicodeDecodeError"), False),
        (KeyError("contact_id"), False),
    ],
)
def test_only_a_fault_that_may_pass_is_retried(error: BaseException, passes: bool) -> None:
    assert may_pass(error) is passes
    assert retry_if_it_may_pass(None, None, Failed(data=error)) is passes


def test_a_failed_state_without_its_exception_is_retried_as_before() -> None:
    assert retry_if_it_may_pass(None, None, Failed(message="crashed")) is True
