"""The KPI tables of the report: the scorecard rows, comparisons with earlier periods and
the breakdowns by channel, category, time band, team and tier.

What the summary, service and quality sections show, formatted for one language."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

import pandas as pd

from csreview import schema as s
from csreview.facts import (
    ALL,
    CHANNEL_GROUP,
    DIMENSION,
    DIMENSION_LABELS,
    HOUR_BAND,
    KPI,
    LIVE,
    QUEUED,
    SEGMENT,
    STATUS,
    VALUE,
)
from csreview.frames import among
from csreview.i18n import mark as _n
from tasks import compare
from tasks import kpis as k
from tasks.render.formatting import STATUS_SYMBOLS, Formatter, kpi_row

SCORECARD: Final = (  # waits and abandonment per channel group: `tasks.kpis.GROUP_KPIS`
    "contacts", "service_level", "asa_seconds", "abandon_rate", "frt_median_seconds",
    "frt_p90_seconds", "aht_seconds",
    "fcr", "complaint_rate", "escalation_rate", "transfer_rate", "backlog", "conversion_rate",
    "csat", "csat_top2", "nps", "satisfaction_index", "effort_score", "survey_response_rate",
    "sales_satisfaction_ratio",
)  # fmt: skip
QUALITY: Final = ("qa_score", "qa_fail_rate", "qa_reviewer_spread")
BREAKDOWN_KPIS: Final = (
    "contacts", "service_level", "abandon_rate", "asa_seconds", "fcr", "complaint_rate", "csat",
)  # fmt: skip
BREAKDOWN_DIMENSIONS: Final = (s.CHANNEL, s.CATEGORY, HOUR_BAND, s.TEAM, s.TIER)
GROUP_LABELS: Final = {LIVE: _n("live channels"), QUEUED: _n("queued channels")}
GROUP_VALUES: Final = (_n("live"), _n("queued"))  # a channel group's name in a segment


def headline_kpi_rows(
    kpis: pd.DataFrame,
    keys: tuple[str, ...],
    f: Formatter,
    compared: Mapping[str, dict[str, dict[str, str]]] | None = None,
) -> list[dict[str, Any]]:
    """The rows of a KPI table for KEYS: waits and abandonment per channel group (§3a),
    named with their group; the others over all contacts, with their comparisons."""
    rows = []
    # the headline reads only the all-contacts and channel-group rows: looking those up
    # among all the catalog's rows (30 k at 1 M contacts) took 0.1 s per table
    headline = kpis[kpis[DIMENSION].isin((ALL, CHANNEL_GROUP))]
    for key, group, row in k.headline_rows(headline, keys):
        shown = kpi_row(row, key, f)
        if group:
            label = f._(GROUP_LABELS[group])
            shown["label"] = f._("{kpi} — {group}").format(kpi=shown["label"], group=label)
        rows.append(shown | {"changes": {} if group else (compared or {}).get(key, {})})
    return rows


COMPARISON_LABELS: Final = {"previous": _n("vs previous period"), "last_year": _n("vs last year")}
VERDICT_SYMBOLS: Final = {
    "better": "▲", "worse": "▼", "no_change": "=", "changed": "≠", "low_sample": "·",
    "not_tested": "", "na": "",
}  # fmt: skip
VERDICT_LABELS: Final = {
    "better": _n("better"), "worse": _n("worse"), "no_change": _n("no significant change"),
    "changed": _n("changed"), "low_sample": _n("low sample"), "not_tested": _n("not tested"),
    "na": _n("not available"),
}  # fmt: skip


def comparison_cells(
    comparisons: Mapping[str, pd.DataFrame], f: Formatter
) -> dict[str, dict[str, dict[str, str]]]:
    """kpi → comparison name → the delta as shown, with its verdict."""
    cells: dict[str, dict[str, dict[str, str]]] = {}
    for name, frame in comparisons.items():
        for _, row in frame.iterrows():
            kpi, verdict = str(row[KPI]), str(row[compare.VERDICT])
            cells.setdefault(kpi, {})[name] = {
                "previous": f.kpi_value(kpi, float(row[compare.PREVIOUS])),
                "delta": f.delta(kpi, float(row[compare.DELTA])),
                "verdict": verdict,
                "symbol": VERDICT_SYMBOLS[verdict],
                "label": f._(VERDICT_LABELS[verdict]),
            }
    return cells


def breakdown(kpis: pd.DataFrame, dimension: str, f: Formatter) -> dict[str, Any]:
    part = kpis[(kpis[DIMENSION] == dimension) & among(kpis[KPI], BREAKDOWN_KPIS)]
    found = {
        (str(segment), str(kpi)): (value, status)
        for segment, kpi, value, status in zip(
            part[SEGMENT], part[KPI], part[VALUE], part[STATUS], strict=True
        )
    }
    rows = []
    for segment in sorted({segment for segment, _ in found}):
        cells = []
        for kpi in BREAKDOWN_KPIS:
            value, status = found.get((segment, kpi), (math.nan, "na"))
            status = "na" if pd.isna(status) else str(status)
            cells.append(
                {
                    "value": f.kpi_value(kpi, value),
                    "status": status,
                    "symbol": STATUS_SYMBOLS[status],
                }
            )
        rows.append({"segment": f.segment(dimension, segment), "cells": cells})
    return {
        "title": f._("By {dimension}").format(dimension=f._(DIMENSION_LABELS[dimension])),
        "dimension_label": f._(DIMENSION_LABELS[dimension]),
        "headers": [f.label(kpi) for kpi in BREAKDOWN_KPIS],
        "rows": rows,
    }
