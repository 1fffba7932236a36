"""Work done beside the flow, on the machine's other core: a forked process that starts
with the flow's data already in memory (nothing is copied or pickled to it) and sends back
only its small result.

For pure CPU-bound Python on data the flow holds (the GX record of the validation), which
threads cannot run in parallel. Where processes cannot be forked, the call simply runs
when its result is asked for.
"""

from __future__ import annotations

import logging
import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class BackgroundError(RuntimeError):
    """The call failed in its process; the message holds its traceback."""


def _child(connection: Connection, call: Callable[..., Any], args: tuple[Any, ...]) -> None:
    logging.disable(logging.CRITICAL)  # the parent's handlers (files, Prefect's API) are not ours
    try:
        outcome: tuple[str, Any] = ("done", call(*args))
    except BaseException:
        outcome = ("failed", traceback.format_exc())
    connection.send(outcome)
    connection.close()


class Background(Generic[T]):
    """A call running in a forked process; `result()` waits for it."""

    def __init__(self, call: Callable[..., T], *args: Any) -> None:
        self._call, self._args = call, args
        self._process: Any = None
        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self._connection, theirs = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_child, args=(theirs, call, args), name=f"background {call.__name__}"
            )
            self._process.start()
            theirs.close()

    def result(self) -> T:
        if self._process is None:
            return self._call(*self._args)
        try:
            status, value = self._connection.recv()
        except EOFError:
            status, value = "failed", "the process ended without a result"
        finally:
            self._connection.close()
            self._process.join()
        if status != "done":
            raise BackgroundError(f"{self._call.__name__} failed in the background:\n{value}")
        result: T = value
        return result
