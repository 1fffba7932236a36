"""Real processes the integration tests start on 127.0.0.1 and always stop: a PostgreSQL
server, a Prefect server with its own PREFECT_HOME (its database on that PostgreSQL server
when there is one), and the clients (prefect CLI, worker, `csreview`) pointed at it.

Nothing of the caller's Prefect profile (API URL, database URL) may leak into them.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
PREFECT = BIN / "prefect"
STARTUP_SECONDS = 60  # the first start migrates a new database: ~10 s
STOP_SECONDS = 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any PREFECT_ setting, plus EXTRA."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return env | {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}


@dataclass(frozen=True)
class PrefectServer:
    """A running `prefect server start`: its API URL and PREFECT_HOME."""

    api_url: str
    home: Path
    database_url: str | None = None  # PostgreSQL's; None: Prefect's default SQLite file

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a process that talks to this server (and no other)."""
        return clean_env(PREFECT_API_URL=self.api_url, PREFECT_HOME=str(self.home), **extra)

    @contextmanager
    def settings(self) -> Iterator[str]:
        """This process's Prefect client pointed at the server; yields the API URL."""
        from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: self.api_url, PREFECT_HOME: self.home}):
            yield self.api_url


def start(
    command: list[str], log_file: Path, env: dict[str, str], cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start COMMAND in its own process group, its output into LOG_FILE; stop it with
    `stop`, which ends the whole group (children included)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        return subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Send SIG to the process group started by `start`, then SIGKILL what is left."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # children that outlived their parent


def wait_healthy(api_url: str, process: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"prefect server exited ({process.returncode}):\n{log_file.read_text()}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"prefect server not healthy after {STARTUP_SECONDS} s:\n{log_file.read_text()}")


@contextmanager
def prefect_server(home: Path, **settings: str) -> Iterator[PrefectServer]:
    """A real `prefect server start` on 127.0.0.1 and a free port, with HOME as its
    PREFECT_HOME and extra PREFECT_ SETTINGS; stopped on exit, whatever happened."""
    port = free_port()
    env = clean_env(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_UI_ENABLED="false",
        PREFECT_SERVER_LOGGING_LEVEL="WARNING",
        **settings,
    )
    log_file = home / "server.log"
    command = [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    process = start(command, log_file, env=env)
    try:
        api_url = f"http://127.0.0.1:{port}/api"
        wait_healthy(api_url, process, log_file)
        yield PrefectServer(api_url, home, settings.get("PREFECT_API_DATABASE_CONNECTION_URL"))
    finally:
        stop(process)


def child_flow_runs(flow_run_id: Any) -> list[Any]:
    """The flow runs started by a flow run's tasks (subflows and deployment runs), read from
    the Prefect API this process is pointed at."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentTaskRunId

    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": [flow_run_id]}))
        return list(
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    parent_task_run_id=FlowRunFilterParentTaskRunId(any_=[t.id for t in tasks])
                )
            )
        )


# ---------------------------------------------------------------- PostgreSQL
def _pg_bin() -> Path | None:
    """The folder of PostgreSQL's server binaries (PATH first, then Debian's layout)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: Path(p).parent.name)
    for folder in reversed(folders):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


PG_BIN = _pg_bin()
AS_ROOT = os.geteuid() == 0
RUNUSER = shutil.which("runuser")


def postgres_skip_reason() -> str | None:
    """Why no PostgreSQL server can be started here, or None."""
    if PG_BIN is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if AS_ROOT and RUNUSER is None:
        return "running as root and `runuser` is unavailable to start PostgreSQL as postgres"
    return None


def _as_postgres(*command: str | Path) -> list[str]:
    prefix = [str(RUNUSER), "-u", "postgres", "--"] if AS_ROOT else []
    return [*prefix, *(str(c) for c in command)]


def _run(command: list[str], timeout: float = 60) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")


@dataclass
class PostgresServer:
    """A running PostgreSQL server (user `postgres`, trust authentication on 127.0.0.1)."""

    port: int
    databases: set[str] = field(default_factory=set)

    def database(self, name: str, driver: str = "psycopg2") -> str:
        """The URL of database NAME, created on first use."""
        if name not in self.databases:
            import psycopg2

            conn = psycopg2.connect(
                host="127.0.0.1", port=self.port, user="postgres", dbname="postgres"
            )
            try:
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute(f'CREATE DATABASE "{name}"')
            finally:
                conn.close()
            self.databases.add(name)
        return f"postgresql+{driver}://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server (initdb, pg_ctl) on 127.0.0.1 and a free port, run as the
    `postgres` OS user when the tests run as root (the server refuses root); stopped and its
    files removed on exit."""
    assert PG_BIN is not None, postgres_skip_reason()
    base = Path(tempfile.mkdtemp(prefix="csreview-pg-", dir="/tmp"))
    base.chmod(0o700)
    if AS_ROOT:
        shutil.chown(base, "postgres", "postgres")
    data, log = base / "data", base / "server.log"
    port = free_port()
    initdb = [PG_BIN / "initdb", "-D", data, "--auth=trust", "-U", "postgres", "-E", "UTF8"]
    try:
        _run(_as_postgres(*initdb, "--locale=C", "--no-sync"))
        options = f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off"
        _run(_as_postgres(PG_BIN / "pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "start"))
        yield PostgresServer(port)
    finally:
        if (data / "postmaster.pid").exists():  # started, even if `start` timed out
            _run(_as_postgres(PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"))
        shutil.rmtree(base, ignore_errors=True)
