"""Work beside the flow: a forked process returns its result, or its failure with the
traceback; without fork the call runs when its result is asked for."""

from __future__ import annotations

import multiprocessing
import os

import pandas as pd
import pytest

from flows.background import Background, BackgroundError


def _rows_and_pid(frame: pd.DataFrame) -> tuple[int, int]:
    return len(frame), os.getpid()


def _fails() -> None:
    raise ValueError("no such column")


def test_the_call_runs_in_another_process_on_the_parents_data() -> None:
    frame = pd.DataFrame({"x": range(1000)})
    rows, pid = Background(_rows_and_pid, frame).result()
    assert rows == 1000
    assert pid != os.getpid()


def test_a_failure_comes_back_with_its_traceback() -> None:
    with pytest.raises(BackgroundError, match="ValueError: no such column"):
        Background(_fails).result()


def test_without_fork_the_call_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    rows, pid = Background(_rows_and_pid, pd.DataFrame({"x": [1, 2]})).result()
    assert (rows, pid) == (2, os.getpid())
