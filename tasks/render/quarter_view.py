"""The quarterly pages: the twelve-month trend, quarter over quarter with its months side
by side, and the effectiveness review of the quarter's actions.

Only a quarterly review shows them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import pandas as pd

from csreview.facts import KPI, VALUE
from csreview.i18n import mark as _n
from csreview.periods import Period
from tasks import charts, compare, pdca
from tasks.render.analysis_view import segment_words
from tasks.render.formatting import Formatter, svg_uri
from tasks.render.kpi_view import comparison_cells


def trend_page(rows: Sequence[Mapping[str, Any]], f: Formatter) -> dict[str, Any]:
    """Months as columns, KPIs as rows (only months with a published monthly review)."""
    months = sorted({str(r["period"]) for r in rows})
    kpis = list(dict.fromkeys(str(r["kpi"]) for r in rows))
    value = {(str(r["period"]), str(r["kpi"])): r["value"] for r in rows}
    series = {f.label(kpi): [(m, value.get((m, kpi))) for m in months] for kpi in kpis}
    chart = charts.trend_chart(
        series, title=f._("Twelve-month trend"), no_data=f._("No monthly review on record.")
    )
    return {
        "chart": svg_uri(chart),
        "months": months,
        "rows": [
            {
                "label": f.label(kpi),
                "cells": [
                    f.kpi_value(kpi, float(value[(m, kpi)]))
                    if value.get((m, kpi)) is not None
                    else "–"
                    for m in months
                ],
            }
            for kpi in kpis
        ],
    }


QUARTER_KPIS: Final = (
    "contacts", "service_level", "asa_seconds", "abandon_rate", "aht_seconds", "fcr",
    "complaint_rate", "csat", "nps", "qa_fail_rate",
)  # fmt: skip


def quarter_over_quarter(
    top: pd.DataFrame,
    compared: Mapping[str, Mapping[str, Mapping[str, str]]],
    months: compare.MonthByMonth | None,
    period: Period,
    f: Formatter,
) -> dict[str, Any]:
    """The headline KPIs of the quarter against the previous quarter and the same quarter last
    year (`compared`: kpi → comparison → cells), then the quarter's months side by side; a
    period never reviewed is said in words, never shown as an empty column."""
    previous, last_year = period.previous().label, period.same_period_last_year().label
    reviewed = {name for changes in compared.values() for name in changes}
    keys = [kpi for kpi in QUARTER_KPIS if kpi in top.index]
    missing = []
    if "previous" not in reviewed:
        missing.append(
            f._(
                "The previous quarter, {period}, was never reviewed: there is no quarter to "
                "compare this one with."
            ).format(period=previous)
        )
    if "last_year" not in reviewed:
        missing.append(
            f._("The same quarter last year, {period}, was never reviewed.").format(
                period=last_year
            )
        )
    return {
        "previous": previous if "previous" in reviewed else None,
        "last_year": last_year if "last_year" in reviewed else None,
        "missing": missing,
        "rows": [
            {
                "label": f.label(kpi),
                "value": f.kpi_value(kpi, float(top[VALUE].astype("float64")[kpi])),
                "changes": compared.get(kpi, {}),
            }
            for kpi in keys
        ]
        if reviewed
        else [],
        "months": _months(months, period, keys, f),
    }


def _months(
    months: compare.MonthByMonth | None, period: Period, keys: Sequence[str], f: Formatter
) -> dict[str, Any]:
    """The quarter's three months as columns (from the monthly reviews on record), with the
    last reviewed month tested against the first."""
    labels = [m.label for m in period.months_to_end(period.months)]
    values = (
        {(str(r[compare.MONTH]), str(r[KPI])): r[VALUE] for _, r in months.overall.iterrows()}
        if months is not None
        else {}
    )
    reviewed = [m for m in labels if any(month == m for month, _ in values)]
    changes = comparison_cells({"months": months.change}, f) if months is not None else {}
    rows = [
        {
            "label": f.label(kpi),
            "cells": [
                "–" if pd.isna(values.get((m, kpi))) else f.kpi_value(kpi, float(values[(m, kpi)]))
                for m in labels
            ],
            "change": changes.get(kpi, {}).get("months"),
        }
        for kpi in keys
        if any((m, kpi) in values for m in labels)
    ]
    unreviewed = [m for m in labels if m not in reviewed]
    return {
        "labels": labels,
        "rows": rows,
        "change_header": f._("{last} vs {first}").format(first=months.first, last=months.last)
        if months is not None and months.first is not None
        else None,
        "unreviewed": f._("No monthly review is on record for {months}.").format(
            months=", ".join(unreviewed)
        )
        if unreviewed and rows
        else "",
    }


EFFECTIVENESS_LABELS: Final = {
    "effective": _n("effective"), "not_effective": _n("not effective"),
    "too_early": _n("too early"), pdca.NOT_MEASURED: _n("not yet measured"),
}  # fmt: skip


def effectiveness_page(review: pdca.Effectiveness | None, f: Formatter) -> dict[str, Any] | None:
    """The quarter's actions with their checks month by month, the quarter's own measurement,
    the verdict, and how many worked."""
    if review is None:
        return None
    checks = {(str(c["action_id"]), str(c["checked_in"])): c for _, c in review.checks.iterrows()}

    def cell(kpi: str, current: float, verdict: str | None) -> dict[str, str] | None:
        if pd.isna(verdict):
            return None
        return {
            "value": f.kpi_value(kpi, current),
            "verdict": str(verdict),
            "label": f._(EFFECTIVENESS_LABELS[str(verdict)]),
        }

    rows = []
    for _, a in review.actions.iterrows():
        kpi = str(a["kpi"])
        monthly = [checks.get((str(a["action_id"]), m)) for m in review.months]
        rows.append(
            {
                "action_id": a["action_id"],
                "action": f._(str(a["action"])),  # the playbook's wording in this language
                "opened_in": a["opened_in"],
                "kpi": f.label(kpi),
                "segment": segment_words(pdca.parse_segment(str(a["segment"])), f),
                "baseline": f.kpi_value(kpi, float(a["baseline"])),
                "target": f.kpi_value(kpi, float(a["target"])),
                "months": [
                    None if c is None else cell(kpi, float(c["current"]), str(c["verdict"]))
                    for c in monthly
                ],
                "quarter": cell(kpi, float(a["quarter_current"]), a["quarter_verdict"]),
                "verdict": str(a["verdict"]),
                "verdict_label": f._(EFFECTIVENESS_LABELS[str(a["verdict"])]),
            }
        )
    summary = pdca.summarise_effectiveness(review.actions)
    counts = {v: f.number(n, 0) for v, n in summary.counts.items()}
    return {
        "months": list(review.months),
        "rows": rows,
        "summary": f._(
            "Actions reviewed: {n} — {effective} effective, {not_effective} not effective, "
            "{too_early} too early to tell, {not_measured} not yet measured."
        ).format(n=f.number(len(rows), 0), **counts),
        "share": f._(
            "Share effective: {share} of the actions that could be judged (effective or not "
            "effective)."
        ).format(share=f.percent(summary.share_effective, 0))
        if not math.isnan(summary.share_effective)
        else f._("No action could be judged yet."),
    }
