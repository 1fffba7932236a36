"""GX's record of a large table, made in batches of rows and merged into the record one run
over the whole table gives: the same counts, the same first failing values, the same verdicts.

GX copies the frame it checks for every expectation: a million-row table took over a
gigabyte beside the review. Row-by-row expectations are run on consecutive batches, their
counts summed and their first failing values kept in row order; a column's uniqueness, the
one expectation that compares rows, is run on that column alone, in parts by the key's hash
(each part holds every copy of its keys).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

# GX's worker holds about 3 KiB a row of its batch: on a 3.7 M-contact quarter its batches
# run beside the root cause, the review's fullest step, and the process tree peaked at
# 3.06 GiB with 200,000 rows, 2.93 with 150,000 (its wait 2 s longer)
BATCH_ROWS: Final = 150_000
ACROSS_ROWS: Final = frozenset({"ExpectColumnValuesToBeUnique"})  # compares rows


def merged_results(per_batch: Sequence[Sequence[Any]], by_row: bool = False) -> list[Any]:
    """One result per expectation (GX's ExpectationValidationResult) from the results of
    the same expectations on consecutive batches of rows, in batch order; with BY_ROW, on
    any parts of the rows, their failing values put back in row order."""
    return [merged_result(parts, by_row) for parts in zip(*per_batch, strict=True)]


def merged_result(parts: Sequence[Any], by_row: bool = False) -> Any:
    """One expectation's results on parts of the rows, merged as GX words one result."""
    from great_expectations.expectations.expectation import _format_map_output, _mostly_success
    from great_expectations.expectations.expectation_configuration import parse_result_format

    first = parts[0]
    merged = copy.copy(first)
    results = [p.result for p in parts]
    if "element_count" not in first.result:  # a table-level check: the same on every batch
        merged.success = all(p.success for p in parts)
        return merged
    element_count = sum(r["element_count"] for r in results)
    unexpected_count = sum(r["unexpected_count"] for r in results)
    missing = "missing_count" in first.result  # not words GX gives every expectation
    considered = element_count - sum(r["missing_count"] for r in results if missing)
    mostly = first.expectation_config.kwargs.get("mostly", 1.0)
    success = (
        True  # vacuously, as GX decides
        if element_count == 0 or considered == 0
        else _mostly_success(considered, unexpected_count, mostly)
    )
    indexed = "partial_unexpected_index_list" in first.result
    failing: list[tuple[Any, Any]] = [
        (r["partial_unexpected_index_list"][n] if indexed else None, v)
        for r in results
        for n, v in enumerate(r.get("partial_unexpected_list", []))
    ]
    if by_row:  # each part's first failing rows, in the order of the rows
        failing.sort(key=lambda pair: pair[0])
    summary = parse_result_format("SUMMARY")
    shown = summary["partial_unexpected_count"]  # GX keeps and counts the first values only
    words = _format_map_output(
        result_format=summary,
        success=success,
        element_count=element_count,
        nonnull_count=considered if missing else None,
        unexpected_count=unexpected_count,
        unexpected_list=[v for _, v in failing][:shown],
        unexpected_index_list=[i for i, _ in failing][:shown] if indexed else None,
    )
    merged.success = words["success"]
    merged.result = words["result"]
    return merged


def suite_record(results: Sequence[Any], result_url: Any = None) -> dict[str, Any]:
    """A suite's record as GX describes one run (`describe_dict`) from its results."""
    from great_expectations.util import convert_to_json_serializable
    from great_expectations.validator.validation_statistics import calc_validation_statistics

    statistics = calc_validation_statistics(list(results))
    described: dict[str, Any] = convert_to_json_serializable(
        {
            "success": statistics.success,
            "statistics": {
                "evaluated_expectations": statistics.evaluated_expectations,
                "successful_expectations": statistics.successful_expectations,
                "unsuccessful_expectations": statistics.unsuccessful_expectations,
                "success_percent": statistics.success_percent,
            },
            "expectations": [r.describe_dict() for r in results],
            "result_url": result_url,
        }
    )
    return described


def key_parts(keys: pd.DataFrame, at: np.ndarray, size: int = BATCH_ROWS) -> list[np.ndarray]:
    """The rows of KEYS at positions AT in parts of about SIZE rows (positions into AT): equal
    keys share a part, so each part finds every copy of its keys. A key's part is its hash,
    taken a batch of rows at a time: factorizing a quarter's four million ids at once took
    0.4 GiB, the peak of GX's record."""
    count = -(-len(at) // size)
    part = np.zeros(len(at), dtype=np.min_scalar_type(max(count - 1, 0)))
    for rows in batches(len(at), size):
        hashed = pd.util.hash_pandas_object(keys.iloc[at[rows]], index=False).to_numpy()
        part[rows] = hashed % np.uint64(count)
    return [np.flatnonzero(part == p) for p in range(count)]


def batches(rows: int, size: int = BATCH_ROWS) -> list[slice]:
    """Consecutive slices of ROWS rows, each at most SIZE (one empty slice for no rows)."""
    return [slice(start, min(start + size, rows)) for start in range(0, max(rows, 1), size)]
