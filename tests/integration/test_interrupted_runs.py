"""Runs killed mid-publish, and runs of one period started together: the period folder is
always the previous published review or the new one, complete; the results store holds
exactly the runs the folder has shown; reissues never interleave.

`csreview run` runs as a subprocess against a real Prefect server (so a killed run leaves
no temporary server behind) and is SIGKILLed at moments of its publish step found by
watching its run folder — the product has no hooks for this. Where the subject is the
publish, the runs do not print their PDF (`unprinted`).
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from csreview.demo import DemoSpec, generate, to_database
from csreview.messy_export import plant_bad_rows
from csreview.store import list_runs
from flows.audit import verify
from flows.cli import main
from tests.conftest import OCTOBER, ZONE
from tests.integration.servers import BIN, PrefectServer, clean_env, start, stop

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZONE)
ROOT = Path(__file__).parents[2]
RUN_SECONDS = 240  # one run takes ~40 s on a busy 2-core machine
POLL_SECONDS = 0.002


@pytest.fixture
def server(prefect_api_server: PrefectServer) -> PrefectServer:
    return prefect_api_server


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """October 2026 of a small demo contact centre, with its planted bad rows."""
    frames = generate(DemoSpec(OCTOBER, months=1, contacts_per_day=30), now=NOW)
    messy, _ = plant_bad_rows(frames, OCTOBER, ZONE)
    url = f"sqlite:///{tmp_path_factory.mktemp('source') / 'centre.sqlite'}"
    to_database(messy, url)
    return url


def run(
    server: PrefectServer, source: str, out: Path, log: Path, reason: str | None
) -> subprocess.Popen[bytes]:
    """Start `csreview run` for October 2026 (a reissue when REASON is given), without its
    PDF: what these runs are about is their publish."""
    command = [sys.executable, "-m", "tests.integration.unprinted", "run"]
    command += ["--cadence", "monthly", "--period", "2026-10", "--source", source]
    command += ["--out", str(out), *(["--reason", reason] if reason else [])]
    return start(command, log, env=server.env(), cwd=ROOT)


def finish(process: subprocess.Popen[bytes], log: Path) -> int:
    try:
        return process.wait(timeout=RUN_SECONDS)
    except subprocess.TimeoutExpired:
        stop(process)
        pytest.fail(f"csreview run did not finish in {RUN_SECONDS} s:\n{log.read_text()}")


def runs_dir(out: Path) -> Path:
    return out / "monthly" / "_runs"


def period_dir(out: Path) -> Path:
    return out / "monthly" / "2026-10"


def shown_run(out: Path) -> str | None:
    """The run the period folder shows, or None when there is no period folder."""
    link = period_dir(out)
    return link.resolve().name if link.exists() else None


def assert_whole(out: Path, settled: bool = True) -> None:
    """The period folder is absent or one complete published run — never a mix. Right after
    a kill (not SETTLED) the store may still say `publishing` of the run the folder shows,
    never `published` of one it does not: the next run reconciles it."""
    if period_dir(out).exists():
        said = io.StringIO()
        with contextlib.redirect_stdout(said):
            code = verify(period_dir(out))
        problems = [
            line
            for line in said.getvalue().splitlines()
            if "problem(s) found" not in line
            and not line.startswith(("not checked:", "removed by retention"))
        ]
        stopped = [line for line in problems if "records as publishing" in line]
        assert code == 0 or (not settled and stopped == problems), said.getvalue()
        manifest = json.loads((period_dir(out) / "manifest.json").read_text("utf-8"))
        assert manifest["status"] == "published"


# ---------------------------------------------------------------- killed mid-publish
Reached = Callable[[Path, Path], bool]


def _first_output(run_dir: Path, out: Path) -> bool:
    """The publish step has started writing the review's files."""
    return any(run_dir.glob("*.csv")) or any(run_dir.glob(".*.tmp"))


def _manifest_written(run_dir: Path, out: Path) -> bool:
    """Every file and the manifest are written; the period is not switched yet."""
    return (run_dir / "manifest.json").exists()


def _switched(run_dir: Path, out: Path) -> bool:
    """The period folder shows this run; recording and artifacts may still be under way."""
    return shown_run(out) == run_dir.name


KILL_POINTS: tuple[tuple[str, Reached], ...] = (
    ("first-output", _first_output),
    ("manifest", _manifest_written),
    ("switched", _switched),
)


