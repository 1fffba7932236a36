"""GX's record, made beside the review: begun early it is taken by the next review only;
the check waits for `start`, and runs at `result` when never started."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

import pandas as pd
import pytest

from flows import gx_record
from flows.gx_record import GxRecord
from tasks.extract import Extract
from tasks.validate import Validation
from tests.conftest import OCTOBER

READY: dict[str, int] = {}


def _get_ready() -> None:
    READY["pid"] = os.getpid()


def _no_orders(inputs: object) -> None:
    """No GX suite runs here: no order to find while the worker waits."""


def _checked_in(inputs: object) -> tuple[int, int]:
    if isinstance(inputs, tuple):  # filed: the worker reads what the review wrote and closed
        fd, size = inputs
        assert os.pread(fd, size, 0) == b"rows"
    return os.getpid(), READY.get("pid", 0)


def _filed(inputs: object, file: BinaryIO) -> tuple[int, int]:
    file.write(b"rows")
    file.flush()
    return file.fileno(), 4


@pytest.fixture(autouse=True)
def light_gx(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """GX's import and suites stood in for by a quick preparation and check; no record
    begun early (by a command another test ran) before or after."""
    monkeypatch.setattr(gx_record, "prepare_gx", _get_ready)
    monkeypatch.setattr(gx_record, "run_suites", _checked_in)
    monkeypatch.setattr(gx_record, "suite_orders", _no_orders)
    monkeypatch.setattr(gx_record, "gx_inputs", lambda extract, settings, read_at, checked: extract)
    monkeypatch.setattr(gx_record, "filed_inputs", _filed)
    _drop_early()
    yield
    _drop_early()


def _drop_early() -> None:
    with GxRecord.begin():  # the early one, if any, taken and stopped
        pass


def _pid_of(record: GxRecord) -> tuple[int, int]:
    """The process that checked, and the one that got ready; the rows as read go once GX's
    inputs are made (the typed rows are the gate's to let go)."""
    rows = pd.DataFrame({"x": [1]})
    extract = Extract(OCTOBER, datetime(2026, 11, 2, tzinfo=UTC), {"t": rows}, {"t": rows})
    record.check(extract, None, Validation({}, {}, ()))  # type: ignore[arg-type]
    assert extract.raw == {} and list(extract.typed) == ["t"]
    return record.result()


def test_a_record_begun_early_is_taken_once_then_a_new_one_is_forked() -> None:
    GxRecord.begin_early()
    early = GxRecord._early
    GxRecord.begin_early()  # one early record a process
    assert GxRecord._early is early
    with GxRecord.begin() as first:
        assert first is early
        pid, ready_in = _pid_of(first)
    with GxRecord.begin() as later:
        assert later is not early
        later_pid, _ = _pid_of(later)
    assert ready_in == pid != later_pid != os.getpid()
