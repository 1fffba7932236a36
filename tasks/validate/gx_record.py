"""GX's record of the suites: each table's expectations run (SUMMARY results) on the rows the
pandas masks saw, and its verdict set beside each rule's result.

The suites' expectations are generated from the same declarations as the masks
(`expectations.rules`), so where a count differs, the evidence shows it (`gx_agrees`).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Final, Literal

import numpy as np
import pandas as pd
from pandas.errors import OutOfBoundsDatetime

from csreview import schema as s
from csreview.frames import exact_copies
from csreview.memory import give_back
from csreview.settings import Settings
from expectations import LIMITS, READ_AT, SUITES
from expectations.masks import as_checked
from tasks.extract import Extract
from tasks.validate.gate import table_checks, text_limits
from tasks.validate.gx_batches import (
    ACROSS_ROWS,
    BATCH_ROWS,
    key_parts,
    merged_results,
    suite_record,
)
from tasks.validate.gx_hashing import skip_frame_hashing
from tasks.validate.gx_rows import FiledRows, HeldRows, Rows, write_rows
from tasks.validate.results import EXAMPLES, RuleResult, Validation, shortened

COLUMN_KEYS: Final = frozenset({"column", "column_A", "column_B"})  # GX's words for a column


def with_gx(validation: Validation, gx: GxRun) -> Validation:
    """The validation with GX's verdict beside each rule it records."""
    return dataclasses.replace(
        validation, rules=_with_gx(list(validation.rules), gx), gx_results=gx.summary
    )


def gx_record(extract: Extract, settings: Settings) -> GxRun:
    """GX's record of the suites on the rows the rules saw (see `gx_inputs`)."""
    return run_suites(gx_inputs(extract, settings))


@dataclass(frozen=True)
class GxInputs:
    """What GX's record is made of: each table's typed rows (the columns its expectations
    read that the source has) and which of them the rules saw (exact copies are not), or
    those rows as written to a file (`filed`), the run's start, and whether only the
    table-level checks run (the tables' structure blocks the extract before its rows are
    checked). Needs nothing from `check_rules`: the two may run side by side."""

    frames: dict[str, pd.DataFrame]
    seen: dict[str, np.ndarray]
    read_at: pd.Timestamp
    per_table_only: bool
    limits: dict[str, int] = field(default_factory=lambda: dict(LIMITS))
    filed: dict[str, FiledRows] = field(default_factory=dict)

    def parameters(self) -> dict[str, Any]:
        """The suites' run parameters: the read's clock (naive UTC, as GX compares) and the
        text limits."""
        return {READ_AT: self.read_at.tz_convert("UTC").tz_localize(None), **self.limits}

    def rows(self) -> dict[str, Rows]:
        """Each table's rows the rules saw, in the tables' order."""
        if self.filed:
            return dict(self.filed)
        return {n: HeldRows(f, np.flatnonzero(self.seen[n])) for n, f in self.frames.items()}


def gx_inputs(
    extract: Extract,
    settings: Settings,
    read_at: pd.Timestamp | None = None,
    checked: Validation | None = None,
) -> GxInputs:
    """GX's inputs from the extract, on READ_AT: the clock the rules were checked against
    (default: when the extract was read; a check kept from an earlier attempt has its own).
    The rows as read are needed only where the gate (CHECKED) did not say which rows are
    copies and which columns the source has: it may have let them go."""
    read_at = pd.Timestamp(extract.read_at if read_at is None else read_at).tz_convert(
        settings.zone
    )
    per_table_only = bool(table_checks(extract, read_at)[1])
    gate = checked if checked is not None and not per_table_only else None
    frames, seen = {}, {}
    for name, typed in extract.typed.items():
        table, read = s.TABLES_BY_NAME[name], checked_columns(name)
        if gate is not None and name in gate.copies:
            columns, copies = gate.source_columns[name], gate.copies[name]
        else:
            raw = extract.raw[name]
            columns = tuple(raw.columns)
            copies = np.zeros(len(raw), dtype=bool)
            if not per_table_only:
                copies = exact_copies(raw, table.key)
        frames[name] = typed.loc[:, [c for c in table.column_names if c in columns and c in read]]
        seen[name] = ~copies
    return GxInputs(frames, seen, read_at, per_table_only, text_limits(settings))


def filed_inputs(inputs: GxInputs, file: BinaryIO, batch_rows: int = BATCH_ROWS) -> GxInputs:
    """The inputs with each table's rows the rules saw written to FILE, a batch at a time,
    and read back from it so: handed to GX's worker, they wait there as a few numbers."""
    filed = {
        name: write_rows(frame, np.flatnonzero(inputs.seen[name]), file, batch_rows)
        for name, frame in inputs.frames.items()
    }
    return dataclasses.replace(inputs, frames={}, seen={}, filed=filed)


