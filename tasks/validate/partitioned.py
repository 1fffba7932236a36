"""The gate on one partition of a period's rows, and the run's totals from every partition.

A partition holds every row of its contact ids (contacts, evaluations, surveys: a Dask
shuffle by contact-id hash put them there) and every agent, so the rules that need all rows
of a key (a contact id unique, exact copies, a survey's contact known and usable) see them
all; the rules run as `check_rules` runs them, no rule copied. The run-level rules (share
of bad rows, contacts in the period) are then judged on the totals.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from csreview import schema as s
from csreview.periods import Period
from csreview.settings import Settings
from tasks.extract import Extract, parse_table
from tasks.extract.slices import SLICED, empty_raw, unpacked
from tasks.validate.gate import bad_row_share, check_rules, table_checks

ROW_LEVEL_RUN_RULES = ("bad_row_share", "period_has_contacts", "agents_present")


@dataclass(frozen=True)
class PartGate:
    """What the gate let through in one partition, and its counts (small)."""

    clean: dict[str, pd.DataFrame]
    counts: dict[str, dict[str, int]]  # table → read, used, quarantined
    failed: dict[tuple[str, str], int]  # (table, rule) → failing rows
    blocking: tuple[str, ...]  # the table-level blocks (the same in every partition)


def gate_part(
    rows: dict[str, pd.DataFrame],
    agents: pd.DataFrame,
    period: Period,
    read_at: datetime,
    settings: Settings,
) -> PartGate:
    """The gate on one partition: ROWS packed per table (`slices.packed`), AGENTS as read."""
    raw, typed = {}, {}
    for table in SLICED:
        raw[table.name], typed[table.name] = unpacked(rows[table.name], table)
    return _gated(
        raw, typed, {s.AGENTS: agents, s.SHIFTS: empty_raw(s.SHIFTS)}, period, read_at, settings
    )


def gate_shifts(
    shifts: pd.DataFrame,
    agents: pd.DataFrame,
    period: Period,
    read_at: datetime,
    settings: Settings,
) -> PartGate:
    """The gate on the shifts overlapping the period, as read, beside every agent (a shift's
    agent must be known and usable): agent × day rows, which one worker checks whole. Its
    clean rows are the shifts'; its counts count the shifts only (`gate_totals`)."""
    raw = {t.name: empty_raw(t) for t in SLICED}
    typed = {n: parse_table(s.TABLES_BY_NAME[n], frame, settings.zone) for n, frame in raw.items()}
    gate = _gated(raw, typed, {s.AGENTS: agents, s.SHIFTS: shifts}, period, read_at, settings)
    return PartGate(
        {s.SHIFTS.name: gate.clean[s.SHIFTS.name]}, gate.counts, gate.failed, gate.blocking
    )


def _gated(
    raw: dict[str, pd.DataFrame],
    typed: dict[str, pd.DataFrame],
    read_whole: dict[s.Table, pd.DataFrame],
    period: Period,
    read_at: datetime,
    settings: Settings,
) -> PartGate:
    """`check_rules` on RAW and TYPED rows and the tables READ_WHOLE as read, typed here."""
    for table, frame in read_whole.items():
        raw[table.name] = frame.reset_index(drop=True)
        typed[table.name] = parse_table(table, raw[table.name], settings.zone)
    extract = Extract(period, read_at, raw, typed)
    validation = check_rules(extract, settings)
    failed = {
        (r.table, r.rule): r.failed for r in validation.rules if r.rule not in ROW_LEVEL_RUN_RULES
    }
    _, table_blocks = table_checks(extract, pd.Timestamp(read_at).tz_convert(settings.zone))
    return PartGate(validation.clean, validation.counts, failed, tuple(table_blocks))


@dataclass(frozen=True)
class GateTotals:
    """The run's validation totals: counts per table, failing rows per rule, blocks."""

    counts: dict[str, dict[str, int]]
    failed: dict[tuple[str, str], int]
    blocking: tuple[str, ...]


def _counted(table: str, part: int) -> bool:
    """Whether a part's counts of a table add to the run's: every part validates every
    agent (the first part's are counted); the shifts have a gate of their own."""
    return table in {t.name for t in SLICED} or (table == s.AGENTS.name and part == 0)


def gate_totals(
    parts: Sequence[PartGate],
    in_period: int,
    usable_agents: int,
    settings: Settings,
    shifts: PartGate | None = None,
) -> GateTotals:
    """The totals of every partition's gate (agents, validated whole in each, counted once)
    and of the SHIFTS' gate (its shifts counted), with the run-level rules judged on them
    (IN_PERIOD: usable contacts in the period)."""
    counts: dict[str, dict[str, int]] = {}
    failed: dict[tuple[str, str], int] = {}
    counted: list[tuple[PartGate, Callable[[str], bool]]] = [
        (part, functools.partial(_counted, part=i)) for i, part in enumerate(parts)
    ]
    if shifts is not None:
        counted.append((shifts, s.SHIFTS.name.__eq__))
    for part, counts_table in counted:
        for table, numbers in part.counts.items():
            if not counts_table(table):
                continue
            into = counts.setdefault(table, dict.fromkeys(numbers, 0))
            for name, n in numbers.items():
                into[name] += n
        for key, n in part.failed.items():
            if counts_table(key[0]):
                failed[key] = failed.get(key, 0) + n
    every = [*parts, *([shifts] if shifts is not None else [])]
    blocking = list(dict.fromkeys(b for p in every for b in p.blocking))
    for table, numbers in counts.items():
        _, over = bad_row_share(table, numbers["read"], numbers["quarantined"], settings)
        blocking.extend(over)
    if in_period == 0:
        blocking.append("contacts: no usable contact was created in the period")
    if usable_agents == 0:
        blocking.append("agents: no usable agent")
    return GateTotals(counts, failed, tuple(blocking))
