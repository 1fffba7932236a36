"""What a failed run says about itself: the step it was in and the kind of fault, never the
values it failed on.

An exception's message may quote the rows it failed on (a category, a phone number in a
comment, an SQL statement's parameters). It goes to the run's log file (owner-only) and
nowhere else: the command's line, the alert e-mail and Prefect's state message name the
step, the exception's type and, for a full or read-only disk, what could not be written.
"""

from __future__ import annotations

import errno
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any, Final, ParamSpec, TypeVar

P = ParamSpec("P")
# the full trace of a step's failure: to the run's log file (the root logger's handler), not
# to Prefect's API, whose loggers are `prefect.*`
trace_log = logging.getLogger(__name__)
R = TypeVar("R")

DISK_FAULTS: dict[int, str] = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}
SQLITE_FULL = "database or disk is full"  # SQLite's words for ENOSPC (and a full quota)
TRANSIENT_KINDS: Final = frozenset(  # faults a retry a few seconds later may not meet again
    {
        "OperationalError",  # a database lost, refused, locked or timed out (DBAPI's class)
        "DisconnectionError",
        "InterfaceError",
        "ConnectionError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "BrokenPipeError",
        "TimeoutError",
    }
)


STAGES: dict[str, str] = {}  # flow run id → the step it is in (set by the review flow)


class ValidationBlockedError(Exception):
    """Validation found a blocking problem: nothing was published."""


class TenantsFailedError(Exception):
    """Some tenants' reviews failed; the others were published."""


class RunFailedError(Exception):
    """A review run failed; its message names the step and the kind of fault only (the
    original exception, with its message, is its `__cause__`)."""

    def __init__(self, step: str, kind: str, detail: str = "") -> None:
        super().__init__(step, kind, detail)  # args as given: it pickles back as it was
        self.step, self.kind, self.detail = step, kind, detail

    def __str__(self) -> str:
        where = f"{self.kind} at the {self.step} step"
        return f"{self.detail} ({where})" if self.detail else where


def _chain(error: BaseException) -> Iterator[BaseException]:
    """ERROR, then what caused it (raised from, raised while handling, a DBAPI's original)."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for cause in (current.__cause__, current.__context__, getattr(current, "orig", None)):
            if isinstance(cause, BaseException):
                pending.append(cause)


def describe(error: BaseException) -> tuple[str, str]:
    """The kind of ERROR (a type name) and, for a disk fault, what it was: words that hold no
    value of the data, so that they can be shown anywhere."""
    for current in _chain(error):
        if isinstance(current, OSError) and current.errno in DISK_FAULTS:
            words = DISK_FAULTS[current.errno]
            if current.filename is not None:
                words += f" while writing {current.filename}"
            return type(current).__name__, words
        if type(current).__name__ == "OperationalError" and SQLITE_FULL in str(current):
            return type(current).__name__, f"{DISK_FAULTS[errno.ENOSPC]} for the results store"
    return type(error).__name__, ""


def speaks_for_itself(error: BaseException) -> bool:
    """The product's own refusals (bad configuration, source or period; a blocked validation;
    a reissue without a reason; tenants that failed): their messages are the product's words,
    shown to the user as they are."""
    from csreview.periods import PeriodError
    from csreview.settings import ConfigError
    from tasks.extract import SourceError
    from tasks.publish import ReissueError

    own = (ValidationBlockedError, SourceError, ConfigError, PeriodError, ReissueError)
    return isinstance(error, (*own, TenantsFailedError, RunFailedError))


def failed_step(default: str = "start") -> str:
    """The step the current flow run is in (as the review flow records it for alerts)."""
    from prefect.runtime import flow_run

    return STAGES.get(str(flow_run.id), default)


def _quieted(fn: Callable[P, R], default_step: str) -> Callable[P, R]:
    """FN, whose failure is raised as `RunFailedError` alone (step and kind): its trace, with
    the original message, goes to the run's log file only (`trace_log`), so that what Prefect
    keeps (states, results, logs, the UI) never holds a data value. The product's own
    refusals pass unchanged."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except Exception as error:
            if speaks_for_itself(error):
                raise
            failure = RunFailedError(failed_step(default_step), *describe(error))
            trace_log.error("%s; the trace:", failure, exc_info=True)
            raise failure from None

    return run


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """A flow's function, its failures raised as their step and kind only (`_quieted`)."""
    return _quieted(fn, "start")


def quiet(fn: Callable[P, R]) -> Callable[P, R]:
    """A task's function, its failures raised as their step and kind only (`_quieted`)."""
    return _quieted(fn, fn.__name__.removesuffix("_task"))


def one_line(error: BaseException) -> str:
    """ERROR in words safe to show: a `RunFailedError` as it says, anything else by its kind."""
    if isinstance(error, RunFailedError) or speaks_for_itself(error):
        return str(error)
    kind, detail = describe(error)
    return f"{detail} ({kind})" if detail else kind


def may_pass(error: BaseException) -> bool:
    """Whether a step's fault may pass on a retry: a lost or refused connection, a timeout, a
    locked database. Why: a file that cannot be read or rows that break a step read the same
    way again, so waiting to retry them only delays the answer."""
    if isinstance(error, RunFailedError):  # its cause is cut: its kind names it
        return error.kind in TRANSIENT_KINDS
    return any(type(current).__name__ in TRANSIENT_KINDS for current in _chain(error))


def retry_if_it_may_pass(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's retry condition: retry a failed task run only when its fault may pass (a
    state without its exception is retried, as before)."""
    error = getattr(state, "data", None)
    return may_pass(error) if isinstance(error, BaseException) else True
