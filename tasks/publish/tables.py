"""The contract's CSV tables: `kpis.csv`, the problem, cause, action and follow-up lists and
the agent scorecard, in full precision.

Built once per run, the same bytes are published and attached to the PDF.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import pandas as pd

from csreview import facts as f
from tasks import kpis as k
from tasks.root_cause import (
    ACTION_COLUMNS,
    FOLLOWUP_COLUMNS,
    PROBLEM_COLUMNS,
    ROOT_CAUSE_COLUMNS,
    RootCause,
)
from tasks.scorecard import SCORECARD_COLUMNS
from tasks.workforce import WORKFORCE_KPIS


# ---------------------------------------------------------------- CSV writing
def csv_value(value: object) -> str:
    """Full precision: floats as Python repr, integers as integers, missing as empty."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "item"):
        return csv_value(value.item())
    return str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Rows as CSV, one `\\n` per row; a text holding a carriage return is quoted too (Python
    3.11's writer quotes only the line terminator's characters), so a reader sees one row."""
    return _csv_of_cells(header, ([csv_value(v) for v in row] for row in rows))


def _csv_of_cells(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """`csv_bytes` of rows whose cells are written already (`csv_value`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    with_cr = io.StringIO()
    quotes_cr = csv.writer(with_cr, lineterminator="\r\n")  # the same, quoting \r as well
    writer.writerow(header)
    for cells in rows:
        if "\r" in "".join(cells):
            quotes_cr.writerow(cells)
            buffer.write(with_cr.getvalue()[:-2] + "\n")
            with_cr.seek(0)
            with_cr.truncate()
        else:
            writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def _texts(values: pd.Series) -> list[str]:
    """A text column's cells as `csv_value` writes them: missing as empty."""
    return ["" if pd.isna(v) else str(v) for v in values.tolist()]


def _numbers(values: pd.Series, whole: np.ndarray | None = None) -> list[str]:
    """A number column's cells as `csv_value` writes them: in full (a float's repr),
    missing as empty; where WHOLE, as an integer. Built a column at a time: `kpis.csv`
    holds 30 k rows at 1 M contacts, and a cell at a time took 0.3 s."""
    floats = values.to_numpy(dtype=float, na_value=np.nan).tolist()
    wholes = [False] * len(floats) if whole is None else whole.tolist()
    return [
        "" if v != v else str(int(v)) if w else repr(v) for v, w in zip(floats, wholes, strict=True)
    ]


def kpis_csv(kpis: pd.DataFrame) -> bytes:
    """`kpis.csv` as the contract defines it: long format, sorted, full precision; counts,
    integer numerators and whole denominators (an average headcount may not be) as integers."""
    ordered = kpis.sort_values([f.KPI, f.DIMENSION, f.SEGMENT], kind="stable")
    kpi = ordered[f.KPI]
    integer_numerators = k.integer_numerators() | set(WORKFORCE_KPIS)
    denominators = ordered[f.DENOMINATOR].to_numpy(dtype=float, na_value=np.nan)
    columns = [
        _texts(kpi),
        _texts(ordered[f.DIMENSION]),
        _texts(ordered[f.SEGMENT]),
        _numbers(ordered[f.VALUE], kpi.isin(k.count_kpis()).to_numpy(dtype=bool)),
        _numbers(ordered[f.NUMERATOR], kpi.isin(integer_numerators).to_numpy(dtype=bool)),
        _numbers(
            ordered[f.DENOMINATOR],
            np.isfinite(denominators) & (np.floor(denominators) == denominators),
        ),
        _numbers(ordered[f.TARGET]),
        _texts(ordered[f.STATUS]),
    ]
    return _csv_of_cells(f.KPI_COLUMNS, zip(*columns, strict=True))


def frame_csv(frame: pd.DataFrame, columns: Sequence[str]) -> bytes:
    return csv_bytes(columns, frame.loc[:, list(columns)].itertuples(index=False))


ATTACHED_TO_PDF: Final = ("kpis.csv", "problems.csv")


def review_tables(
    kpis: pd.DataFrame, root_cause: RootCause, agent_scores: pd.DataFrame
) -> dict[str, bytes]:
    """The contract's CSV outputs (and the agent scorecard), built once: published and
    attached to the PDF. `root_cause` comes worded in the review's primary language
    (`render.root_cause_words.worded_root_cause`), as its text columns are written."""
    return {
        "scorecard.csv": frame_csv(agent_scores, SCORECARD_COLUMNS),
        "kpis.csv": kpis_csv(kpis),
        "problems.csv": frame_csv(root_cause.problems, PROBLEM_COLUMNS),
        "root_causes.csv": frame_csv(root_cause.causes, ROOT_CAUSE_COLUMNS),
        "actions.csv": frame_csv(root_cause.actions, ACTION_COLUMNS),
        "followups.csv": frame_csv(root_cause.followups, FOLLOWUP_COLUMNS),
    }