def checked_columns(table: str) -> frozenset[str]:
    """The columns a table's GX expectations read (their own and their row conditions'):
    the worker is handed these only, as no other column changes the record."""
    return frozenset(
        column
        for rule in SUITES[table]
        if rule.expectation
        for column in _named(rule.expectation.kwargs)
    )


def _named(kwargs: Any) -> Iterator[str]:
    """The column names in an expectation's keyword arguments, row conditions' included."""
    if not isinstance(kwargs, Mapping):
        return
    for key, value in kwargs.items():
        if key in COLUMN_KEYS and isinstance(value, str):
            yield value
        elif key in COLUMN_KEYS and isinstance(value, Mapping) and "name" in value:
            yield str(value["name"])
        else:
            yield from _named(value)


def prepare_gx() -> None:
    """Import GX and build the suites' validation definitions (seconds, once per process)."""
    _definitions(per_table_only=False)  # the parts of a suite are built for large tables only


def suite_orders(inputs: GxInputs, batch_rows: int = BATCH_ROWS) -> None:
    """Find the order of the results of each table the record will check in batches (see
    `_suite_order`), before the check may start: GX's worker holds its inputs while the
    review computes its KPIs."""
    parameters = inputs.parameters()
    for name, rows in inputs.rows().items():
        if len(rows) > batch_rows:
            _suite_order(name, rows.empty(), parameters, inputs.per_table_only)


@dataclass(frozen=True)
class GxOutcome:
    """GX's verdict on one rule: success, rows unexpected (None for a table-level check)
    and a few of the failing values."""

    success: bool
    unexpected: int | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class GxRun:
    """GX's verdict per (table, rule), and its full results as JSON-able data."""

    outcomes: dict[tuple[str, str], GxOutcome]
    summary: dict[str, Any]


def gx_view(table: s.Table, typed: pd.DataFrame) -> pd.DataFrame:
    """The frame GX checks: the contract's columns the source has (those of `typed`),
    timestamps on one naive UTC clock in nanoseconds (GX compares plain datetimes, and
    compares them in C only in nanoseconds), optional flags null → false (the contract's
    reading) as plain booleans, text as categories (the same values; GX copies the frame for
    every expectation, and codes copy fast) in order of appearance (sorting a million ids
    took a second)."""
    present = [c for c in table.columns if c.name in typed.columns]
    columns: dict[str, pd.Series] = {}
    for column in present:
        values = as_checked(table, column.name, typed[column.name])
        if column.kind == "timestamp":
            values = _nanoseconds(values.dt.tz_convert("UTC").dt.tz_localize(None))
        elif column.kind == "text":
            codes, labels = pd.factorize(values, sort=False)
            values = pd.Series(pd.Categorical.from_codes(codes, labels), index=values.index)
        columns[column.name] = values
    return pd.DataFrame(columns, index=typed.index)


def _nanoseconds(values: pd.Series) -> pd.Series:
    """Timestamps in nanoseconds, unless some lie beyond what nanoseconds can hold."""
    try:
        return values.astype("datetime64[ns]")
    except (OutOfBoundsDatetime, OverflowError):
        return values


Part = Literal["whole", "rows", "keys"]  # every expectation; those of one row; across rows


def _in_part(rule: Any, part: Part) -> bool:
    across = rule.expectation.kind in ACROSS_ROWS
    return part == "whole" or (part == "keys") == across


