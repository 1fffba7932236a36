"""A messy export of the demo centre: every planted bad row is caught, and nothing else moves."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from csreview import demo, messy_export
from csreview import schema as s
from csreview.settings import Settings, load_settings
from tasks import kpis as kpi_step
from tasks.extract import Extract, parse_table, select_period
from tasks.validate import Validation, validate
from tests.conftest import OCTOBER, ZONE

READ_AT = datetime(2026, 11, 20, tzinfo=ZONE)


def _extract(frames: dict[str, pd.DataFrame]) -> Extract:
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in frames.items()}
    picks = select_period(typed, OCTOBER, ZONE)
    return Extract(
        OCTOBER,
        READ_AT,
        {n: frames[n].iloc[picks[n]].reset_index(drop=True) for n in frames},
        {
            n: typed[n].iloc[picks[n]].reset_index(drop=True).assign(**{s.ROW: np.arange(len(p))})
            for n, p in picks.items()
        },
    )


@pytest.fixture(scope="module")
def centre() -> tuple[Validation, Validation, tuple[messy_export.Planted, ...]]:
    settings = load_settings()
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=60))
    messy, planted = messy_export.plant_bad_rows(frames, OCTOBER, ZONE)
    return validate(_extract(frames), settings), validate(_extract(messy), settings), planted


def _key(table: str) -> str:
    return s.TABLES_BY_NAME[table].key or s.AGENT_ID


def test_every_planted_row_is_quarantined_with_its_reason(
    centre: tuple[Validation, Validation, tuple[messy_export.Planted, ...]],
) -> None:
    clean, messy, planted = centre
    assert all(len(q) == 0 for q in clean.quarantine.values())
    for table, quarantined in messy.quarantine.items():
        expected = [p for p in planted if p.table == table]
        assert len(quarantined) == len(expected), table
        reasons = quarantined.groupby(_key(table))["reason"].agg(" | ".join)
        for p in expected:
            assert p.reason in reasons.loc[p.row_id], (table, p.row_id, reasons.loc[p.row_id])
    for counts in messy.counts.values():
        assert counts["read"] == counts["used"] + counts["quarantined"]


def test_the_review_of_a_messy_export_equals_the_clean_one(
    centre: tuple[Validation, Validation, tuple[messy_export.Planted, ...]], settings: Settings
) -> None:
    clean, messy, _ = centre
    expected = kpi_step.compute_kpis(
        kpi_step.build_facts(clean.clean, OCTOBER, settings, fcr_provisional=False), settings
    )
    got = kpi_step.compute_kpis(
        kpi_step.build_facts(messy.clean, OCTOBER, settings, fcr_provisional=False), settings
    )
    pd.testing.assert_frame_equal(got, expected)


def test_great_expectations_sees_what_the_quarantine_masks_see(
    centre: tuple[Validation, Validation, tuple[messy_export.Planted, ...]],
) -> None:
    _, messy, _ = centre
    checked = [r for r in messy.rules if r.engine == "great_expectations"]
    assert len(checked) > 40
    assert [r for r in checked if not r.gx_agrees] == []
    assert any(r.failed for r in checked)
    assert set(messy.gx_results) == {t.name for t in s.TABLES}
