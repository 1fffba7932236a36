"""The results store keeps each run's outcome, counts and rule results — never row values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from csreview.store import StoreError, check_store, failing_rules, list_runs, record_run


def manifest(
    run_id: str, period: str, status: str = "published", tenant: str | None = None
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "tenant": tenant,
        "cadence": "monthly",
        "period": period,
        "reissue": 0,
        "reason": None,
        "status": status,
        "started_at": f"{period}-28T01:00:00+00:00",
        "source": "sqlite:///centre.sqlite",
        "contract_version": "1",
        "config_sha256": "c" * 64,
        "run_folder": f"/reviews/monthly/_runs/{run_id}",
        "blocking": ["required column channel is missing from table contacts"]
        if status == "blocked"
        else [],
        "tables": {
            "agents": {"read": 3, "used": 3, "quarantined": 0, "sha256": "a" * 64},
            "contacts": {"read": 10, "used": 8, "quarantined": 2, "sha256": "b" * 64},
        },
    }


RULES = [
    {"table": "contacts", "rule": "channel_values", "severity": "quarantine", "engine": "great_expectations", "description": "channel is not phone, chat, email, app or social", "checked": 10, "failed": 2},
    {"table": "contacts", "rule": "created_at_required", "severity": "quarantine", "engine": "great_expectations", "description": "created_at is missing", "checked": 10, "failed": 0},
]  # fmt: skip


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


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


def test_a_store_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot be opened"):
        check_store(f"sqlite:///{tmp_path / 'no' / 'such' / 'store.sqlite'}")
    with pytest.raises(StoreError, match="not valid"):
        check_store("nosuchdialect://x")


def test_kpi_history_is_the_latest_published_run_of_a_period(url: str) -> None:
    from csreview.store import kpi_history

    row = {"kpi": "fcr", "dimension": "all", "segment": "all", "value": 0.7,
           "numerator": 70.0, "denominator": 100.0, "variance": None}  # fmt: skip
    record_run(url, manifest("r1", "2026-09"), RULES, [row])
    record_run(url, manifest("r2", "2026-09"), RULES, [{**row, "value": 0.75}])
    record_run(url, manifest("r3", "2026-09", "blocked"), RULES)
    assert [h["value"] for h in kpi_history(url, "default", "monthly", "2026-09")] == [0.75]
    assert kpi_history(url, "default", "monthly", "2026-08") == []


def test_an_interrupted_run_is_kept_on_record_but_not_read_as_history(url: str) -> None:
    from csreview.store import kpi_history, mark_interrupted

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


def test_kpi_trend_reads_the_overall_rows_of_several_periods(url: str) -> None:
    from csreview.store import kpi_trend

    def row(kpi: str, value: float, dimension: str = "all") -> dict[str, Any]:
        return {"kpi": kpi, "dimension": dimension, "segment": "all", "value": value,
                "numerator": None, "denominator": None, "variance": None}  # fmt: skip

    record_run(url, manifest("r8", "2026-08"), RULES, [row("fcr", 0.7), row("nps", 30.0)])
    record_run(url, manifest("r9", "2026-09"), RULES, [row("fcr", 0.8), row("fcr", 0.1, "tier")])
    trend = kpi_trend(url, "default", "monthly", ["2026-07", "2026-08", "2026-09"], ["fcr"])
    assert trend == [
        {"period": "2026-08", "kpi": "fcr", "value": 0.7},
        {"period": "2026-09", "kpi": "fcr", "value": 0.8},
    ]


def draft(action_id: str, text: str = "roster more agents") -> dict[str, Any]:
    return {"action_id": action_id, "problem_rank": 1, "segment": "hour_band=20-24",
            "action": text, "kpi": "service_level", "baseline": 0.2, "target": 0.8,
            "owner_role": "workforce planner", "due_date": "2026-11-30"}  # fmt: skip


def test_actions_are_approved_with_who_and_when_and_never_overwritten(url: str) -> None:
    from csreview.store import ActionError, approved_before, decide, list_actions, record_drafts

    record_drafts(url, "default", "monthly", "2026-10", "r1", [draft("A1"), draft("A2")])
    decide(url, "A1", "approved", "Li Lei", {"target": 0.75})
    decide(url, "A2", "rejected", "Li Lei", {})
    record_drafts(url, "default", "monthly", "2026-10", "r2", [draft("A1", "reworded")])
    a1 = next(a for a in list_actions(url) if a["action_id"] == "A1")
    assert (a1["status"], a1["target"], a1["action"]) == ("approved", 0.75, "roster more agents")
    assert a1["decided_by"] == "Li Lei" and a1["decided_at"] is not None
    assert [a["action_id"] for a in approved_before(url, "default", "monthly", "2026-11")] == ["A1"]
    assert approved_before(url, "default", "monthly", "2026-10") == []
    with pytest.raises(ActionError, match="no action"):
        decide(url, "A9", "approved", "x", {})
    with pytest.raises(ActionError, match="cannot change"):
        decide(url, "A1", "edited", "x", {"kpi": "fcr"})


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from csreview.store import HEAD, VERSION_TABLE, Base, upgrade

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    try:
        upgrade(engine)
        upgrade(engine)  # idempotent
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            assert context.get_current_revision() == HEAD
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_a_quarter_also_follows_up_the_monthly_actions_opened_before_it(url: str) -> None:
    from csreview.store import approved_before, decide, record_drafts

    record_drafts(url, "default", "monthly", "2026-06", "r6", [draft("M-jun")])
    record_drafts(url, "default", "monthly", "2026-07", "r7", [draft("M-jul")])
    record_drafts(url, "default", "quarterly", "2026-Q2", "rq2", [draft("Q-2")])
    record_drafts(url, "default", "quarterly", "2026-Q3", "rq3", [draft("Q-3")])
    for action_id in ("M-jun", "M-jul", "Q-2", "Q-3"):
        decide(url, action_id, "approved", "Li Lei", {})
    quarter = approved_before(url, "default", "quarterly", "2026-Q3")
    assert sorted(a["action_id"] for a in quarter) == ["M-jun", "Q-2"]  # not July's: inside Q3
    month = approved_before(url, "default", "monthly", "2026-08")
    assert sorted(a["action_id"] for a in month) == ["M-jul", "M-jun"]  # never a quarter's


def test_followups_of_a_quarter_are_the_latest_published_run_of_each_month(url: str) -> None:
    from csreview.store import decide, followups_checked_in, record_drafts, record_followups

    record_drafts(url, "default", "monthly", "2026-07", "r7", [draft("A1")])
    record_drafts(url, "north", "monthly", "2026-07", "n7", [draft("N1")])
    decide(url, "A1", "approved", "Li Lei", {})
    decide(url, "N1", "approved", "Li Lei", {})
    runs = {  # run id → (period, tenant, follow-ups recorded)
        "r8": ("2026-08", None, [("A1", 0.70, "too_early")]),
        "r8b": ("2026-08", None, [("A1", 0.72, "too_early")]),  # a reissue of August: it wins
        "r9": ("2026-09", None, [("A1", 0.85, "effective")]),
        "r10": ("2026-10", None, [("A1", 0.90, "effective")]),  # after the quarter
        "n8": ("2026-08", "north", [("N1", 0.10, "not_effective")]),  # another tenant
    }
    for day, (run_id, (period, tenant, rows)) in enumerate(runs.items(), start=1):
        record_run(
            url,
            manifest(run_id, period, tenant=tenant)
            | {"started_at": f"2026-11-{day:02d}T01:00:00+00:00"},
            RULES,
        )
        record_followups(url, period, run_id, [{"action_id": a, "current": v, "verdict": w} for a, v, w in rows])  # fmt: skip
    found = followups_checked_in(url, "default", "monthly", ["2026-07", "2026-08", "2026-09"])
    assert found == [
        {"action_id": "A1", "checked_in": "2026-08", "current": 0.72, "verdict": "too_early"},
        {"action_id": "A1", "checked_in": "2026-09", "current": 0.85, "verdict": "effective"},
    ]


def _foreign(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE review_runs (id INTEGER PRIMARY KEY, name TEXT)")


def _newer(path: Path) -> None:
    import sqlite3

    check_store(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE csreview_store_version SET version_num = '9999'")


def _other_columns(path: Path) -> None:
    import sqlite3

    check_store(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE run_outputs RENAME COLUMN sha256 TO digest")


@pytest.mark.parametrize(
    ("spoil", "read_only", "message"),
    [
        (lambda path: path.write_bytes(b"\x8f random bytes " * 100), False, "file is not a database"),
        (lambda path: check_store(f"sqlite:///{path}"), True, "cannot be written: attempt to write a readonly database"),
        (_foreign, False, "holds a review_runs table that is not csreview's"),
        (_newer, False, "revision 9999, which this version of csreview does not know"),
        (_other_columns, False, "run_outputs table is not csreview's: no column sha256"),
    ],
)  # fmt: skip
def test_a_store_that_is_not_usable_is_one_clear_line(
    tmp_path: Path, spoil: Any, read_only: bool, message: str
) -> None:
    path = tmp_path / "store.sqlite"
    spoil(path)
    url = f"sqlite:///file:{path}?mode=ro&uri=true" if read_only else f"sqlite:///{path}"
    with pytest.raises(StoreError) as caught:
        check_store(url)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert "SELECT" not in str(caught.value) and "UPDATE" not in str(caught.value)
