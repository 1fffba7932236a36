"""Work done beside the flow, on the machine's other core: a forked process that gets ready
(imports, builds) while the flow works, then runs one call on what it is sent and sends
back its result.

For CPU-bound Python the flow would otherwise wait for (the GX record of the validation),
which threads cannot run in parallel. Where processes cannot be forked (or the process is
daemonic, as a Dask worker's is, and may not have children), the call simply runs when its
result is asked for.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Generic, TypeVar

from flows.server import death_signal

T = TypeVar("T")
PREPARE = "prepare"  # the word that tells a worker begun `when_told` to get ready


class BackgroundError(RuntimeError):
    """The call failed in its process; the message holds its traceback."""


def _serve(
    connection: Connection,
    parents: Connection,
    prepare: Callable[[], object],
    die_with_parent: Callable[[], None] | None = None,
    pipe: tuple[int, int] | None = None,
    when_told: bool = False,
) -> None:
    """The worker: get ready (WHEN_TOLD: once told to, or sent the call), then run the one
    call sent (none when the flow stopped)."""
    if die_with_parent is not None:  # a parent killed (SIGKILL) takes its worker with it
        die_with_parent()
    # a flow run's SIGTERM handler (Prefect's) raises instead of ending: `close` must end
    # us; SIGTERM was blocked across the fork, so one sent already ends us here
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    parents.close()  # inherited by the fork: only the parent may hold its end open
    stream = None
    if pipe is not None:
        os.close(pipe[1])
        stream = os.fdopen(pipe[0], "rb")
    logging.disable(logging.CRITICAL)  # the parent's handlers (files, Prefect's API) are not ours
    word: object = PREPARE
    if when_told:
        try:
            word = connection.recv()
        except EOFError:
            return
    failure = None
    try:
        prepare()
    except BaseException:
        failure = traceback.format_exc()
    try:
        held = connection.recv() if word == PREPARE else word
        assert stream is not None
        call, args, meanwhile = pickle.load(stream)  # unpickled as it arrives, never whole
        if held:
            if meanwhile is not None and failure is None:
                try:  # what can be done before the word, on the arguments
                    meanwhile(*args)
                except Exception:
                    failure = traceback.format_exc()
            connection.recv()  # the word to start
    except (EOFError, pickle.UnpicklingError):
        return
    if failure is None:
        try:
            outcome: tuple[str, Any] = ("done", call(*args))
        except BaseException:
            outcome = ("failed", traceback.format_exc())
    else:
        outcome = ("failed", failure)
    connection.send(outcome)
    connection.close()


class Worker(Generic[T]):
    """A forked process getting ready for one call; `submit` sends it the call (to run now,
    or once `start` says so), `result` waits for the outcome. Use it as a context manager:
    leaving stops the process."""

    def __init__(self, prepare: Callable[[], object], when_told: bool = False) -> None:
        self._call: tuple[Callable[..., T], tuple[Any, ...]] | None = None
        self._held = False
        self._told = not when_told
        self._process: Any = None
        # a daemonic process (a Dask worker's, a pool's) may not have children: run inline
        if (
            "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon
        ):
            context = multiprocessing.get_context("fork")
            self._connection, theirs = context.Pipe()
            pipe = os.pipe()  # the call's arguments, streamed: no whole copy as bytes
            self._process = context.Process(
                target=_serve,
                args=(theirs, self._connection, prepare, death_signal(), pipe, when_told),
                name="background worker",
                daemon=True,
            )
            held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
            try:
                self._process.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)  # one sent meanwhile comes now
            theirs.close()
            os.close(pipe[0])
            self._stream = os.fdopen(pipe[1], "wb")

    @property
    def forked(self) -> bool:
        """Whether the call runs in a process of its own (else inline, when asked for)."""
        return self._process is not None

    def get_ready(self) -> None:
        """Tell a worker begun `when_told` to get ready now (a call sent tells it too)."""
        if not self._told and self._process is not None:
            self._connection.send(PREPARE)
        self._told = True

    def submit(
        self,
        call: Callable[..., T],
        *args: Any,
        start: bool = True,
        meanwhile: Callable[..., object] | None = None,
    ) -> None:
        """Send the call and its arguments; with START false it waits for `start`, so its
        arguments can be handed over (and freed here) before the work should begin, and
        runs MEANWHILE on them while it waits (a failure there is the call's)."""
        if self._process is None:
            self._call = (call, args)  # run when its result is asked for
            return
        self._told = True
        self._connection.send(not start)
        try:  # written as the worker reads it: a million rows never held twice on either side
            pickle.dump((call, args, meanwhile), self._stream, protocol=pickle.HIGHEST_PROTOCOL)
            self._stream.flush()
        except BrokenPipeError:  # the worker ended: `result` says so
            pass
        self._call = (call, ())  # sent: the arguments (a million rows) are not kept here
        self._held = not start

    def start(self) -> None:
        """Let a call sent with `start=False` run (inline, it runs when its result is asked)."""
        if self._held and self._process is not None:
            self._connection.send("start")
        self._held = False

    def result(self) -> T:
        if self._call is None:
            raise RuntimeError("nothing was submitted")
        call, args = self._call
        if self._process is None:
            return call(*args)
        self.start()  # a call still held would never answer
        try:
            status, value = self._connection.recv()
        except EOFError:
            status, value = "failed", "the process ended without a result"
        finally:
            self.close()
        if status != "done":
            raise BackgroundError(f"{call.__name__} failed in the background:\n{value}")
        result: T = value
        return result

    def close(self) -> None:
        """Stop the process. Its outcome was taken, or will never be (the flow failed, or
        found the result in its cache): nothing it still does is wanted, so it is ended
        rather than waited for."""
        if self._process is not None:
            self._connection.close()
            with contextlib.suppress(OSError):  # a pipe the worker left unread
                self._stream.close()
            self._process.terminate()
            self._process.join()
            self._process = None

    def __enter__(self) -> Worker[T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
