"""A period read in slices, gated per contact-id partition and aggregated per customer
partition, gives the extract's rows, the gate's counts and the single-machine KPI table."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pandas as pd
import pytest

from csreview import demo, messy_export
from csreview import facts as f
from csreview import schema as s
from csreview.settings import load_settings
from tasks import kpis as k
from tasks.extract import Extract, extract_period
from tasks.extract import slices as sl
from tasks.extract.scope import ReadScope
from tasks.kpis import distributed, partial
from tasks.validate import check_rules
from tasks.validate.partitioned import PartGate, gate_part, gate_totals
from tests.conftest import OCTOBER

READ_AT = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    settings = load_settings()
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=8))
    messy, _ = messy_export.plant_bad_rows(frames, OCTOBER, settings.zone)
    url = f"sqlite:///{tmp_path_factory.mktemp('slices') / 'source.sqlite'}"
    demo.to_database(messy, url)
    return url


def test_slices_are_disjoint_and_cover_the_read() -> None:
    scope = ReadScope(OCTOBER, load_settings().zone)
    days = sl.period_slices(scope, days=3)
    assert days[0] == sl.Slice() and days[1].first == scope.from_day
    assert all(a.until == b.first for a, b in itertools.pairwise(days[1:]))
    assert days[-1].until == scope.window_until_day


@pytest.fixture(scope="module")
def extract(source: str) -> Extract:
    return extract_period(source, OCTOBER, load_settings().zone, READ_AT)


@pytest.fixture(scope="module")
def packed(source: str) -> dict[str, pd.DataFrame]:
    """Every slice read and typed, put together (as a shuffle would, in any order)."""
    scope = ReadScope(OCTOBER, load_settings().zone)
    read = [
        sl.typed_slice(sl.read_slice(source, scope, p), scope) for p in sl.period_slices(scope, 7)
    ]
    return {t.name: pd.concat([r[t.name] for r in read], ignore_index=True) for t in sl.SLICED}


@pytest.fixture(scope="module")
def gates(packed: dict[str, pd.DataFrame], extract: Extract) -> list[PartGate]:
    """The gate per contact-id partition (3 of them)."""
    agents = extract.raw[s.AGENTS.name]
    return [
        gate_part(
            {n: f[f[sl.KEY].to_numpy() % 3 == i] for n, f in packed.items()},
            agents, OCTOBER, READ_AT, load_settings(),
        )
        for i in range(3)
    ]  # fmt: skip


def test_the_slices_read_the_extracts_rows(
    packed: dict[str, pd.DataFrame], extract: Extract
) -> None:
    for table in sl.SLICED:  # the same rows, as typed
        got = packed[table.name][list(table.column_names)]
        expected = extract.typed[table.name][list(table.column_names)]
        assert len(got) == len(expected), table.name
        by = [table.key or s.CONTACT_ID, *([] if table.key else [s.CREATED_AT])]
        pd.testing.assert_frame_equal(
            got.sort_values(by, ignore_index=True, kind="stable").astype(str),
            expected.sort_values(by, ignore_index=True, kind="stable").astype(str),
        )


def test_the_gate_per_contact_partition_counts_as_the_whole(
    gates: list[PartGate], extract: Extract
) -> None:
    """The planted bad rows (copies, orphans, unparseable times) are found per partition."""
    settings = load_settings()
    validation = check_rules(extract, settings)
    totals = gate_totals(gates, in_period=1, usable_agents=1, settings=settings)
    for table in sl.SLICED:
        assert totals.counts[table.name] == validation.counts[table.name], table.name
        assert totals.counts[table.name]["quarantined"] > 0, table.name
    assert totals.blocking == validation.blocking


@pytest.mark.parametrize(
    ("in_period", "usable_agents", "blocks"),
    [
        (0, 1, ["contacts: no usable contact was created in the period"]),
        (1, 0, ["agents: no usable agent"]),
        (1, 1, []),
    ],
)
def test_a_period_without_usable_contacts_or_agents_blocks_on_the_totals(
    gates: list[PartGate], in_period: int, usable_agents: int, blocks: list[str]
) -> None:
    """Judged on the merged totals, as the single machine judges the whole."""
    totals = gate_totals(gates, in_period, usable_agents, load_settings())
    assert [b for b in totals.blocking if b.startswith(("contacts: no", "agents: no"))] == blocks


def test_facts_per_customer_partition_give_the_kpis(
    gates: list[PartGate], extract: Extract
) -> None:
    settings = load_settings()
    dimensions = (f.ALL, f.DATE, f.AGENT)
    bucketed = [distributed.with_buckets(g.clean) for g in gates]  # then a shuffle:
    parts = [
        {
            **gates[0].clean,
            **{
                n: pd.concat([b[n][b[n][distributed.BUCKET] % 2 == i] for b in bucketed])
                for n in bucketed[0]
            },
        }
        for i in (0, 1)
    ]
    aggregates = [
        distributed.part_aggregates(p, OCTOBER, settings, False, dimensions) for p in parts
    ]
    got = k.aggregation.kpi_table(partial.merge_all(aggregates), settings)
    clean = check_rules(extract, settings).clean
    whole = k.compute_kpis(k.build_facts(clean, OCTOBER, settings, False), settings, dimensions)
    assert distributed.kpi_differences(got, whole) == []
