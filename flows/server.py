"""Prefect's temporary API server for one `csreview` command, bound to die with it.

Without PREFECT_API_URL, Prefect starts a server subprocess of its own on first use (about
220 MB) and stops it at exit; a command killed with SIGKILL never reaches its exit, and the
server lived on for minutes. The command starts that same server itself, from its main
thread, with the kernel told to kill it when the command ends however it ends (Linux's
parent-death signal); Prefect then finds it running and uses it. Its output (errors only)
goes to an owner-only file under PREFECT_HOME, never to the terminal.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

PR_SET_PDEATHSIG: Final = 1  # <linux/prctl.h>
LOG_NAME: Final = "csreview-temporary-server.log"


def death_signal() -> Callable[[], None] | None:
    """What a child runs first (before it executes its program, or in a fork) so that
    SIGKILL ends it when this thread ends; None where the kernel has no such signal, or off the main thread (the
    signal comes when the thread that started the child ends, not the process)."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not (
        threading.main_thread()
    ):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)  # loaded before the fork
    prctl = libc.prctl
    parent = os.getpid()

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent ended before the signal was asked for
            os._exit(1)

    return die_with_parent


def _log_file() -> Path:
    """The server's output file under PREFECT_HOME, created owner-only."""
    from prefect.settings import get_current_settings

    home = Path(get_current_settings().home)
    home.mkdir(parents=True, exist_ok=True)
    path = home / LOG_NAME
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    return path


def start_temporary_server() -> None:
    """Start Prefect's temporary server for this process when no PREFECT_API_URL is set,
    unless one is running already. Raises Prefect's RuntimeError when it does not answer
    within PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return
    _server_class()().start()


def _server_class() -> type[Any]:
    from prefect.server.api.server import SubprocessASGIServer

    class TemporaryServer(SubprocessASGIServer):
        """Prefect's temporary server, started so that it ends with this process. Being the
        instance Prefect's own `SubprocessASGIServer()` returns, it is the one Prefect uses."""

        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            spawned: list[subprocess.Popen[Any]] = []
            original = subprocess.Popen

            def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[Any]:
                with _log_file().open("ab") as log:
                    kwargs |= {"stdout": log, "stderr": subprocess.STDOUT}
                    kwargs |= {"stdin": subprocess.DEVNULL, "preexec_fn": death_signal()}
                    spawned.append(original(*args, **kwargs))
                return spawned[-1]

            # Prefect's own command line and environment, only spawned differently
            super_run = super()._run_uvicorn_command
            module = sys.modules[SubprocessASGIServer.__module__]
            module.subprocess = _PopenOnly(popen)  # type: ignore[attr-defined]
            try:
                return super_run()
            finally:
                module.subprocess = subprocess  # type: ignore[attr-defined]

    return TemporaryServer


class _PopenOnly:
    """The `subprocess` module as Prefect's server module sees it while the temporary server
    is spawned: its `Popen` is ours."""

    def __init__(self, popen: Callable[..., subprocess.Popen[Any]]) -> None:
        self.Popen = popen

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)
