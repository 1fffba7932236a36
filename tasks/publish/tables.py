"""The contract's CSV tables: `kpis.csv`, the problem, cause, action and follow-up lists and
the agent scorecard, in full precision.

Built once per run, the same bytes are published and attached to the PDF.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any, Final

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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    with_cr = io.StringIO()
    quotes_cr = csv.writer(with_cr, lineterminator="\r\n")  # the same, quoting \r as well
    writer.writerow(header)
    for row in rows:
        cells = [csv_value(v) for v in row]
        if "\r" in "".join(cells):
            quotes_cr.writerow(cells)
            buffer.write(with_cr.getvalue()[:-2] + "\n")
            with_cr.seek(0)
            with_cr.truncate()
        else:
            writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def _whole_or_not(number: float) -> int | float:
    """A denominator as a count, or in full where it is not whole (an average headcount)."""
    return int(number) if float(number).is_integer() else float(number)


def kpis_csv(kpis: pd.DataFrame) -> bytes:
    """`kpis.csv` as the contract defines it: long format, sorted, full precision."""
    counts = k.count_kpis()
    integer_numerators = k.integer_numerators() | set(WORKFORCE_KPIS)

    def row(r: tuple[Any, ...]) -> list[object]:
        kpi, dimension, segment, value, numerator, denominator, target, status = r
        return [
            kpi,
            dimension,
            segment,
            int(value) if kpi in counts and not pd.isna(value) else float(value),
            int(numerator)
            if kpi in integer_numerators and not pd.isna(numerator)
            else float(numerator),
            None if pd.isna(denominator) else _whole_or_not(denominator),
            float(target),
            status,
        ]

    ordered = kpis.sort_values([f.KPI, f.DIMENSION, f.SEGMENT], kind="stable")
    return csv_bytes(f.KPI_COLUMNS, (row(r) for r in ordered.itertuples(index=False)))


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
