"""Prefect's temporary API server for one `csreview` command, begun early and bound to die
with it.

Without PREFECT_API_URL, Prefect would start a server subprocess of its own on first use
(about 220 MB), only once the flow is called, and after importing Prefect's whole server
in the command itself (1.5 s) just to start it. The command begins that same server (Prefect's
own command line and environment) as soon as it knows it will run a review, so that the
server imports and migrates its database while the command imports the review; the flow
then waits for it to answer and is pointed at it. The kernel is told to kill the server when
the command ends however it ends (Linux's parent-death signal); at a normal exit it is
stopped after Prefect has sent its last logs. Its output (errors only) goes to an owner-only
file under PREFECT_HOME, never to the terminal.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

PR_SET_PDEATHSIG: Final = 1  # <linux/prctl.h>
LOG_NAME: Final = "csreview-temporary-server.log"
# Prefect's own words, which the command recognises (flows/cli.py)
TIMED_OUT: Final = "Timed out while attempting to connect to ephemeral Prefect API server"
PORT_IN_USE: Final = 3  # uvicorn's exit code when its port was taken meanwhile
STOP_SECONDS: Final = 5  # Prefect's own grace before it kills its server
# Prefect's own environment for its temporary server: no UI, none of the server's services
SERVER_ENVIRONMENT: Final = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}


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


@dataclass
class TemporaryServer:
    """Prefect's temporary server as this command runs it: `spawn` starts its process and
    returns at once, `wait` waits until it answers."""

    command: list[str]
    environment: dict[str, str]
    log_file: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    used: bool = False  # a flow was pointed at it

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def spawn(self) -> None:
        """Start the server's process on a free port; it ends with this thread's process."""
        self.port = free_port()
        with self.log_file.open("ab") as output:
            self.process = subprocess.Popen(
                [*self.command, "--port", str(self.port)],
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                preexec_fn=death_signal(),
            )

    def wait(self, timeout: float) -> None:
        """Return once the server answers; Prefect's RuntimeError when it does not within
        TIMEOUT seconds (a server whose port was taken meanwhile starts again on another)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None, "spawned first"
            if self.process.poll() == PORT_IN_USE:
                self.spawn()
            elif self.process.poll() is not None:
                break
            if answers(f"{self.api_url}/health"):
                return
            time.sleep(0.05)
        code = self.process.poll() if self.process is not None else None
        ended = f" Ephemeral server process exited with code {code}." if code is not None else ""
        raise RuntimeError(f"{TIMED_OUT}.{ended} Its output is in {self.log_file}.")

    def stop(self) -> None:
        """Let the server finish what it was sent and end; killed if it does not in time."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


_begun: TemporaryServer | None = None


def start_temporary_server() -> None:
    """Begin Prefect's temporary server for this process, unless PREFECT_API_URL is set or
    one was begun: it starts beside what the command does next (its checks, its imports),
    and `temporary_api` waits for it. Stopped at exit, after Prefect's own exit work (which
    sends the last logs).

    Before Prefect is imported (1 s) only the environment can say whether an API is set; a
    Prefect profile or file that sets one is found by `temporary_api`, which stops the
    server begun for nothing."""
    global _begun
    if _begun is not None or os.environ.get("PREFECT_API_URL"):
        return
    environment = {**os.environ, **SERVER_ENVIRONMENT}
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    if "prefect.settings" in sys.modules:  # imported already: its settings cost nothing
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        if settings.api.url:
            return
        environment |= settings.to_environment_variables(exclude_unset=True)
        home = Path(settings.home)
    server = TemporaryServer(prefect_server_command(), environment, _log_file(home))
    server.spawn()
    atexit.register(server.stop)  # registered before Prefect's exit work, so run after it
    _begun = server


@contextlib.contextmanager
def temporary_api() -> Iterator[None]:
    """Within it, Prefect uses the temporary server begun for this process, once it answers
    (Prefect's RuntimeError if it does not in time); without one, or with an API set in
    Prefect's settings, Prefect's settings as they are."""
    global _begun
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_UI_URL,
        get_current_settings,
        temporary_settings,
    )

    settings = get_current_settings()
    if _begun is not None and settings.api.url:  # set by a profile or file: not needed
        _begun.stop()
        _begun = None
    if _begun is None:
        yield
        return
    _begun.wait(settings.server.ephemeral.startup_timeout_seconds)
    _begun.used = True
    # the temporary server serves no UI: no run links to one, as with Prefect's own; and it
    # ends with the command, so no one could tell a crashed run by its missing heartbeats:
    # none are sent (their thread, which sleeps in 1 s steps, held the flow's end 0.2-1 s)
    updates = {
        PREFECT_API_URL: _begun.api_url,
        PREFECT_UI_URL: "",
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
    }
    with temporary_settings(updates=updates):
        yield


def stop_unused() -> None:
    """Stop the server begun for this process if no flow used it (every run was refused by
    its checks): nothing is left running for nothing, in a process that goes on."""
    global _begun
    if _begun is not None and not _begun.used:
        _begun.stop()
        _begun = None


def prefect_server_command() -> list[str]:
    """Prefect's command line of its temporary server, but for the port (found without
    importing Prefect)."""
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin is not None, "Prefect is installed"
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(Path(spec.origin).parent.parent),
        "--factory",
        "prefect.server.api.server:create_app",
        "--host",
        "127.0.0.1",
        "--log-level",
        "error",
        "--lifespan",
        "on",
    ]


def free_port() -> int:
    """A port on the loopback interface that nothing listens on now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(url: str) -> bool:
    """URL answers 200 now (directly: the loopback never goes through a proxy)."""
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=1) as response:
            status: Any = response.status
            return bool(status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _log_file(home: Path) -> Path:
    """The server's output file under PREFECT_HOME, created owner-only."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / LOG_NAME
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    return path
