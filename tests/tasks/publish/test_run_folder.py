"""A run stopped between writing and switching never published; a reissue says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


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