def kill_when(
    process: subprocess.Popen[bytes], out: Path, log: Path, reached: Reached, known: set[str]
) -> Path:
    """SIGKILL the run as soon as REACHED holds for its run folder (the one not among the
    KNOWN runs); returns that folder."""
    deadline = time.monotonic() + RUN_SECONDS
    run_dir: Path | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the run ended ({process.returncode}) before the kill:\n{log.read_text()}")
        if run_dir is None:
            new = [p for p in runs_dir(out).glob("*") if p.name not in known]
            run_dir = new[0] if new else None
        if run_dir is not None and reached(run_dir, out):
            stop(process, signal.SIGKILL)
            assert process.returncode == -signal.SIGKILL
            return run_dir
        time.sleep(POLL_SECONDS)
    stop(process)
    pytest.fail(f"the run never reached the kill point in {RUN_SECONDS} s:\n{log.read_text()}")


def kpi_rows(store: str, run_id: str) -> int:
    engine = sa.create_engine(store)
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT count(*) FROM kpi_values WHERE run_id = :run")
            return int(connection.execute(query, {"run": run_id}).scalar_one())
    finally:
        engine.dispose()


def history_rows(run_dir: Path) -> int:
    """The rows of the run's kpis.csv that the store keeps (every dimension but agent and
    date)."""
    lines = (run_dir / "kpis.csv").read_text("utf-8").splitlines()[1:]
    return sum(1 for line in lines if line.split(",")[1] not in ("agent", "date"))


@pytest.mark.timeout(len(KILL_POINTS) * RUN_SECONDS + RUN_SECONDS)
def test_a_run_killed_mid_publish_leaves_one_whole_review_and_a_rerun_completes(
    server: PrefectServer, source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reviews"
    shown: list[str] = []  # the runs the period folder has shown, in order
    killed: dict[str, str] = {}
    for point, reached in KILL_POINTS:
        log = tmp_path / f"{point}.log"
        process = run(server, source, out, log, "after a kill" if shown else None)
        run_dir = kill_when(process, out, log, reached, {*killed.values(), *shown})
        killed[point] = run_dir.name
        assert_whole(out, settled=False)
        recorded = {r.run_id: r.status for r in list_runs(f"sqlite:///{out / 'store.sqlite'}")}
        if shown_run(out) != run_dir.name:  # never `published` before its switch
            assert recorded.get(run_dir.name) in (None, "publishing"), point
        now_shown = shown_run(out)
        assert now_shown in {run_dir.name, shown[-1] if shown else None}, point
        if now_shown == run_dir.name:
            shown.append(run_dir.name)
    assert shown, "no kill came after the period was switched"

    log = tmp_path / "rerun.log"
    assert finish(run(server, source, out, log, "after a kill"), log) == 0, log.read_text()
    shown.append(str(shown_run(out)))

    assert_whole(out)
    manifest = json.loads((period_dir(out) / "manifest.json").read_text("utf-8"))
    assert manifest["reissue"] == len(shown) - 1
    assert {p.name for p in runs_dir(out).iterdir()} == {*killed.values(), *shown}
    for run_id in set(killed.values()) - set(shown):  # none of them counts as published
        left = runs_dir(out) / run_id / "manifest.json"
        assert not left.exists() or json.loads(left.read_text("utf-8"))["status"] == "interrupted"
    store = f"sqlite:///{out / 'store.sqlite'}"
    recorded = list_runs(store, period="2026-10")
    published = [(r.run_id, r.reissue) for r in recorded if r.status == "published"]
    assert published == [(run_id, n) for n, run_id in enumerate(shown)]
    assert {r.status for r in recorded if r.run_id not in shown} <= {"interrupted"}
    for run_id in shown:  # one KPI set per published run
        assert kpi_rows(store, run_id) == history_rows(runs_dir(out) / run_id) > 0
    assert main(["audit", "--out", str(out), "--period", "2026-10"]) == 0
    listing = capsys.readouterr().out
    assert all(run_id in listing for run_id in shown)


# ---------------------------------------------------------------- started together
def holds_lock(out: Path) -> bool:
    """A run is past `plan_run`, inside the period lock: it has written its config copy."""
    return any(runs_dir(out).glob("*/config/settings.json"))


@pytest.mark.timeout(3 * RUN_SECONDS)
def test_runs_of_one_period_started_together_publish_one_after_the_other(
    server: PrefectServer, source: str, tmp_path: Path
) -> None:
    out = tmp_path / "reviews"
    logs = {name: tmp_path / f"{name}.log" for name in ("first", "unreasoned", "second")}
    first = run(server, source, out, logs["first"], "first")
    deadline = time.monotonic() + RUN_SECONDS
    while not holds_lock(out):
        assert first.poll() is None, logs["first"].read_text()
        assert time.monotonic() < deadline, logs["first"].read_text()
        time.sleep(0.05)
    # both start while the first holds the lock: neither sees the period published yet
    others = {
        "unreasoned": run(server, source, out, logs["unreasoned"], None),
        "second": run(server, source, out, logs["second"], "second"),
    }
    codes = {"first": finish(first, logs["first"])}
    codes |= {name: finish(p, logs[name]) for name, p in others.items()}

    assert codes == {"first": 0, "unreasoned": 2, "second": 0}, {
        name: log.read_text() for name, log in logs.items()
    }
    assert "pass --reason" in logs["unreasoned"].read_text()
    manifests = {
        str(json.loads(m.read_text("utf-8"))["reason"]): json.loads(m.read_text("utf-8"))
        for m in runs_dir(out).glob("*/manifest.json")
    }
    assert sorted(manifests) == ["first", "second"]
    assert [manifests[r]["reissue"] for r in ("first", "second")] == [0, 1]
    assert {m["status"] for m in manifests.values()} == {"published"}
    assert shown_run(out) == manifests["second"]["run_id"]
    assert_whole(out)
    # no interleaving: the second wrote nothing under the lock before the first had published
    first_dir = runs_dir(out) / manifests["first"]["run_id"]
    second_dir = runs_dir(out) / manifests["second"]["run_id"]
    second_files = [p for p in second_dir.rglob("*") if p.is_file() and p.name != "run.log"]
    published_at = (first_dir / "manifest.json").stat().st_mtime
    assert min(p.stat().st_mtime for p in second_files) >= published_at
    recorded = list_runs(f"sqlite:///{out / 'store.sqlite'}", period="2026-10")
    assert [(r.reissue, r.status) for r in recorded] == [(0, "published"), (1, "published")]


# ---------------------------------------------------------------- faults, Prefect's own server
def children(pid: int) -> set[int]:
    """The processes whose parent is PID (the ones still running, not zombies)."""
    found = set()
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat_file.parent.name))
    return found


