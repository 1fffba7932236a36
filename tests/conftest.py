"""Shared test fixtures: a tiny contact centre whose KPIs are worked out by hand."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from csreview import schema as s
from csreview.periods import Period
from csreview.settings import Settings, load_settings
from tasks.extract import parse_table

# Prefect's logging as the command sets it, whichever test imports Prefect first: its
# default prints to the terminal, through a stream a later test finds closed
os.environ.setdefault(
    "PREFECT_LOGGING_SETTINGS_PATH", str(Path(__file__).parents[1] / "flows" / "logging.yml")
)

ZONE = ZoneInfo("Asia/Shanghai")
OCTOBER = Period("monthly", 2026, 10)
AFTER_WINDOW = datetime(2026, 11, 20, 12, 0, tzinfo=ZONE)

# contact_id, customer, channel, category, created, answered, closed, agent, abandoned,
# talk, hold, wrap, resolved, escalated, transferred, complaint, offer, sale
TINY_CONTACTS = [
    ("c1", "U1", "phone", "logistics", "2026-10-05 10:00:00", "2026-10-05 10:00:10", "2026-10-05 10:05:10", "A1", "0", 200, 50, 50, "1", "0", "0", "1", "0", "0"),
    ("c2", "U2", "phone", "billing", "2026-10-05 10:05:00", "2026-10-05 10:05:30", "2026-10-05 10:07:30", "A2", "0", 100, 0, 20, "1", "0", "1", "0", "1", "1"),
    ("c3", "U3", "phone", "logistics", "2026-10-06 21:00:00", None, "2026-10-06 21:00:03", None, "1", None, None, None, None, None, None, None, None, None),
    ("c4", "U4", "chat", "logistics", "2026-10-06 21:10:00", None, "2026-10-06 21:11:40", None, "yes", 0, 0, 0, None, None, None, None, None, None),
    ("c5", "U1", "chat", "logistics", "2026-10-07 09:00:00", "2026-10-07 09:00:50", "2026-10-07 09:05:50", "A1", "0", 300, 0, 0, "0", "1", "0", "0", "1", "0"),
    ("c6", "U5", "email", "other", "2026-10-08 12:00:00", None, None, None, "0", None, None, None, None, None, None, None, None, None),
    ("c7", "U6", "phone", "billing", "2026-09-20 10:00:00", "2026-09-20 10:00:05", None, "A2", "0", 60, 0, 0, None, None, None, None, None, None),
    ("c8", "U7", "phone", "returns", "2026-11-02 09:00:00", "2026-11-02 09:00:04", "2026-11-02 09:02:00", "A2", "0", 100, 0, 16, "1", "0", "0", "0", "0", "0"),
    ("c9", "U7", "phone", "returns", "2026-10-30 10:00:00", "2026-10-30 10:00:05", "2026-10-30 10:01:05", "A2", "0", 60, 0, 0, "0", "0", "0", "0", "0", "0"),
]  # fmt: skip
TINY_AGENTS = [
    ("A1", "Alpha", "senior", "Shanghai", "2020-01-01", None),
    ("A2", "Bravo", "junior", None, "2026-03-01", None),
]
TINY_QA = [
    ("e1", "c1", "A1", "R1", "human", "2026-10-06 10:00:00", 90, "0"),
    ("e2", "c1", "A1", "R2", "human", "2026-10-06 11:00:00", 70, "0"),
    ("e3", "c2", "A2", "R1", "human", "2026-10-06 12:00:00", 85, "1"),
    ("e4", "c5", "A1", "R1", "ai", "2026-10-08 12:00:00", 60, "0"),
]
TINY_SURVEYS = [
    ("s1", "c1", "2026-10-05 12:00:00", 5, 10, None, "很好"),
    ("s2", "c2", "2026-10-05 12:00:00", 2, 3, None, "call me on 13812345678"),
    ("s3", "c5", "2026-10-07 12:00:00", 4, 8, None, None),
    ("s4", "c9", "2026-10-30 12:00:00", None, 9, None, None),
]
TINY_SHIFTS = [
    ("A1", "2026-10-05 08:00:00", "2026-10-05 17:00:00"),
    ("A2", "2026-10-05 08:00:00", "2026-10-05 17:00:00"),
]


def raw_frames() -> dict[str, pd.DataFrame]:
    """The tiny contact centre as read from a source (text values)."""

    def frame(table: s.Table, rows: list[tuple[object, ...]]) -> pd.DataFrame:
        names = list(table.column_names)[: len(rows[0])]
        return pd.DataFrame(rows, columns=names).astype("object")

    return {
        s.AGENTS.name: frame(s.AGENTS, TINY_AGENTS),
        s.CONTACTS.name: frame(s.CONTACTS, TINY_CONTACTS),
        s.QA_EVALUATIONS.name: frame(s.QA_EVALUATIONS, TINY_QA),
        s.SURVEYS.name: frame(s.SURVEYS, TINY_SURVEYS),
        s.SHIFTS.name: frame(s.SHIFTS, TINY_SHIFTS),
    }


def typed_frames() -> dict[str, pd.DataFrame]:
    return {
        name: parse_table(s.TABLES_BY_NAME[name], raw, ZONE) for name, raw in raw_frames().items()
    }


@pytest.fixture
def settings() -> Settings:
    return load_settings()


NOT_RENDERED = b"%PDF-1.7\n% not rendered: this test is not about the PDF\n"


@contextmanager
def pdf_not_rendered() -> Iterator[None]:
    """Reviews inside the block skip WeasyPrint, a third of a small review's time: for
    tests whose subject is not the PDF (its HTML and every other output are still made)."""
    from tasks import render

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "render_pdf", lambda html, attachments: NOT_RENDERED)
        patch.setattr(render, "prepare_pdf", lambda: None)  # nothing to get ready
        yield


@pytest.fixture
def no_pdf() -> Iterator[None]:
    """`pdf_not_rendered` for the whole test."""
    with pdf_not_rendered():
        yield


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server for every flow test of the session; and GX imported with
    its suites built once, as in a long-lived process, so that the GX worker each review
    forks starts ready instead of importing GX again (about 3 s a review)."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.testing.utilities import prefect_test_harness

    from tasks.validate import prepare_gx

    prepare_gx()
    with prefect_test_harness(server_startup_timeout=90):
        yield


# ---------------------------------------------------------------- the slow suite's order
LONGEST: Final = (  # seconds each took on this 2-core machine in the whole suite (`--durations`)
    ("tests/integration/test_interrupted_runs.py::test_a_run_killed_mid_publish", 45),
    ("tests/integration/test_worker.py::test_two_workers_share", 51),
    ("tests/flows/test_review_e2e.py::test_pdca_loop", 44),
    ("tests/golden/test_golden_outputs.py::test_published_outputs_equal_the_golden_files[demo]", 37),
    ("tests/flows/test_tenants.py::test_the_scheduled_run", 32),
    ("tests/integration/test_interrupted_runs.py::test_runs_of_one_period", 22),
    ("tests/golden/test_golden_outputs.py::test_published_outputs_equal_the_golden_files[outage]", 30),
    ("tests/integration/test_interrupted_runs.py::test_a_killed_run_leaves", 29),
    ("tests/integration/test_worker.py::test_a_worker_runs_the_monthly", 29),
    ("tests/integration/test_postgres.py::test_a_postgresql_source_gives_the_same_kpis", 24),
    ("tests/golden/test_golden_outputs.py::test_published_outputs_equal_the_golden_files[billing]", 24),
    ("tests/flows/test_tenants.py::test_tenants_may_run_on_a_dask", 22),
    ("tests/golden/test_golden_outputs.py::test_published_outputs_equal_the_golden_files[weak-agents]", 21),
    ("tests/flows/test_review_e2e.py::test_review_is_delivered", 20),
    ("tests/flows/test_caching.py::test_a_rerun_after_a_failure", 16),
)  # fmt: skip


def _is_slow(item: pytest.Item) -> bool:
    return any(item.iter_markers("slow")) or any(item.iter_markers("integration"))


@pytest.hookimpl(trylast=True)  # after `-m` has deselected
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each half of the run: its share of the fast tests first, then its share of the
    longest tests, then the other slow ones. Why: xdist's work stealing gives each worker one
    half of the list and balances by taking tests from the end of the other's. Fast tests
    first report early; the longest next keep a long test from starting last and running
    alone while the other worker idles (about a minute of the slow suite)."""
    cost = dict(LONGEST)

    def seconds(item: pytest.Item) -> int:
        return next((c for prefix, c in cost.items() if item.nodeid.startswith(prefix)), 0)

    fast = [i for i in items if not _is_slow(i)]
    longest = sorted((i for i in items if seconds(i)), key=seconds, reverse=True)
    rest = [i for i in items if _is_slow(i) and not seconds(i)]
    halves: tuple[list[pytest.Item], list[pytest.Item]] = ([], [])
    for item in longest:  # each to the half with less work so far
        min(halves, key=lambda half: sum(map(seconds, half))).append(item)
    first = fast[: len(fast) // 2]
    cut = max(0, len(items) // 2 - len(first) - len(halves[0]))
    items[:] = [
        *first, *halves[0], *rest[:cut],
        *fast[len(fast) // 2 :], *halves[1], *rest[cut:],
    ]  # fmt: skip
