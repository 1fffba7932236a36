"""The command's own handling of what goes wrong around a run: one line, the right exit
code, no data values on the terminal, the run's log owner-only, and Prefect's temporary
server gone with the command however it ends."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import pickle
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from csreview.demo import DemoSpec, generate, to_database
from csreview.periods import Period
from flows import alerts, cli, faults, run_log, server
from tests.conftest import AFTER_WINDOW

PHONE = "13800138000"  # a data value a failure may quote


@pytest.fixture
def run_args(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`csreview run` of a tiny source, with no Prefect server started."""
    monkeypatch.setattr(server, "start_temporary_server", lambda: None)
    source = f"sqlite:///{tmp_path / 'centre.sqlite'}"
    september = Period("monthly", 2026, 9)
    to_database(
        generate(DemoSpec(september, months=1, contacts_per_day=5), now=AFTER_WINDOW), source
    )
    return ["run", "--cadence", "monthly", "--period", "2026-09", "--source", source]


def test_a_temporary_prefect_server_that_never_starts_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    run_args: list[str],
) -> None:
    @contextlib.contextmanager
    def no_server() -> Iterator[None]:
        raise RuntimeError(f"{server.TIMED_OUT}. Its output is in …")
        yield

    monkeypatch.setattr(server, "temporary_api", no_server)
    assert cli.main([*run_args, "--out", str(tmp_path / "out")]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith(cli.NO_PREFECT_SERVER), err
    assert "Traceback" not in "\n".join(err)


def _sql_fault() -> Exception:
    """SQLAlchemy's error for a full SQLite disk: its text quotes the statement's values."""
    orig = sqlite3.OperationalError(faults.SQLITE_FULL)
    return sa.exc.OperationalError("INSERT INTO kpi_values VALUES (?)", (PHONE,), orig)


def _raise(error: Exception) -> None:
    raise error


FAULTS = [
    (ValueError(f"Unknown symbol: \\x{PHONE}"), "ValueError at the start step"),
    (
        OSError(errno.ENOSPC, "No space left on device", f"/out/{PHONE[:0]}kpis.csv"),
        "no space left on device while writing /out/kpis.csv (OSError at the start step)",
    ),
    (OSError(errno.EROFS, "Read-only file system"), "read-only file system (OSError"),
    (_sql_fault(), "no space left on device for the results store (OperationalError"),
]


@pytest.mark.parametrize(("error", "words"), FAULTS)
def test_a_flow_failure_is_raised_as_its_step_and_kind_only(
    error: Exception, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(faults.RunFailedError) as raised:
        faults.guarded(_raise)(error)
    assert words in str(raised.value)
    assert PHONE not in str(raised.value) and PHONE not in repr(raised.value)
    assert raised.value.__cause__ is None  # nothing of it reaches Prefect's trace
    (record,) = [r for r in caplog.records if r.name == faults.trace_log.name]
    assert record.exc_info is not None and record.exc_info[1] is error  # the run's log has it
    again = pickle.loads(pickle.dumps(raised.value))  # as Prefect stores a failed result
    assert str(again) == str(raised.value)


def test_the_products_own_refusals_pass_unchanged() -> None:
    from flows.faults import ValidationBlockedError

    blocked = ValidationBlockedError("required column channel is missing")
    with pytest.raises(ValidationBlockedError):
        faults.guarded(_raise)(blocked)


@pytest.mark.parametrize(("error", "words"), FAULTS)
def test_a_failed_run_is_one_line_exit_1_without_data_values(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    run_args: list[str],
    error: Exception,
    words: str,
) -> None:
    from prefect.states import Failed

    import flows.review

    def failed_flow(**_: object) -> object:
        try:
            faults.guarded(_raise)(error)
        except faults.RunFailedError as failure:
            return Failed(data=failure, message=f"Flow run encountered an exception: {failure}")
        raise AssertionError("not raised")

    monkeypatch.setattr(flows.review, "review", failed_flow)
    assert cli.main([*run_args, "--out", str(tmp_path / "out")]) == cli.EXIT_BUG
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("reviewing"), err  # its start, its end
    assert words in err[1] and "full trace in" in err[1] and err[1].endswith("run.log"), err
    assert PHONE not in err[1] and "Traceback" not in err[1]
    (log,) = (tmp_path / "out").glob("monthly/_runs/*/run.log")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_prefect_failing_around_the_flow_is_one_line_and_the_trace_in_the_log(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    run_args: list[str],
) -> None:
    import flows.review

    def broken(**_: object) -> object:
        raise RuntimeError(f"Client error '422' for {PHONE}")

    monkeypatch.setattr(flows.review, "review", broken)
    assert cli.main([*run_args, "--out", str(tmp_path / "out")]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert "the run failed: RuntimeError; full trace in" in err and PHONE not in err
    (log,) = (tmp_path / "out").glob("monthly/_runs/*/run.log")
    assert PHONE in log.read_text("utf-8") and "Traceback" in log.read_text("utf-8")


def test_the_run_log_is_owner_only_and_a_full_disk_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever the umask; a write or flush that fails is counted, not printed as logging
    does by default (a full disk gave a traceback a record)."""

    class FullDisk:
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self) -> None:
            self.flush()

    old = os.umask(0)
    try:
        handler = run_log.RunLog(tmp_path / "run.log")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "run.log").stat().st_mode) == 0o600
    handler.stream.close()
    handler.stream = FullDisk()  # type: ignore[assignment]
    logger = logging.getLogger("tests.full-disk")
    logger.addHandler(handler)
    try:
        for _ in range(3):
            logger.error("a record")
    finally:
        logger.removeHandler(handler)
    handler.close()
    assert handler.lost == 4  # three records, and what was left at close
    assert capsys.readouterr().err == ""
    assert "could not be written" in run_log.trace_words(handler)


def test_an_alert_gives_the_kind_of_fault_not_the_message() -> None:
    from prefect.states import Failed

    try:
        faults.guarded(_raise)(ValueError(PHONE))
    except faults.RunFailedError as failure:
        state = Failed(data=failure, message=f"Flow run encountered an exception: {failure}")
    assert alerts.reason(state) == "ValueError at the start step"
    assert alerts.reason(Failed(data=KeyError(PHONE))) == "KeyError"
    assert alerts.reason(Failed(data=None, message=PHONE)) == "FailedRun"  # Prefect's own


# ---------------------------------------------------------------- killed with SIGKILL
KILLED = """
import subprocess, sys, time
from flows.background import Worker
from flows.server import death_signal
child = subprocess.Popen(["sleep", "60"], preexec_fn=death_signal())
worker = Worker(lambda: time.sleep(60))
print(child.pid, worker._process.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    """PID runs (a zombie, ended but not yet reaped by init, does not count)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's parent-death signal")
def test_children_die_with_a_command_killed_with_sigkill() -> None:
    """Prefect's temporary server (a child process) and the GX worker (a fork)."""
    command = subprocess.Popen(
        [sys.executable, "-c", KILLED], stdout=subprocess.PIPE, cwd=Path(__file__).parents[2]
    )
    assert command.stdout is not None
    with command.stdout:
        children = [int(pid) for pid in command.stdout.readline().split()]
    assert len(children) == 2 and all(_alive(pid) for pid in children)
    command.send_signal(signal.SIGKILL)
    command.wait()
    deadline = time.monotonic() + 2
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(_alive(pid) for pid in children)


def test_off_the_main_thread_no_death_signal_is_asked_for() -> None:
    """The signal comes when the starting thread ends: a pool's thread would end it early."""
    import threading

    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(server.death_signal()))
    thread.start()
    thread.join()
    assert seen == [None]


# ---------------------------------------------------------------- a real flow run
@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_run_failing_on_a_data_value_keeps_it_in_the_log_only(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    run_args: list[str],
) -> None:
    """The terminal, the alert e-mail and Prefect's state message of the flow run name the
    step and the kind of fault; the value is in the owner-only run.log."""
    from email import message_from_bytes, policy

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterName,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    from tasks import validate
    from tests.tasks.deliver.smtp_servers import smtp_server

    def quotes_a_value(*_: object, **__: object) -> None:
        raise ValueError(f"Unknown symbol: \\x{PHONE}")

    monkeypatch.setattr(validate, "check_rules", quotes_a_value)
    with smtp_server() as (port, inbox):
        config = tmp_path / "alerts.toml"
        config.write_text(
            f'smtp_url = "smtp://127.0.0.1:{port}"\nsmtp_sender = "reviews@example.com"\n'
            'alert_to = ["data-eng@example.com"]\n',
            encoding="utf-8",
        )
        out = tmp_path / "out"
        assert cli.main([*run_args, "--out", str(out), "--config", str(config)]) == 1
    # the command's lines (Prefect's console handler, which an import of Prefect before the
    # session's logging settings may leave in this process, is not the command's)
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert err[0].startswith("error: 2026-09: the run failed: ValueError at the validate step")
    mail = message_from_bytes(inbox.envelopes[0].original_content or b"", policy=policy.default)
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "reason: the run failed" not in body.get_content()
    assert "ValueError at the validate step" in body.get_content()
    with get_client(sync_client=True) as client:
        (run,) = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=["default-monthly-2026-09"])),
            sort=FlowRunSort.START_TIME_DESC,
            limit=1,
        )
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
        )
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
    assert run.state is not None and "ValueError at the validate step" in str(run.state.message)
    failed = [t for t in task_runs if t.state is not None and t.state.is_failed()]
    assert [t.name.split("-")[0] for t in failed] == ["validate"]
    # nothing Prefect keeps of the run (task-run states, and such logs as have reached its
    # API by now) holds it
    for kept in (*(str(t.state) for t in task_runs), *(entry.message for entry in logs)):
        assert PHONE not in kept
    (log,) = out.glob("monthly/_runs/*/run.log")
    assert PHONE in log.read_text("utf-8") and stat.S_IMODE(log.stat().st_mode) == 0o600
    for shown in (*err, mail.as_string(), str(run.state.message)):
        assert PHONE not in shown