@functools.cache
def _definitions(per_table_only: bool, part: Part = "whole") -> dict[str, Any]:
    """One GX validation definition per table, built once per process: a suite's expectations
    do not change between runs, only the frame handed to them. PART picks the expectations:
    all of them, those checking each row on its own, or those comparing rows."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GX's imports raise deprecation warnings
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

    skip_frame_hashing()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("extract")
    definitions = {}
    for name, rules in SUITES.items():
        expectations = [
            getattr(gxe, r.expectation.kind)(
                **r.expectation.kwargs, meta={"rule": r.name, "severity": r.severity}
            )
            for r in rules
            if r.expectation and (r.per_table or not per_table_only) and _in_part(r, part)
        ]
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("period")
        definitions[name] = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
    return definitions


def run_suites(inputs: GxInputs, batch_rows: int = BATCH_ROWS) -> GxRun:
    """Run each table's GX suite (SUMMARY results) on the rows the pandas rules saw; a
    table of more than BATCH_ROWS rows in batches (`gx_batches`), to the same record."""
    outcomes: dict[tuple[str, str], GxOutcome] = {}
    summary: dict[str, Any] = {}
    parameters = inputs.parameters()
    for name, rows in inputs.rows().items():
        if len(rows) <= batch_rows:
            whole = next(rows.batches(batch_rows))
            result = _run(name, whole, parameters, inputs.per_table_only, "whole")
            del whole
            results, record = list(result.results), result.describe_dict()
        else:
            results = _in_batches(name, rows, parameters, inputs.per_table_only, batch_rows)
            record = suite_record(results)
        for one in results:
            meta = one.expectation_config.meta or {}
            if one.exception_info.get("raised_exception"):
                raise RuntimeError(
                    f"GX could not check {name}.{meta.get('rule')}: "
                    f"{one.exception_info.get('exception_message')}"
                )
            unexpected = one.result.get("unexpected_count")
            values = one.result.get("partial_unexpected_list") or []
            outcomes[(name, str(meta.get("rule")))] = GxOutcome(
                bool(one.success),
                None if unexpected is None else int(unexpected),
                tuple(dict.fromkeys(shortened(str(_plain(v))) for v in values))[:EXAMPLES],
            )
        summary[name] = _shortened_all(json.loads(json.dumps(record, default=_plain)))
        give_back()  # GX's copies of the table's rows
    return GxRun(outcomes, summary)


def _run(
    name: str, rows: pd.DataFrame, parameters: dict[str, Any], per_table_only: bool, part: Part
) -> Any:
    """One GX run of a table's suite (or PART of it) on ROWS."""
    return _definitions(per_table_only, part)[name].run(
        batch_parameters={"dataframe": gx_view(s.TABLES_BY_NAME[name], rows)},
        expectation_parameters=parameters,
        result_format="SUMMARY",
    )


def _in_batches(
    name: str, rows: Rows, parameters: dict[str, Any], per_table_only: bool, size: int
) -> list[Any]:
    """A table's results on ROWS: the expectations of one row run on consecutive batches
    and merged, those comparing rows on parts holding every copy of a key (the compared
    columns kept from each batch); in the suite's order."""
    across = [
        r
        for r in SUITES[name]
        if r.expectation
        and r.expectation.kind in ACROSS_ROWS
        and (r.per_table or not per_table_only)
    ]
    compared = list(dict.fromkeys(r.expectation.kwargs["column"] for r in across if r.expectation))
    per_batch, kept = [], []
    for batch in rows.batches(size):
        per_batch.append(_run(name, batch, parameters, per_table_only, "rows").results)
        kept.append(batch.loc[:, [c for c in compared if c in batch.columns]])
        del batch
        give_back()  # GX's copies of the batch: the next batch's peak does not stack on them
    results = merged_results(per_batch)
    if across:
        keys = pd.concat(kept)
        del kept
        everywhere = np.arange(len(keys))
        per_part = []
        for part in key_parts(keys, everywhere, size):
            per_part.append(_run(name, keys.iloc[part], parameters, per_table_only, "keys").results)
            give_back()  # as for a batch: a quarter's parts stacked 0.2 GiB on the rows' peak
        results = [*results, *merged_results(per_part, by_row=True)]
    by_rule = {_rule(one): one for one in results}
    order = _suite_order(name, rows.empty(), parameters, per_table_only)
    return [by_rule[rule] for rule in order]


_ORDERS: dict[tuple[str, bool, tuple[str, ...]], tuple[str, ...]] = {}


def _suite_order(
    name: str, empty: pd.DataFrame, parameters: dict[str, Any], per_table_only: bool
) -> tuple[str, ...]:
    """The rules of a table's suite in the order GX gives their results: its own, that of a
    run on no rows (EMPTY). It depends on the columns only, so it is found once per process
    for each set of columns: `suite_orders` finds it while the worker waits to start (a run
    costs 0.2-0.3 s however few its rows)."""
    key = (name, per_table_only, tuple(empty.columns))
    if key not in _ORDERS:
        results = _run(name, empty, parameters, per_table_only, "whole").results
        _ORDERS[key] = tuple(_rule(one) for one in results)
    return _ORDERS[key]


def _rule(result: Any) -> str:
    return str((result.expectation_config.meta or {}).get("rule"))


def _shortened_all(value: Any) -> Any:
    """GX's results with every long text cut (its failing values are the rows' own)."""
    if isinstance(value, str):
        return shortened(value)
    if isinstance(value, list):
        return [_shortened_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _shortened_all(v) for k, v in value.items()}
    return value


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _with_gx(results: list[RuleResult], gx: GxRun) -> tuple[RuleResult, ...]:
    out = []
    for r in results:
        seen = gx.outcomes.get((r.table, r.rule))
        if seen is not None:
            r = dataclasses.replace(
                r, gx_success=seen.success, gx_unexpected=seen.unexpected, gx_values=seen.values
            )
        out.append(r)
    return tuple(out)
