"""The period's KPI table and mergeable analyses on a Dask cluster: the workers read, type,
validate, aggregate and analyse the period; the client holds the merged parts only, and
words nothing.

Topology (docs/operations.md): one read task per slice of the period (a day, and the rest),
a shuffle of the rows by contact-id hash, the gate per partition, a shuffle of the clean
rows by customer hash, facts, aggregates and analysis parts per partition (satisfaction,
themes, sales balance, variances, the staffing plan's contacts, the problem list's counts,
the follow-up of approved actions, the QA calibration: `tasks.analysis_parts`), a tree of
merges. A
`distributed.LocalCluster` of single-threaded worker processes when no address is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from operator import getitem
from typing import Any

import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.memory import peak_rss_mib
from csreview.periods import Period
from csreview.settings import Settings, expand_env
from tasks import analysis_parts, compare, workforce
from tasks import kpis as kpi_step
from tasks import scorecard as scorecard_step
from tasks import staffing as staffing_step
from tasks import themes as themes_step
from tasks.extract import slices
from tasks.extract.scope import ReadScope
from tasks.kpis import distributed, partial
from tasks.validate.partitioned import (
    GateTotals,
    PartGate,
    gate_part,
    gate_shifts,
    gate_totals,
)

NOT_CONVERTED = {"dataframe.convert-string": False}  # rows keep their pandas types


@dataclass(frozen=True)
class DaskKpis:
    """The KPI table and analyses a cluster computed, the validation totals, and what it
    cost."""

    kpis: pd.DataFrame
    totals: GateTotals
    workers: int
    worker_peak_mib: tuple[float, ...]  # each worker process's peak resident memory
    partition_contacts: tuple[int, ...]  # the period's contacts in each customer partition
    analyses: analysis_parts.Analyses  # satisfaction … staffing part, problem counts, QA
    staffing: staffing_step.StaffingPlan  # the contacts' part finished with the shifts
    scorecard: scorecard_step.Scorecard  # agents' tiers, finance, service–sales balance
    rota: dict[str, float]  # scheduled hours and agents on the rota (the store keeps them)

    @property
    def history(self) -> pd.DataFrame:
        """The KPI rows the results store keeps, with their variances."""
        return compare.history_of(self.kpis, self.analyses.variances)


@dataclass(frozen=True)
class Layout:
    """How the period is cut: days per read slice, partitions of each shuffle."""

    days: int = 1
    partitions: int = 8


@contextmanager
def cluster(address: str | None, workers: int, memory_limit: str) -> Iterator[Any]:
    """A client of the cluster at ADDRESS (`${ENV}` expanded), or of a local cluster of
    WORKERS single-threaded processes, each held to MEMORY_LIMIT."""
    import dask
    from distributed import Client, LocalCluster

    os.environ.setdefault("DASK_DATAFRAME__CONVERT_STRING", "False")  # local workers inherit it
    with dask.config.set(NOT_CONVERTED):
        if address:
            with Client(expand_env(address)) as client:  # type: ignore[no-untyped-call]
                yield client
            return
        local = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=":0",  # any free port: several clusters may run at once
        )
        with local, Client(local) as client:  # type: ignore[no-untyped-call]
            yield client


def _read(source: str, scope: ReadScope, part: slices.Slice) -> dict[str, pd.DataFrame]:
    return slices.typed_slice(slices.read_slice(source, scope, part), scope)


def _gate(
    rows: Sequence[pd.DataFrame],
    agents: pd.DataFrame,
    period: Period,
    read_at: datetime,
    settings: Settings,
    partitions: int,
) -> tuple[dict[str, pd.DataFrame], PartGate]:
    """One contact-id partition through the gate: its clean rows with their customer's
    partition, and its counts (the clean rows left out)."""
    packed = {t.name: frame for t, frame in zip(slices.SLICED, rows, strict=True)}
    gate = gate_part(packed, agents, period, read_at, settings)
    bucketed = distributed.with_buckets(gate.clean)
    kept = {s.AGENTS.name: gate.clean[s.AGENTS.name]}
    return {**bucketed, **kept}, PartGate({}, gate.counts, gate.failed, gate.blocking)


def _shifts(
    source: str,
    scope: ReadScope,
    agents: pd.DataFrame,
    period: Period,
    read_at: datetime,
    settings: Settings,
) -> PartGate:
    """The shifts overlapping the period, read and gated by one worker (agent × day rows)."""
    return gate_shifts(slices.read_shifts(source, scope), agents, period, read_at, settings)


def _aggregate(
    rows: Sequence[pd.DataFrame],
    agents: pd.DataFrame,
    period: Period,
    settings: Settings,
    fcr_provisional: bool,
    themes: dict[str, Any],
    approved: tuple[dict[str, Any], ...],
) -> analysis_parts.PeriodParts:
    """One customer partition's facts, aggregated and analysed."""
    clean = dict(zip(distributed.SPLIT, rows, strict=True))
    clean[s.AGENTS.name] = agents
    return analysis_parts.period_parts(
        clean, period, settings, fcr_provisional, themes, approved=approved
    )


