"""Prefect's temporary server as the command begins it: at once, without importing Prefect
(nor the review's heavy libraries), waited for only when the flow starts, and Prefect's
own timeout when it never answers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flows import server

ROOT = Path(__file__).parents[2]
HEAVY = ("prefect", "great_expectations", "weasyprint", "matplotlib", "scipy")

BEGUN_EARLY = f"""
import sys
import flows.cli
from flows import server
heavy = {HEAVY!r}
print(sorted(name for name in heavy if name in sys.modules))
server.prefect_server_command = lambda: [sys.executable, "-c", "import time; time.sleep(30)"]
server.start_temporary_server()
print(server._begun is not None, "prefect" in sys.modules)
server._begun.stop()
"""


def test_the_command_begins_the_server_before_importing_prefect_or_the_review(
    tmp_path: Path,
) -> None:
    """What the command imports before a run is checked, and the server begun, is light:
    Prefect (1 s), GX (3.5 s), WeasyPrint, matplotlib and SciPy come after."""
    env = {"PATH": "/usr/bin:/bin", "PREFECT_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", BEGUN_EARLY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.splitlines() == ["[]", "True False"], done.stderr


def _server(tmp_path: Path, program: str) -> server.TemporaryServer:
    command = [sys.executable, "-c", textwrap.dedent(program)]
    return server.TemporaryServer(command, {"PATH": "/usr/bin:/bin"}, tmp_path / "server.log")


ANSWERS = """
import http.server, sys
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[-1])), Health).serve_forever()
"""


def test_the_server_is_waited_for_until_it_answers_then_stopped(tmp_path: Path) -> None:
    started = _server(tmp_path, ANSWERS)
    started.spawn()
    try:
        started.wait(timeout=20)
        assert server.answers(f"{started.api_url}/health")
        assert started.api_url == f"http://127.0.0.1:{started.port}/api"
    finally:
        process = started.process
        started.stop()
    assert process is not None and process.returncode is not None
    assert started.process is None


def test_flows_on_the_temporary_server_link_no_ui_and_send_no_heartbeats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server ends with the command: nobody could read a crashed run's missing
    heartbeats, and waiting for their thread held the flow's end up to 1 s."""
    from prefect.settings import get_current_settings

    begun = _server(tmp_path, ANSWERS)
    begun.spawn()
    monkeypatch.setattr(server, "_begun", begun)
    try:
        with server.temporary_api():
            settings = get_current_settings()
            assert settings.api.url == begun.api_url
            assert not settings.ui_url
            assert settings.flows.heartbeat_frequency is None
        assert get_current_settings().flows.heartbeat_frequency is not None
    finally:
        begun.stop()


@pytest.mark.parametrize(
    ("program", "words"),
    [
        ("import time; time.sleep(30)", "Its output is in"),
        ("raise SystemExit(5)", "exited with code 5"),
    ],
)
def test_a_server_that_never_answers_is_prefects_own_timeout(
    tmp_path: Path, program: str, words: str
) -> None:
    silent = _server(tmp_path, program)
    silent.spawn()
    try:
        with pytest.raises(RuntimeError) as raised:
            silent.wait(timeout=0.5)
    finally:
        silent.stop()
    assert str(raised.value).startswith(server.TIMED_OUT) and words in str(raised.value)


def test_with_an_api_set_no_server_is_begun(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setattr(server, "_begun", None)
    server.start_temporary_server()
    assert server._begun is None


def test_a_server_begun_where_prefects_settings_set_an_api_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before Prefect is imported only the environment is read; a profile's API is found
    when the flow starts, and the server begun for nothing goes."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    begun = _server(tmp_path, "import time; time.sleep(30)")
    begun.spawn()
    monkeypatch.setattr(server, "_begun", begun)
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        with server.temporary_api():
            assert get_current_settings().api.url == "http://127.0.0.1:9/api"
        assert server._begun is None and begun.process is None


def test_a_server_no_flow_used_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run refused by its checks: the server begun for them goes with the command."""
    begun = _server(tmp_path, "import time; time.sleep(30)")
    begun.spawn()
    monkeypatch.setattr(server, "_begun", begun)
    server.stop_unused()
    assert server._begun is None and begun.process is None