def running(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def using(home: Path) -> set[int]:
    """The processes started with HOME as their PREFECT_HOME."""
    wanted = f"PREFECT_HOME={home}".encode()
    found = set()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if wanted in environ.read_bytes().split(b"\0"):
                found.add(int(environ.parent.name))
        except OSError:
            continue
    return found


@contextmanager
def tiny_disk(folder: Path, size: str) -> Iterator[None]:
    """A tmpfs of SIZE mounted on FOLDER (root only); skips the test where it cannot be."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.timeout(3 * RUN_SECONDS)
def test_a_killed_run_leaves_no_process_and_a_full_disk_is_one_line(
    source: str, tmp_path: Path
) -> None:
    """As a user without PREFECT_API_URL runs it: Prefect's temporary server (started by the
    command) and the GX worker end with a command killed with SIGKILL, at once; a full disk
    mid-run is exit 1 and one line, and the run leaves no process either."""
    home = tmp_path / "prefect-home"
    env = clean_env(PREFECT_HOME=str(home))
    command = [str(BIN / "csreview"), "run", "--cadence", "monthly", "--period", "2026-10"]
    command += ["--source", source, "--store", f"sqlite:///{tmp_path / 'store.sqlite'}"]

    out, log = tmp_path / "killed", tmp_path / "killed.log"
    process = start([*command, "--out", str(out)], log, env=env)
    try:
        deadline = time.monotonic() + RUN_SECONDS
        while not any("Beginning flow run" in p.read_text() for p in out.glob("*/_runs/*/run.log")):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        spawned = children(process.pid)
        assert len(spawned) == 2, spawned  # the temporary server, the GX worker
        process.kill()  # the command only, not its process group
        process.wait()
        killed_at = time.monotonic()
        while running(spawned) and time.monotonic() < killed_at + 2:
            time.sleep(0.02)
        assert not running(spawned | using(home)), "left behind after SIGKILL"
    finally:
        stop(process)

    out, log = tmp_path / "full", tmp_path / "full.log"
    with tiny_disk(out, "400k"):
        process = start([*command, "--out", str(out)], log, env=env)
        assert finish(process, log) == 1, log.read_text()
    lines = log.read_text().splitlines()  # the command's stdout and stderr
    assert len(lines) == 2 and lines[0].startswith("reviewing"), lines
    assert lines[1].startswith("error: 2026-10: ") and "no space left on device" in lines[1]
    assert not running(using(home)), "left behind by a run that failed"
