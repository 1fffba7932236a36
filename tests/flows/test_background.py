"""Work beside the flow: a forked worker gets ready, runs the call it is sent and returns
its result, or its failure with the traceback; without fork the call runs when its result is
asked for; a worker sent nothing ends when closed."""

from __future__ import annotations

import functools
import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from flows.background import BackgroundError, Worker

READY: dict[str, int] = {}


def _get_ready() -> None:
    READY["pid"] = os.getpid()


def _rows_and_readiness(frame: pd.DataFrame) -> tuple[int, int, int]:
    return len(frame), os.getpid(), READY.get("pid", 0)


def _fails() -> None:
    raise ValueError("no such column")


def test_the_call_runs_in_the_prepared_process() -> None:
    with Worker[tuple[int, int, int]](_get_ready) as worker:
        worker.submit(_rows_and_readiness, pd.DataFrame({"x": range(1000)}))
        rows, pid, ready_in = worker.result()
    assert rows == 1000
    assert pid != os.getpid()
    assert ready_in == pid  # prepared in that same process
    assert "pid" not in READY  # not here


@pytest.mark.parametrize("prepare", [_get_ready, _fails])
def test_a_failure_comes_back_with_its_traceback(prepare: Callable[[], None]) -> None:
    """Whether the call fails, or getting ready did."""
    with Worker[None](prepare) as worker:
        worker.submit(_fails)
        with pytest.raises(BackgroundError, match="ValueError: no such column"):
            worker.result()


def test_without_fork_the_call_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with Worker[tuple[int, int, int]](_get_ready) as worker:
        worker.submit(_rows_and_readiness, pd.DataFrame({"x": [1, 2]}))
        rows, pid, _ = worker.result()
    assert (rows, pid) == (2, os.getpid())


def test_a_worker_sent_nothing_ends_when_closed() -> None:
    worker = Worker[None](_get_ready)
    process = worker._process
    worker.close()
    assert process is not None and not process.is_alive()


def _started_at(frame: pd.DataFrame) -> float:
    return time.perf_counter()


def test_a_call_sent_held_starts_when_told() -> None:
    """Its rows are handed over at once; the work begins at `start` (or at `result`)."""
    with Worker[float](_get_ready) as worker:
        worker.submit(_started_at, pd.DataFrame({"x": [1]}), start=False)
        time.sleep(0.3)
        told = time.perf_counter()
        worker.start()
        assert worker.result() >= told
    with Worker[float](_get_ready) as worker:
        worker.submit(_started_at, pd.DataFrame({"x": [1]}), start=False)
        assert worker.result() > 0  # asked for without `start`: started then


def _raises(signum: int, frame: object) -> None:
    raise RuntimeError("terminated")  # as a Prefect flow run's SIGTERM handler does


@pytest.mark.parametrize("flow_handler", [False, True])
def test_a_call_whose_result_is_not_wanted_is_stopped_not_waited_for(
    flow_handler: bool, capfd: pytest.CaptureFixture[str]
) -> None:
    """A flow that failed, or found the result in its cache, does not wait for the call; a
    worker forked inside a flow run ends too, without a traceback."""
    before = signal.signal(signal.SIGTERM, _raises) if flow_handler else None
    try:
        worker = Worker[None](_get_ready)
    finally:
        if before is not None:
            signal.signal(signal.SIGTERM, before)
    worker.submit(time.sleep, 60)
    started = time.perf_counter()
    worker.close()
    assert time.perf_counter() - started < 5
    assert "Traceback" not in capfd.readouterr().err


def test_what_a_worker_is_sent_is_not_kept_here() -> None:
    """The rows sent to the worker are not held by the flow's process once sent."""
    frame = pd.DataFrame({"x": range(1000)})
    with Worker[tuple[int, int, int]](_get_ready) as worker:
        worker.submit(_rows_and_readiness, frame)
        sent = weakref.ref(frame)
        del frame
        gc.collect()
        assert sent() is None
        assert worker.result()[0] == 1000


def _in_a_daemon(connection: multiprocessing.connection.Connection) -> None:
    with Worker[tuple[int, int, int]](_get_ready) as worker:
        worker.submit(_rows_and_readiness, pd.DataFrame({"x": [1]}))
        _, pid, _ = worker.result()
    connection.send((pid, os.getpid()))


def test_a_daemonic_process_runs_the_call_itself() -> None:
    """A Dask worker's process is daemonic and may not have children."""
    context = multiprocessing.get_context("fork")
    theirs, ours = context.Pipe()
    daemon = context.Process(target=_in_a_daemon, args=(theirs,), daemon=True)
    daemon.start()
    assert ours.poll(20), "the daemon did not answer"
    ran_in, daemon_pid = ours.recv()
    daemon.join(10)
    assert ran_in == daemon_pid


def _mark_ready(path: str) -> Callable[[], None]:
    def prepare() -> None:
        with open(path, "w") as mark:
            mark.write(str(os.getpid()))

    return prepare


def _appears(path: str, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return False


def test_a_worker_begun_when_told_gets_ready_only_once_told(tmp_path: Path) -> None:
    """Forked early, it imports nothing until told (the server's start and the read have
    the cores); told, it gets ready before any call is sent."""
    mark = str(tmp_path / "ready")
    with Worker[tuple[int, int, int]](_mark_ready(mark), when_told=True) as worker:
        assert not _appears(mark, within=0.3)
        worker.get_ready()
        assert _appears(mark, within=10)
        worker.submit(_rows_and_readiness, pd.DataFrame({"x": [1]}))
        rows, pid, _ = worker.result()
    assert (rows, pid) == (1, int(Path(mark).read_text()))


def test_a_worker_begun_when_told_gets_ready_when_sent_its_call(tmp_path: Path) -> None:
    mark = str(tmp_path / "ready")
    with Worker[tuple[int, int, int]](_mark_ready(mark), when_told=True) as worker:
        worker.submit(_rows_and_readiness, pd.DataFrame({"x": [1, 2]}), start=False)
        worker.start()
        rows, pid, _ = worker.result()
    assert (rows, pid) == (2, int(Path(mark).read_text()))


def _mark_rows(path: str, frame: pd.DataFrame) -> None:
    Path(path).write_text(str(len(frame)))


def test_meanwhile_works_on_the_arguments_before_the_word_to_start(tmp_path: Path) -> None:
    """A call sent held runs MEANWHILE on its arguments while it waits (GX's worker finds
    the order of its results then)."""
    mark = str(tmp_path / "meanwhile")
    with Worker[tuple[int, int, int]](_get_ready) as worker:
        worker.submit(
            _rows_and_readiness,
            pd.DataFrame({"x": [1, 2, 3]}),
            start=False,
            meanwhile=functools.partial(_mark_rows, mark),
        )
        assert _appears(mark, within=10)  # before `start`
        worker.start()
        rows, _, _ = worker.result()
    assert rows == 3 and Path(mark).read_text() == "3"


def test_a_failure_meanwhile_is_the_calls() -> None:
    with Worker[None](_get_ready) as worker:
        worker.submit(_fails, start=False, meanwhile=_fails)
        worker.start()
        with pytest.raises(BackgroundError, match="ValueError: no such column"):
            worker.result()
