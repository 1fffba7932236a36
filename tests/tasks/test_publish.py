"""Publishing housekeeping: quarantine files go after the retention period, on record; the
input fingerprints hash the canonical CSV of the rows read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tasks import publish
from tasks.publish import purge_quarantine


def _run(folder: Path, run_id: str, started: str) -> Path:
    run = folder / "_runs" / run_id
    (run / "quarantine").mkdir(parents=True)
    (run / "manifest.json").write_text(json.dumps({"run_id": run_id, "started_at": started}))
    (run / "quarantine" / "surveys.csv").write_text("survey_id,comment,reason\ns1,call me,x\n")
    return run


def test_quarantine_older_than_retention_is_removed_and_noted(tmp_path: Path) -> None:
    old = _run(tmp_path, "old", "2026-07-01T00:00:00+00:00")
    new = _run(tmp_path, "new", "2026-11-01T00:00:00+00:00")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert purge_quarantine(tmp_path, now, days=90) == ["old"]
    assert not (old / "quarantine" / "surveys.csv").exists()
    note = json.loads((old / "quarantine" / "removed.json").read_text())
    assert note["files"] == ["quarantine/surveys.csv"] and note["retention_days"] == 90
    assert (new / "quarantine" / "surveys.csv").exists()
    assert purge_quarantine(tmp_path, now, days=90) == []  # nothing left to remove


def test_runs_of_one_period_wait_for_each_other(tmp_path: Path) -> None:
    import threading
    import time

    from csreview.periods import Period
    from tasks.publish import period_lock

    period = Period("monthly", 2026, 10)
    events: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with period_lock(tmp_path, None, period):
            events.append("first in")
            first_in.set()
            time.sleep(0.3)
            events.append("first out")

    def second() -> None:
        first_in.wait()
        with period_lock(tmp_path, None, period):
            events.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert events == ["first in", "first out", "second in"]
    with (
        period_lock(tmp_path, "north", period),
        period_lock(tmp_path, None, Period("monthly", 2026, 9)),
    ):
        pass  # other tenants and periods are not blocked


TRICKY = pd.DataFrame(
    {
        "text": pd.array(
            ["a,b", 'say "hi"', "two\nlines", "cr\rhere", "", None, " é ", "\t", "plain"],
            dtype="str",
        ),
        "number": [1.5, np.nan, 1e-5, 1e20, 0.1, -0.0, 3.0, np.inf, 123456789.123],
        "flag": [True, False, True, False, True, False, True, False, True],
        "nothing": [None] * 9,
        "count": np.arange(9) - 4,
        # nothing to quote: written as they are, missing empty
        "id": pd.array(["C1", None, "C3", "", "C-5", "C 6", "七", "C8", "C9"], dtype="str"),
        # whole numbers go through an integer cast, up to 10^15
        "seconds": [384.0, -5.0, 0.0, 999_999_999_999_999.0, 1e15, 2.0**53, np.nan, -1e300, 7.0],
        # narrower floats: numpy writes their own shortest repr (1e+08, not 100000000.0)
        "single": np.array([1e8, 3.0, 123456.0, 1e6, 1234567.0, np.nan, -0.0, 0.5, 7.0], "f4"),
        "half": np.array([2048, 65504, 1, 0.5, np.nan, 3, 1000, -2, 9], "f2"),
    }
)


@pytest.mark.parametrize("piece", [1, 4, 250_000])
def test_input_fingerprint_is_the_sha256_of_the_canonical_csv(
    piece: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish, "_ROWS_PER_PIECE", piece)
    for frame in (TRICKY, TRICKY.iloc[:0], TRICKY[["text"]], TRICKY.astype({"count": "Int64"})):
        assert publish.raw_rows_sha256(frame) == publish.sha256(publish.raw_rows_csv(frame))


# ---------------------------------------------------------------- stopped between writing and switching
def _written(folder: Path, run_id: str, reissue: int, switch: bool) -> None:
    """A run that wrote its review and a `published` manifest; SWITCH: and published it."""
    from csreview.periods import Period
    from tasks.publish import RunPlan, switch_period, write_outputs

    plan = RunPlan(run_id, reissue, folder, Period("monthly", 2026, 10))
    manifest = {"run_id": run_id, "reissue": reissue, "period": "2026-10"}
    write_outputs(plan, {"kpis.csv": b"kpi\n"}, manifest)
    if switch:
        switch_period(plan)


def _state(folder: Path) -> tuple[list[str], list[str], int]:
    from csreview.periods import Period
    from tasks.publish import interrupted_runs, plan_run, published_runs

    october = Period("monthly", 2026, 10)
    return (
        [r["run_id"] for r in published_runs(folder, october)],
        interrupted_runs(folder, october),
        plan_run(folder.parents[1], folder.parent.name, october, "next").reissue,
    )


def test_a_run_stopped_before_its_switch_never_published(tmp_path: Path) -> None:
    from csreview.periods import Period
    from tasks.publish import set_aside

    folder = tmp_path / "north" / "monthly"
    _written(folder, "a", 0, switch=False)
    assert _state(folder) == ([], ["a"], 0)  # no --reason needed, the first issue again
    set_aside(folder, Period("monthly", 2026, 10), ["a"])
    manifest = json.loads((folder / "_runs" / "a" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["outputs"]
    _written(folder, "b", 0, switch=True)
    _written(folder, "c", 1, switch=False)
    assert _state(folder) == (["b"], ["c"], 1)  # a stays out: it was set aside
    set_aside(folder, Period("monthly", 2026, 10), ["c"])
    _written(folder, "d", 1, switch=True)
    assert _state(folder) == (["b", "d"], [], 2)


@pytest.mark.parametrize(
    ("earlier", "reason", "refused"),
    [([], None, False), ([{"reissue": 0}], "late surveys", False), ([{"reissue": 0}], None, True)],
)
def test_a_reissue_needs_a_reason(
    earlier: list[dict[str, int]], reason: str | None, refused: bool
) -> None:
    from csreview.periods import Period
    from tasks.publish import ReissueError, check_reason

    if refused:
        with pytest.raises(
            ReissueError, match=r"2026-10 is already published \(reissue 0\); pass --reason"
        ):
            check_reason(Period("monthly", 2026, 10), earlier, reason)
    else:
        check_reason(Period("monthly", 2026, 10), earlier, reason)
