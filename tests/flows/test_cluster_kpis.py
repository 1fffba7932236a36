"""`csreview kpis`: the period's KPI table computed on a local Dask cluster and written as
the review writes `kpis.csv`, its validation counts beside it; blocked and user errors as
the contract's exit codes."""

from __future__ import annotations

import csv
import io
import json
import math
import stat
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

import flows.distributed
from csreview import demo
from csreview.settings import load_settings
from flows import cli
from tasks import kpis as k
from tasks import workforce
from tasks.extract import extract_period
from tasks.publish.tables import kpis_csv
from tasks.validate import check_rules
from tasks.validate.partitioned import GateTotals
from tests.conftest import OCTOBER

PHONE = "13800138000"  # a data value a failure may quote
SMALL_CLUSTER = ["--workers", "1", "--memory-limit", "1GiB", "--slice-days", "16"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A demo October in SQLite."""
    url = f"sqlite:///{tmp_path_factory.mktemp('centre') / 'source.sqlite'}"
    demo.to_database(demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=8)), url)
    return url


def _command(cadence: str, period: str, source: str, out: Path) -> list[str]:
    return ["kpis", "--cadence", cadence, "--period", period, "--source", source, "--out", str(out)]


def _rows(data: bytes) -> dict[tuple[str, str, str], list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return {(r[0], r[1], r[2]): r[3:] for r in rows[1:]}


@pytest.mark.slow
def test_the_kpi_table_on_a_local_cluster_is_the_reviews(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same rows, same statuses, each figure within 1e-12 of the single machine's `kpis.csv`;
    the counts are the gate's; the command prints where the table is."""
    out = tmp_path / "out"
    assert cli.main([*_command("monthly", "2026-10", source, out), *SMALL_CLUSTER]) == 0
    assert capsys.readouterr().out.strip() == str((out / "kpis.csv").absolute())

    settings = load_settings()
    counts = json.loads((out / "validation.json").read_text("utf-8"))
    read_at = datetime.fromisoformat(counts["read_at"])
    validation = check_rules(extract_period(source, OCTOBER, settings.zone, read_at), settings)
    facts = k.build_facts(validation.clean, OCTOBER, settings, counts["fcr_provisional"])
    people = workforce.kpi_rows(validation.clean["agents"], OCTOBER, settings, facts.months)
    whole = _rows(kpis_csv(workforce.with_workforce(k.compute_kpis(facts, settings), people)))
    got = _rows((out / "kpis.csv").read_bytes())
    assert got.keys() == whole.keys() and len(got) > 1000
    for key, (value, numerator, denominator, target, status) in whole.items():
        mine = got[key]
        assert mine[3:] == [target, status], key
        for a, b in zip(mine[:3], (value, numerator, denominator), strict=True):
            assert (a == b) or math.isclose(float(a), float(b), rel_tol=1e-12), (key, a, b)
    for table in ("contacts", "surveys", "qa_evaluations", "agents", "shifts"):
        assert counts["tables"][table] == validation.counts[table], table
    assert counts["blocking"] == [] and counts["cluster"]["workers"] == 1
    assert counts["source"] == source and counts["period"] == "2026-10"


def test_a_period_validation_blocks_writes_its_counts_and_no_table(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cluster's totals block (`gate_totals`, tested with the slices): the counts are
    written, the table is not, exit 3."""
    reason = "contacts: no usable contact was created in the period"
    counts = {"contacts": {"read": 0, "used": 0, "quarantined": 0}}

    def blocked(*_: object, **__: object) -> SimpleNamespace:
        totals = GateTotals(counts, {("contacts", "created_at_parses"): 0}, (reason,))
        return SimpleNamespace(
            kpis=None, totals=totals, workers=1, worker_peak_mib=(300.0,), partition_contacts=(0,)
        )

    monkeypatch.setattr(flows.distributed, "dask_kpis", blocked)
    out = tmp_path / "out"
    assert cli.main(_command("monthly", "2026-08", source, out)) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "blocked by data validation: " + reason in err[0], err
    assert not (out / "kpis.csv").exists()
    written = json.loads((out / "validation.json").read_text("utf-8"))
    assert written["blocking"] == [reason] and written["tables"] == counts
    assert written["rules"] == [
        {"table": "contacts", "rule": "created_at_parses", "failing_rows": 0}
    ]


@pytest.fixture
def no_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Dask run started at all fails the test."""

    def started(*_: object, **__: object) -> None:
        raise AssertionError("a cluster was started")

    monkeypatch.setattr(flows.distributed, "dask_kpis", started)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"source": "FOLDER"}, "reads a database"),
        ({"source": "sqlite:///MISSING.sqlite"}, "no SQLite database"),
        ({"period": "2026-13"}, "YYYY-MM"),
        ({"extra": ["--workers", "0"]}, "at least 1"),
        ({"extra": ["--memory-limit", "lots"]}, "--memory-limit 'lots'"),
        ({"extra": ["--memory-limit=-1GiB"]}, "needs some memory"),
        ({"address": "tcp://${CSREVIEW_NO_SUCH_HOST}:8786"}, "CSREVIEW_NO_SUCH_HOST is not set"),
        ({"address": "tcp://127.0.0.1:1"}, "cannot reach the Dask scheduler at tcp://127.0.0.1:1"),
    ],
)
@pytest.mark.usefixtures("no_cluster")
def test_a_user_error_is_one_line_and_exit_2_before_any_cluster(
    source: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, object],
    words: str,
) -> None:
    if "address" in change:
        monkeypatch.setenv("CSREVIEW_DASK_ADDRESS", str(change["address"]))
    where = str(change.get("source", source))
    where = where.replace("FOLDER", str(tmp_path)).replace("MISSING", str(tmp_path / "none"))
    command = _command("monthly", str(change.get("period", "2026-10")), where, tmp_path / "o")
    extra = change.get("extra", [])
    assert isinstance(extra, list)
    assert cli.main([*command, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0], err


def test_a_failed_run_is_one_line_exit_1_the_trace_in_an_owner_only_log(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A worker's fault (here one quoting a data value) is named by its kind; what an earlier
    run left in the folder goes, so that nothing there disagrees with this run."""
    out = tmp_path / "out"
    out.mkdir()
    for stale in ("kpis.csv", "validation.json"):
        (out / stale).write_text("an earlier run's", encoding="utf-8")

    def fails(*_: object, **__: object) -> None:
        raise ValueError(f"cannot parse {PHONE}")

    monkeypatch.setattr(flows.distributed, "dask_kpis", fails)
    assert cli.main(_command("monthly", "2026-10", source, out)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the KPI table on Dask failed: ValueError" in err[0], err
    assert PHONE not in err[0] and err[0].endswith("kpis.log")
    log = out / "kpis.log"
    assert PHONE in log.read_text("utf-8") and stat.S_IMODE(log.stat().st_mode) == 0o600
    assert sorted(p.name for p in out.iterdir()) == ["kpis.log"]
