"""Quarantine files go after the retention period, on record."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

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