def _contacts(aggregates: partial.Aggregates) -> int:
    """The period's contacts an aggregate counts."""
    return int(aggregates.sums[(f.ALL, "contacts")][f.N].sum())


def _part_contacts(parts: analysis_parts.PeriodParts) -> int:
    """The period's contacts a partition's parts count."""
    return _contacts(parts.aggregates)


def _tree(parts: list[Any]) -> Any:
    """The partitions' parts merged pairwise, level by level (a tree, not a chain)."""
    from dask.delayed import delayed

    while len(parts) > 1:
        pairs = [parts[i : i + 2] for i in range(0, len(parts), 2)]
        parts = [delayed(analysis_parts.merge)(*p) if len(p) == 2 else p[0] for p in pairs]
    return parts[0]


def _shuffled(frames: list[Any], meta: pd.DataFrame, on: str, partitions: int) -> list[Any]:
    """Delayed frames (one table) shuffled by ON's hash: one delayed frame per partition."""
    import dask.dataframe as dd

    frame = dd.from_delayed(frames, meta=meta, verify_meta=False)
    moved = frame.shuffle(on=on, npartitions=partitions, shuffle_method="tasks")
    out: list[Any] = moved.to_delayed()
    return out


def _metas(
    source: str, scope: ReadScope, settings: Settings, read_at: datetime, partitions: int
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """The shapes of the packed rows and of the clean rows: an empty slice, read and gated
    here (no row of the period is read by the client)."""
    day = scope.from_day
    empty = slices.typed_slice(slices.read_slice(source, scope, slices.Slice(day, day)), scope)
    agents = slices.empty_raw(s.AGENTS)
    clean, _ = _gate(
        [empty[t.name] for t in slices.SLICED], agents, scope.period, read_at, settings, partitions
    )
    return empty, clean


def _graph(
    source: str,
    period: Period,
    settings: Settings,
    read_at: datetime,
    fcr_provisional: bool,
    layout: Layout,
    themes: dict[str, Any],
    approved: tuple[dict[str, Any], ...],
) -> tuple[Any, list[Any], Any, list[Any], Any]:
    """The delayed root parts (aggregates and analyses), the partitions' gate counts, the
    clean agents, the period's contacts in each customer partition and the shifts' gate."""
    from dask.delayed import delayed

    scope = ReadScope(period, settings.zone)
    packed_meta, clean_meta = _metas(source, scope, settings, read_at, layout.partitions)
    reads = [delayed(_read)(source, scope, p) for p in slices.period_slices(scope, layout.days)]
    agents_raw = delayed(slices.read_agents)(source)
    by_contact = [
        _shuffled(
            [delayed(getitem)(r, t.name) for r in reads], packed_meta[t.name],
            slices.KEY, layout.partitions,
        )
        for t in slices.SLICED
    ]  # fmt: skip
    gated = [
        delayed(_gate, nout=2)(rows, agents_raw, period, read_at, settings, layout.partitions)
        for rows in zip(*by_contact, strict=True)
    ]
    agents = gated[0][0][s.AGENTS.name]
    by_customer = [
        _shuffled(
            [delayed(getitem)(g[0], name) for g in gated], clean_meta[name],
            distributed.BUCKET, layout.partitions,
        )
        for name in distributed.SPLIT
    ]  # fmt: skip
    parts = [
        delayed(_aggregate)(rows, agents, period, settings, fcr_provisional, themes, approved)
        for rows in zip(*by_customer, strict=True)
    ]
    sizes = [delayed(_part_contacts)(p) for p in parts]
    shifts = delayed(_shifts)(source, scope, agents_raw, period, read_at, settings)
    return _tree(parts), [g[1] for g in gated], agents, sizes, shifts


def dask_kpis(
    source: str,
    period: Period,
    settings: Settings,
    read_at: datetime,
    fcr_provisional: bool,
    *,
    workers: int = 2,
    memory_limit: str = "4GiB",
    layout: Layout | None = None,
    themes: dict[str, Any] | None = None,
    approved: Sequence[Mapping[str, Any]] = (),
) -> DaskKpis:
    """The period's kpis.csv table, satisfaction, verbatim themes (THEMES: a config as
    `load_themes` gives it; the shipped one by default), sales balance, variances, the
    staffing plan's part of the contacts, the problem list's counts, the follow-up of the
    APPROVED actions (read from the results store beforehand) and the QA calibration,
    computed on a Dask cluster (`settings.dask_address`, or a local one) as the
    single-machine review computes them."""
    import dask
    from dask.base import compute

    with cluster(settings.dask_address, workers, memory_limit) as client:
        root, gates, agents, sizes, shifts = _graph(
            source, period, settings, read_at, fcr_provisional, layout or Layout(),
            themes if themes is not None else themes_step.load_themes(),
            tuple(dict(a) for a in approved),
        )  # fmt: skip
        with dask.config.set(NOT_CONVERTED):
            merged, counted, clean_agents, per_part, shift_gate = compute(  # type: ignore[no-untyped-call]
                root, gates, agents, sizes, shifts
            )
        peaks = client.run(peak_rss_mib)
    peak_mib = tuple(sorted(peak or 0.0 for peak in peaks.values()))
    figures = (len(peaks), peak_mib, tuple(per_part))
    return _finished(merged, counted, clean_agents, shift_gate, period, settings, figures)


def _finished(
    merged: analysis_parts.PeriodParts,
    counted: list[PartGate],
    clean_agents: pd.DataFrame,
    shift_gate: PartGate,
    period: Period,
    settings: Settings,
    cluster_figures: tuple[int, tuple[float, ...], tuple[int, ...]],
) -> DaskKpis:
    """What the client makes of the merged parts, the gates' counts, the clean agents and
    shifts: the KPI table, the totals, the analyses, the staffing plan, the scorecard and
    the rota figures, beside CLUSTER_FIGURES (workers, their peaks, partition contacts)."""
    aggregates = merged.aggregates
    table = kpi_step.aggregation.kpi_table(aggregates, settings)
    totals = gate_totals(
        counted, _contacts(aggregates), len(clean_agents), settings, shifts=shift_gate
    )
    rows = workforce.kpi_rows(clean_agents, period, settings, aggregates.months)
    kpis = workforce.with_workforce(table, rows)
    analyses = analysis_parts.finish(merged.analyses, settings)
    shifts = shift_gate.clean[s.SHIFTS.name]
    staffing = staffing_step.plan_of_part(
        analyses.staffing, shifts, **staffing_step.plan_terms(period, settings)
    )
    overall = aggregates.sums[(f.ALL, "contacts")]
    handled = (int(overall[f.ANSWERED].sum()), int(overall[f.NOT_REPEATED].sum()))
    bounds = (pd.Timestamp(period.start(settings.zone)), pd.Timestamp(period.end(settings.zone)))
    scorecard = scorecard_step.scorecard_of(
        kpis, clean_agents, shifts, handled, analyses.sales, aggregates.months, bounds, settings
    )
    rota = workforce.rota_figures(shifts, period, settings)
    return DaskKpis(kpis, totals, *cluster_figures, analyses, staffing, scorecard, rota)
