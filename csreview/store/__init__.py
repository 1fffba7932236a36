"""The results store: every run's outcome, row counts, fingerprints and rule results.

An auditor lists runs and their validation outcome from here without opening files. The
store keeps counts and reasons only — never row values, which may hold personal data.
SQLite by default, PostgreSQL in production: any SQLAlchemy URL.
"""

from __future__ import annotations

from csreview.store.actions import (
    EDITABLE,
    ActionError,
    approved_before,
    decide,
    followups_checked_in,
    list_actions,
    record_drafts,
    record_followups,
)
from csreview.store.engine import (
    HEAD,
    StoreError,
    StoreMissingError,
    check_store,
    reading,
    session,
    upgrade,
)
from csreview.store.history import figure_history, kpi_history, kpi_trend
from csreview.store.runs import (
    PUBLISHING,
    RunRecord,
    RunSummary,
    failing_rules,
    list_runs,
    mark_interrupted,
    mark_published,
    reconcile,
    record_run,
    run_record,
)

__all__ = [
    "EDITABLE",
    "HEAD",
    "PUBLISHING",
    "ActionError",
    "RunRecord",
    "RunSummary",
    "StoreError",
    "StoreMissingError",
    "approved_before",
    "check_store",
    "decide",
    "failing_rules",
    "figure_history",
    "followups_checked_in",
    "kpi_history",
    "kpi_trend",
    "list_actions",
    "list_runs",
    "mark_interrupted",
    "mark_published",
    "reading",
    "reconcile",
    "record_drafts",
    "record_followups",
    "record_run",
    "run_record",
    "session",
    "upgrade",
]
