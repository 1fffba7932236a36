"""The period's KPI table on a Dask cluster equals the single-machine one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from csreview import demo, messy_export
from csreview import facts as f
from csreview.settings import load_settings
from flows.distributed import Layout, dask_kpis
from tasks import kpis as k
from tasks import workforce
from tasks.extract import extract_period
from tasks.extract.slices import SLICED
from tasks.kpis import distributed
from tasks.validate import check_rules
from tests.conftest import OCTOBER

READ_AT = datetime(2026, 11, 23, tzinfo=UTC)
QUANTILES = ("frt_median_seconds", "frt_p90_seconds")


@pytest.mark.slow
def test_a_local_cluster_computes_the_single_machine_kpis(tmp_path: Path) -> None:
    """Two single-threaded worker processes read a messy demo month (bad rows planted),
    validate and aggregate it; the KPI table equals the single machine's, counts, ratios of
    counts and quantiles exactly, and the gate's counts are the whole's."""
    settings = load_settings()
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=10))
    messy, _ = messy_export.plant_bad_rows(frames, OCTOBER, settings.zone)
    url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    demo.to_database(messy, url)

    got = dask_kpis(
        url, OCTOBER, settings, READ_AT, False, memory_limit="1GiB", layout=Layout(16, 2)
    )

    validation = check_rules(extract_period(url, OCTOBER, settings.zone, READ_AT), settings)
    facts = k.build_facts(validation.clean, OCTOBER, settings, False)
    people = workforce.kpi_rows(validation.clean["agents"], OCTOBER, settings, facts.months)
    whole = workforce.with_workforce(k.compute_kpis(facts, settings), people)
    assert distributed.kpi_differences(got.kpis, whole) == []
    exact = whole[f.KPI].isin([*k.integer_numerators(), *k.count_kpis(), *QUANTILES])
    assert exact.sum() > len(whole) / 2
    assert distributed.kpi_differences(got.kpis[exact], whole[exact], rtol=0.0) == []
    assert got.workers == 2 and all(0 < peak < 1024 for peak in got.worker_peak_mib)
    assert len(got.partition_contacts) == 2 and min(got.partition_contacts) > 0  # both used
    for table in SLICED:
        assert got.totals.counts[table.name] == validation.counts[table.name]
    assert got.totals.blocking == validation.blocking
