"""The results store keeps each run's outcome, counts and rule results — never row values."""

from __future__ import annotations

from csreview.store import failing_rules, kpi_history, list_runs, mark_interrupted, record_run
from tests.csreview.store.recorded import RULES, manifest


def test_runs_are_listed_with_counts_and_failing_rules(url: str) -> None:
    record_run(url, manifest("r2", "2026-10"), RULES)
    record_run(url, manifest("r1", "2026-09", "blocked", tenant="north"), RULES[1:])
    runs = list_runs(url)
    assert [r.run_id for r in runs] == ["r1", "r2"]
    assert runs[0].tenant == "north" and runs[0].status == "blocked"
    assert runs[1].tenant == "default"
    assert (runs[1].rows_read, runs[1].rows_quarantined, runs[1].failing_rules) == (13, 2, 1)
    assert runs[1].tables[1] == ("contacts", 10, 8, 2, "b" * 64)
    assert [r.run_id for r in list_runs(url, tenant="north")] == ["r1"]
    assert [r.run_id for r in list_runs(url, period="2026-10")] == ["r2"]
    assert failing_rules(url, "r2") == [
        (
            "contacts",
            "channel_values",
            "quarantine",
            2,
            10,
            "channel is not phone, chat, email, app or social",
        )
    ]
    assert "channel is missing" in runs[0].blocking


def test_recording_a_run_twice_keeps_one_row(url: str) -> None:
    record_run(url, manifest("r1", "2026-10"), RULES)
    record_run(url, manifest("r1", "2026-10"), RULES)
    assert len(list_runs(url)) == 1


def test_an_interrupted_run_is_kept_on_record_but_not_read_as_history(url: str) -> None:
    row = {"kpi": "fcr", "dimension": "all", "segment": "all", "value": 0.7,
           "numerator": 70.0, "denominator": 100.0, "variance": None}  # fmt: skip
    record_run(url, manifest("r1", "2026-09"), RULES, [row])
    record_run(url, manifest("r2", "2026-09"), RULES, [{**row, "value": 0.75}])
    mark_interrupted(url, ["r2", "never-recorded"])
    assert [(r.run_id, r.status) for r in list_runs(url)] == [
        ("r1", "published"),
        ("r2", "interrupted"),
    ]
    assert [h["value"] for h in kpi_history(url, "default", "monthly", "2026-09")] == [0.7]
