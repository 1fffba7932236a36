"""The benchmark's SQL reference computes the product's KPIs, like for like: on a small
generated month DuckDB's table equals `kpis.csv` row for row, so the ratio it reports is
honest."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from bench import reference
from bench.data import extract_of
from csreview import demo, messy_export
from csreview import facts as f
from csreview.settings import load_settings
from tasks import kpis as k
from tasks.validate import check_rules
from tests.conftest import OCTOBER, ZONE

NOW = datetime(2026, 11, 23, tzinfo=ZONE)


@pytest.fixture(scope="module")
def clean() -> dict[str, pd.DataFrame]:
    """A messy generated October (about 2 500 contacts), validated."""
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=2, contacts_per_day=60, seed=5))
    messy, _ = messy_export.plant_bad_rows(frames, OCTOBER, ZONE)
    return check_rules(extract_of(messy, OCTOBER, ZONE, NOW), load_settings()).clean


@pytest.fixture(scope="module")
def product(clean: dict[str, pd.DataFrame]) -> pd.DataFrame:
    settings = load_settings()
    return k.compute_kpis(k.build_facts(clean, OCTOBER, settings, fcr_provisional=False), settings)


def test_duckdb_computes_every_kpi_of_every_segment_as_the_product(
    clean: dict[str, pd.DataFrame], product: pd.DataFrame
) -> None:
    check = reference.compare(product, reference.duckdb_kpis(clean, OCTOBER, load_settings()))
    assert check["equal"], check
    assert check["rows"] == len(product) > 1000
    assert set(product[f.KPI]) == {rule.key for rule in k.RULES}


def test_the_comparison_sees_a_changed_figure_and_a_missing_row(product: pd.DataFrame) -> None:
    changed = product.copy()
    row = product.index[product[f.VALUE].fillna(0) != 0][0]
    changed.loc[row, f.VALUE] = changed.loc[row, f.VALUE] * (1 + 1e-6)
    check = reference.compare(changed.iloc[:-1], product)
    assert not check["equal"]
    assert len(check["only_in_reference"]) == 1
    assert any(f.VALUE in m for m in check["mismatches"])


def test_a_differing_status_is_shown_with_both_values_and_the_target(
    product: pd.DataFrame,
) -> None:
    changed = product.copy()
    row = product.index[product[f.STATUS] == "ok"][0]
    changed.loc[row, f.STATUS] = "warn"
    check = reference.compare(changed, product)
    assert not check["equal"]
    assert check["max_relative_difference"] == 0
    (mismatch,) = check["mismatches"]
    assert "status: warn vs ok" in mismatch
    assert f"target {product.loc[row, f.TARGET]!r}" in mismatch
