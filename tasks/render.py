"""Render: a pure report context, then one Jinja2 environment → HTML → WeasyPrint PDF.

The context holds only display-ready values (labels translated, numbers formatted per
locale), so templates carry layout and wording, never logic.
"""

from __future__ import annotations

import base64
import gc
import gettext
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import jinja2
import markupsafe
import pandas as pd
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from csreview import schema as s
from csreview.catalog import KPIS, KPIS_BY_KEY
from csreview.frames import among
from csreview.i18n import babel_locale, translations
from csreview.i18n import mark as _n
from csreview.messages import Segment
from csreview.periods import Period
from csreview.personal_data import QUOTE_CHARS, TEXT_CHARS, display_text, strip_invisible
from csreview.settings import Language
from tasks import charts, compare, pdca, qa
from tasks import kpis as k
from tasks import scorecard as sc
from tasks import staffing as st
from tasks import themes as th
from tasks.crisis import Crisis
from tasks.root_cause import RootCause
from tasks.surveys import Satisfaction
from tasks.validate import RuleResult, Validation

SCORECARD: Final = (
    "contacts", "service_level", "asa_seconds", "abandon_rate", "frt_p90_seconds", "aht_seconds",
    "fcr", "complaint_rate", "escalation_rate", "transfer_rate", "backlog", "conversion_rate",
    "csat", "csat_top2", "nps", "satisfaction_index", "effort_score", "survey_response_rate",
    "sales_satisfaction_ratio",
)  # fmt: skip
QUALITY: Final = ("qa_score", "qa_fail_rate", "qa_reviewer_spread")
BREAKDOWN_KPIS: Final = (
    "contacts", "service_level", "abandon_rate", "asa_seconds", "fcr", "complaint_rate", "csat",
)  # fmt: skip
BREAKDOWN_DIMENSIONS: Final = (s.CHANNEL, s.CATEGORY, k.HOUR_BAND, s.TEAM, s.TIER)
STATUS_SYMBOLS: Final = {"ok": "✓", "warn": "!", "breach": "✗", "na": "–", "low_sample": "·"}
TEMPLATES: Final = Path(str(resources.files("report_templates")))
SENTENCE_CHARS: Final = 600  # evidence, whys, actions, examples: sentences that may hold data


STATUS_LABELS: Final = {
    "ok": _n("ok"),
    "warn": _n("warning"),
    "breach": _n("breach"),
    "na": _n("n/a"),
    "low_sample": _n("low sample"),
}
FISHBONE_LABELS: Final = {
    "people": _n("people"),
    "machine": _n("machine"),
    "material": _n("material"),
    "method": _n("method"),
    "environment": _n("environment"),
    "measurement": _n("measurement"),
}
CHANNEL_LABELS: Final = (_n("phone"), _n("chat"), _n("email"), _n("app"), _n("social"))
TIER_LABELS: Final = (_n("junior"), _n("intermediate"), _n("senior"), _n("unassigned"))
WORD_LABELS: Final = (
    _n("blocking"), _n("quarantine"), _n("warn"), _n("proposed"), _n("approved"), _n("rejected"),
)  # fmt: skip
CADENCE_TITLES: Final = {
    "monthly": _n("Monthly service-quality review"),
    "quarterly": _n("Quarterly service-quality review"),
}


@dataclass(frozen=True)
class Formatter:
    """Translates and formats values for one report language."""

    language: Language

    @property
    def catalog(self) -> gettext.NullTranslations:
        return translations(self.language)

    def _(self, message: str) -> str:
        return self.catalog.gettext(message)

    def label(self, kpi: str) -> str:
        return self._(KPIS_BY_KEY[kpi].label)

    def number(self, value: float, digits: int = 1) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
        return format_decimal(value, format=pattern, locale=babel_locale(self.language))

    def percent(self, value: float, digits: int = 1) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, format=pattern, locale=babel_locale(self.language))

    def seconds(self, value: float) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if value >= 3600:
            return self._("{h} h").format(h=self.number(value / 3600, 1))
        if value >= 120:
            return self._("{m} min").format(m=self.number(value / 60, 1))
        return self._("{s} s").format(s=self.number(value, 1))

    def kpi_value(self, kpi: str, value: float) -> str:
        unit = KPIS_BY_KEY[kpi].unit
        if unit == "fraction":
            return self.percent(value)
        if unit == "seconds":
            return self.seconds(value)
        if unit == "count":
            return self.number(value, 0)
        if unit == "score":
            return self.number(value, 2)
        return self.number(value, 1)

    def delta(self, kpi: str, value: float) -> str:
        """A change of a KPI, signed: percentage points for rates, the KPI's unit otherwise."""
        if math.isnan(value):
            return "–"
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        unit = KPIS_BY_KEY[kpi].unit
        if unit == "fraction":
            return sign + self._("{n} pts").format(n=self.number(abs(value) * 100, 1))
        return sign + self.kpi_value(kpi, abs(value))

    def segment(self, dimension: str, value: str) -> str:
        """A segment value as shown: channel and tier names translated, data values as display
        text (masked, inert, shortened)."""
        if dimension in (s.CHANNEL, s.TIER) or value == k.UNASSIGNED:
            return display_text(self._(value))
        return display_text(value)


# ---------------------------------------------------------------- context
def _kpi_row(row: Any, kpi: str, f: Formatter) -> dict[str, Any]:
    status = str(row[k.STATUS])
    return {
        "key": kpi,
        "label": f.label(kpi),
        "value": f.kpi_value(kpi, row[k.VALUE]),
        "target": "" if pd.isna(row[k.TARGET]) else f.kpi_value(kpi, row[k.TARGET]),
        "denominator": "" if pd.isna(row[k.DENOMINATOR]) else f.number(row[k.DENOMINATOR], 0),
        "status": status,
        "status_symbol": STATUS_SYMBOLS[status],
        "status_label": f._(STATUS_LABELS[status]),
    }


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
            kpi, verdict = str(row[k.KPI]), str(row[compare.VERDICT])
            cells.setdefault(kpi, {})[name] = {
                "previous": f.kpi_value(kpi, float(row[compare.PREVIOUS])),
                "delta": f.delta(kpi, float(row[compare.DELTA])),
                "verdict": verdict,
                "symbol": VERDICT_SYMBOLS[verdict],
                "label": f._(VERDICT_LABELS[verdict]),
            }
    return cells


def _breakdown(kpis: pd.DataFrame, dimension: str, f: Formatter) -> dict[str, Any]:
    part = kpis[(kpis[k.DIMENSION] == dimension) & among(kpis[k.KPI], BREAKDOWN_KPIS)]
    found = {
        (str(segment), str(kpi)): (value, status)
        for segment, kpi, value, status in zip(
            part[k.SEGMENT], part[k.KPI], part[k.VALUE], part[k.STATUS], strict=True
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
        "title": f._("By {dimension}").format(dimension=f._(k.DIMENSION_LABELS[dimension])),
        "dimension_label": f._(k.DIMENSION_LABELS[dimension]),
        "headers": [f.label(kpi) for kpi in BREAKDOWN_KPIS],
        "rows": rows,
    }


def build_context(
    *,
    meta: Mapping[str, Any],
    period: Period,
    zone_name: str,
    kpis: pd.DataFrame,
    satisfaction: Satisfaction,
    root_cause: RootCause,
    validation: Validation,
    language: Language,
    min_sample: int,
    comparisons: Mapping[str, pd.DataFrame] | None = None,
    themes: pd.DataFrame | None = None,
    theme_labels: Mapping[str, Mapping[str, str]] | None = None,
    calibration: qa.Calibration | None = None,
    staffing: st.StaffingPlan | None = None,
    scorecard: sc.Scorecard | None = None,
    trend: Sequence[Mapping[str, Any]] = (),
    crisis: Crisis | None = None,
    months: compare.MonthByMonth | None = None,
    effectiveness: pdca.Effectiveness | None = None,
) -> dict[str, Any]:
    """Everything the templates show, translated and formatted; no I/O. `root_cause` comes
    worded in `language` (`render_analysis.worded_root_cause`), `theme_labels` are the
    themes config's labels by language."""
    f = Formatter(language)
    compared = comparison_cells(comparisons or {}, f)
    loc = babel_locale(language)
    zone = ZoneInfo(zone_name)
    generated: datetime = meta["generated_at"]
    top = k.overall(kpis)
    title = f._(CADENCE_TITLES[period.cadence])
    quarterly = period.cadence == "quarterly"
    sections = [
        ("summary", f._("Executive summary")),
        ("balanced", f._("Balanced scorecard")),
        *([("trend", f._("Twelve-month trend"))] if quarterly else []),
        *([("quarter", f._("Quarter over quarter"))] if quarterly else []),
        ("service", f._("Service and efficiency")),
        ("satisfaction", f._("Customer satisfaction")),
        ("quality", f._("Quality assurance")),
        ("staffing", f._("Staffing")),
        ("problems", f._("Problem list")),
        ("root-cause", f._("Root-cause analysis")),
        ("actions", f._("Improvement plan")),
        ("followups", f._("Follow-up of earlier actions")),
        *(
            [("effectiveness", f._("Effectiveness review of the quarter's actions"))]
            if quarterly
            else []
        ),
        ("data-quality", f._("Appendix: data quality")),
        ("definitions", f._("Appendix: KPI definitions")),
    ]
    problems = _problems(root_cause, period, f)
    actions = [
        {
            **a.to_dict(),
            **{key: display_text(a[key], SENTENCE_CHARS) for key in ("action", "resource", "risk")},
            "kpi": f.label(str(a["kpi"])),
            "baseline": f.kpi_value(str(a["kpi"]), float(a["baseline"])),
            "target": f.kpi_value(str(a["kpi"]), float(a["target"])),
            "status": f._(str(a["status"])),
        }
        for _, a in root_cause.actions.iterrows()
    ]
    followups = [
        {
            **r.to_dict(),
            "kpi": f.label(str(r["kpi"])),
            "baseline": f.kpi_value(str(r["kpi"]), float(r["baseline"])),
            "target": f.kpi_value(str(r["kpi"]), float(r["target"])),
            "current": f.kpi_value(str(r["kpi"]), float(r["current"])),
            "verdict": f._(EFFECTIVENESS_LABELS[str(r["verdict"])]),
        }
        for _, r in root_cause.followups.iterrows()
    ]
    nps = satisfaction.nps
    start, end = period.start(zone), period.end(zone)
    last_day = (pd.Timestamp(end) - pd.Timedelta(days=1)).date()
    return {
        "meta": {
            **meta,
            **{key: display_text(meta[key]) for key in ("tenant", "reason") if meta.get(key)},
            "lang": language,
            "title": title,
            "period_label": f._("Review of {period}").format(period=period.label),
            "period": period.label,
            "period_range": f"{format_date(start.date(), 'medium', locale=loc)} – "
            f"{format_date(last_day, 'medium', locale=loc)}",
            "generated_at": format_datetime(generated.astimezone(zone), "medium", locale=loc),
            "generated_at_iso": generated.isoformat(timespec="seconds"),
            "data_status": _data_status(validation, f),
        },
        "toc": [{"id": i, "title": t} for i, t in sections],
        "scorecard": [
            _kpi_row(top.loc[key], key, f) | {"changes": compared.get(key, {})}
            for key in SCORECARD
            if key in top.index
        ],
        "comparison_headers": [
            {"name": name, "label": f._(COMPARISON_LABELS[name])}
            for name in COMPARISON_LABELS
            if name in (comparisons or {})
        ],
        "quality": [_kpi_row(top.loc[key], key, f) for key in QUALITY if key in top.index],
        "breakdowns": [_breakdown(kpis, d, f) for d in BREAKDOWN_DIMENSIONS],
        "min_sample": min_sample,
        "satisfaction": {
            "distribution": [
                {
                    "score": int(r["score"]),
                    "count": f.number(r["count"], 0),
                    "share": f.percent(r["share"]),
                }
                for _, r in satisfaction.distribution.iterrows()
            ],
            "nps": {
                "nps": f.number(nps.nps, 1) if nps.nps is not None else "–",
                "low": f.number(nps.low, 1) if nps.low is not None else "–",
                "high": f.number(nps.high, 1) if nps.high is not None else "–",
                "responses": f.number(nps.responses, 0),
                "promoters": f.number(nps.promoters, 0),
                "passives": f.number(nps.passives, 0),
                "detractors": f.number(nps.detractors, 0),
            },
            "verbatims": [
                {
                    **v.to_dict(),
                    "quote": display_text(v["quote"], QUOTE_CHARS),
                    "category": f.segment(s.CATEGORY, str(v[s.CATEGORY])),
                    "channel": f.segment(s.CHANNEL, str(v[s.CHANNEL])),
                    "csat": "–" if pd.isna(v[s.CSAT]) else int(v[s.CSAT]),
                }
                for _, v in satisfaction.verbatims.iterrows()
            ],
        },
        "balanced": _balanced(top, scorecard, f),
        "trend": _trend(trend, f) if quarterly else None,
        "quarter": quarter_over_quarter(top, compared, months, period, f) if quarterly else None,
        "effectiveness": effectiveness_page(effectiveness, f) if quarterly else None,
        "crisis": _crisis(crisis, f),
        "themes": _themes(themes, theme_labels or {}, f),
        "calibration": _calibration(calibration, f),
        "staffing": _staffing(staffing, zone, f),
        "problems": problems,
        "hypothesis_tests": _hypothesis_tests(root_cause.causes),
        "pareto": svg_uri(
            charts.pareto_chart(
                root_cause.problems,
                [str(int(r)) for r in root_cause.problems["rank"]],
                title=f._("Problems ranked by priority (Pareto)"),
                axis_priority=f._("priority"),
                axis_cumulative=f._("cumulative share"),
                no_data=f._("No problem to analyse."),
            )
        ),
        "actions": actions,
        "followups": followups,
        "data_quality": {
            "tables": [{"name": n, **c} for n, c in validation.counts.items()],
            "failing": [
                {
                    "table": r.table,
                    "description": r.description,
                    "severity": f._(r.severity),
                    "failed": f.number(r.failed, 0),
                    "examples": _examples(r.examples),
                }
                for r in validation.rules
                if not r.passed
            ],
            "rules_checked": len(validation.rules),
        },
        "definitions": [
            {"key": d.key, "label": f._(d.label), "definition": d.definition} for d in KPIS
        ],
    }


CRISIS_LABELS: Final = {
    "primary": _n("primary crisis (初级)"),
    "intermediate": _n("intermediate crisis (中级)"),
    "advanced": _n("advanced crisis (高级)"),
}


TREND_SYMBOLS: Final = {  # as the comparisons: ▲ better, ▼ worse
    "worse": "▼", "better": "▲", "no_change": "—", "low_sample": "—", "na": "—",
}  # fmt: skip
TREND_LABELS: Final = {
    "worse": _n("worse than the previous period"),
    "better": _n("better than the previous period"),
    "no_change": _n("no significant change"),
    "low_sample": _n("too few to compare"),
    "na": _n("no earlier figure"),
}
CAUSE_VERDICTS: Final = {
    "verified": ("✓", _n("verified")),
    "not_supported": ("✗", _n("not supported")),
    "not_testable": ("–", _n("not testable")),
}


def _problem_trend(p: Any, previous: Period, f: Formatter) -> dict[str, Any]:
    """A problem's trend as shown: symbol and words, the earlier value and what it did to
    the priority (one line each)."""
    verdict, kpi = str(p["trend"]), str(p["kpi"])
    details = []
    if not pd.isna(p["previous"]):
        details.append(
            f._("{value} in {period}").format(
                value=f.kpi_value(kpi, float(p["previous"])), period=previous.label
            )
        )
    if float(p["trend_factor"]) != 1.0:
        details.append(
            f._("priority × {factor}").format(factor=f.number(float(p["trend_factor"]), 2))
        )
    return {
        "verdict": verdict,
        "symbol": TREND_SYMBOLS[verdict],
        "label": f._(TREND_LABELS[verdict]),
        "details": details,
    }


def _fishbone(p: Any, causes: pd.DataFrame, f: Formatter) -> str:
    """A problem's fishbone: the six bones, each with the hypotheses the data could test
    (✓ on the verified ones)."""
    branches = {
        f._(FISHBONE_LABELS[category]): [
            (str(h["label"]), h["verdict"] == "verified")
            for _, h in causes[causes["category"] == category].iterrows()
            if h["verdict"] != "not_testable"
        ]
        for category in FISHBONE_LABELS
    }
    return svg_uri(
        charts.fishbone_chart(
            f"{p['where']}: {f.label(str(p['kpi']))} "
            f"{f.kpi_value(str(p['kpi']), float(p['value']))}",
            branches if len(causes) else {},
            no_data=f._("No hypothesis tested."),
        )
    )


def _problems(root_cause: RootCause, period: Period, f: Formatter) -> list[dict[str, Any]]:
    """The ranked problems with their trend, fishbone, hypotheses by category and 5 whys."""
    out = []
    for _, p in root_cause.problems.iterrows():
        causes = root_cause.causes[root_cause.causes["problem_rank"] == p["rank"]]
        whys = root_cause.whys[root_cause.whys["problem_rank"] == p["rank"]]
        out.append(
            {
                "fishbone": _fishbone(p, causes, f),
                "rank": int(p["rank"]),
                "title": display_text(p["title"], TEXT_CHARS),
                "baseline": f.kpi_value(str(p["kpi"]), float(p["baseline"])),
                "defects": f.number(p["defects"], 0),
                "defect_share": f.percent(p["defect_share"], 0),
                "cumulative_share": f.percent(p["cumulative_share"], 0),
                "trend": _problem_trend(p, period.previous(), f),
                "categories": [
                    {
                        "name": f._(FISHBONE_LABELS[str(category)]),
                        "rows": [
                            {
                                "label": h["label"],
                                "verdict": h["verdict"],
                                "symbol": CAUSE_VERDICTS[str(h["verdict"])][0],
                                "verdict_label": f._(CAUSE_VERDICTS[str(h["verdict"])][1]),
                                "evidence": display_text(h["evidence"], SENTENCE_CHARS),
                            }
                            for _, h in group.iterrows()
                        ],
                    }
                    for category, group in causes.groupby("category", sort=False)
                ],
                "whys": [
                    {
                        "category": f._(FISHBONE_LABELS[str(c)]),
                        "steps": [
                            {
                                "why": display_text(w["why"], SENTENCE_CHARS),
                                "because": display_text(w["because"], SENTENCE_CHARS),
                            }
                            for _, w in chain.sort_values("step").iterrows()
                        ],
                    }
                    for c, chain in whys.groupby("category", sort=False)
                ],
            }
        )
    return out


def _hypothesis_tests(causes: pd.DataFrame) -> list[dict[str, str]]:
    """Each hypothesis once, with the test that decides it (the same for every problem)."""
    first = causes.drop_duplicates("hypothesis_id")
    return [
        {"label": h["label"], "hypothesis": h["hypothesis"], "test": h["test"]}
        for _, h in first.iterrows()
    ]


def segment_words(segment: Segment, f: Formatter) -> str:
    """((hour_band, 20-24), (channel, chat)) as a reader says it: "time band 20-24, channel chat"."""
    words = ", ".join(f"{f._(k.DIMENSION_LABELS[d])} {f.segment(d, v)}" for d, v in segment)
    return words or f._("all contacts")


def _crisis(crisis: Crisis | None, f: Formatter) -> dict[str, str] | None:
    if crisis is None or crisis.level is None:
        return None
    where = segment_words(crisis.segment, f)
    return {
        "level": crisis.level,
        "label": f._(CRISIS_LABELS[crisis.level]),
        "text": f._(
            "{kpi} in {where} is {severity} off its target, over {scope} of the period's base"
        ).format(
            kpi=f.label(crisis.kpi),
            where=where,
            severity=f.percent(crisis.severity, 0),
            scope=f.percent(crisis.scope, 0),
        )
        + (f._("; and it is getting worse") if crisis.urgent else ""),
    }


def _trend(rows: Sequence[Mapping[str, Any]], f: Formatter) -> dict[str, Any]:
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
                "value": f.kpi_value(kpi, float(top[k.VALUE].astype("float64")[kpi])),
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
        {(str(r[compare.MONTH]), str(r[k.KPI])): r[k.VALUE] for _, r in months.overall.iterrows()}
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


VIEW_LABELS: Final = {
    "customer": _n("Customer"), "process": _n("Process"), "people": _n("People"),
    "financial": _n("Financial"),
}  # fmt: skip


def _balanced(top: pd.DataFrame, card: sc.Scorecard | None, f: Formatter) -> dict[str, Any]:
    """The four views: overall KPIs by view, tiered agent scores, what service cost, and
    selling against satisfaction."""
    agent_scores = card.agents if card else None
    money = card.finance if card else None
    views = [
        {
            "label": f._(VIEW_LABELS[view]),
            "rows": [_kpi_row(top.loc[key], key, f) for key in keys if key in top.index],
        }
        for view, keys in sc.VIEWS.items()
    ]
    scores = agent_scores if agent_scores is not None else pd.DataFrame()
    tiers = (
        [
            {
                "tier": f._(str(r[s.TIER])),
                "agents": f.number(r["agents"], 0),
                "mean": f.number(r["mean_score"], 0),
                "below": f.number(r["below"], 0),
            }
            for _, r in sc.tier_summary(scores).iterrows()
        ]
        if not scores.empty
        else []
    )
    lowest = (
        scores[scores[sc.SCORE].notna()].sort_values([sc.SCORE, s.AGENT_ID]).head(5)
        if not scores.empty
        else scores
    )
    sales = [
        {
            "group": f._("with a sales offer") if r[sc.OFFER] else f._("without a sales offer"),
            "handled": f.number(r[sc.HANDLED], 0),
            "conversion": f.percent(r["conversion_rate"]) if r[sc.OFFER] else "",
            "complaints": f.percent(r["complaint_rate"]),
            "top2": f.percent(r["csat_top2"]),
            "surveys": f.number(r["surveys"], 0),
        }
        for _, r in (card.sales.iterrows() if card else iter(()))
    ]
    return {
        "views": views,
        "sales": sales,
        "tiers": tiers,
        "lowest": [
            {
                "agent": display_text(r[s.AGENT_ID]),
                "tier": f._(str(r[s.TIER])),
                "score": f.number(r[sc.SCORE], 0),
                "weakest": f.label(str(r[sc.WEAKEST])) if r[sc.WEAKEST] else "–",
            }
            for _, r in lowest.iterrows()
        ],
        "finance": None
        if money is None
        else {
            "currency": money.currency,
            "hours": f.number(money.agent_hours, 0),
            "cost": f.number(money.cost, 0),
            "per_contact": f.number(money.cost_per_contact, 2),
            "repeats": f.number(money.repeats, 0),
            "cost_of_repeats": f.number(money.cost_of_repeats, 0),
        },
    }


def _themes(
    frame: pd.DataFrame | None, labels: Mapping[str, Mapping[str, str]], f: Formatter
) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    shown = {key: by_language[f.language] for key, by_language in labels.items()}
    return [
        {
            "label": shown.get(str(r[th.THEME]), str(r[th.THEME])),
            "comments": f.number(r[th.COMMENTS], 0),
            "share": f.percent(r[th.SHARE], 0),
            "csat": f.number(r[th.MEAN_CSAT], 2),
            "detractors": f.percent(r[th.DETRACTOR_SHARE], 0),
            "examples": [display_text(e, th.QUOTE_CHARS) for e in r[th.EXAMPLES]],
        }
        for _, r in frame.iterrows()
    ]


def _calibration(c: qa.Calibration | None, f: Formatter) -> dict[str, Any] | None:
    if c is None:
        return None

    def optional(value: float | None) -> str:
        return "–" if value is None else f.number(value, 2)

    return {
        "contacts": f.number(c.contacts, 0),
        "reviewers": f.number(c.reviewers, 0),
        "alpha": optional(c.alpha),
        "icc": optional(c.icc),
        "block": "" if c.block_shape is None else f"{c.block_shape[0]} × {c.block_shape[1]}",
        "ai_minus_human": optional(c.ai_minus_human),
        "bias": [
            {
                "reviewer": display_text(r[s.REVIEWER_ID]),
                "kind": f._(str(r[s.REVIEWER_KIND])),
                "n": f.number(r[qa.N], 0),
                "bias": ("+" if r[qa.BIAS] > 0 else "") + f.number(r[qa.BIAS], 1),
                "mad": f.number(r[qa.MEAN_ABS_DEVIATION], 1),
            }
            for _, r in c.bias.head(8).iterrows()
        ],
        "rubric": _rubric(c.rubric, f),
        "kinds": [
            {
                "kind": f._(str(r[s.REVIEWER_KIND])),
                "evaluations": f.number(r[qa.EVALUATIONS], 0),
                "mean": f.number(r[qa.MEAN_SCORE], 1),
                "fail_rate": f.percent(r[qa.FAIL_RATE]),
            }
            for _, r in c.kinds.iterrows()
        ],
    }


RUBRIC_LABELS: Final = {
    "score": _n("overall score"), "attitude": _n("attitude"), "accuracy": _n("accuracy"),
    "compliance": _n("compliance"), "communication": _n("communication"),
    "resolution": _n("resolution"),
}  # fmt: skip


def _rubric(rubric: pd.DataFrame, f: Formatter) -> dict[str, Any]:
    """Rubric-item means: all reviewers, then each kind, as columns."""
    if rubric.empty:
        return {"kinds": [], "rows": []}
    kinds = list(dict.fromkeys(str(x) for x in rubric[s.REVIEWER_KIND]))
    mean = rubric.set_index([qa.ITEM, s.REVIEWER_KIND])[qa.MEAN]
    return {
        "kinds": [f._("all reviewers") if x == qa.ALL else f._(x) for x in kinds],
        "rows": [
            {
                "item": f._(RUBRIC_LABELS.get(item, item)),
                "cells": [f.number(mean.get((item, x), math.nan), 1) for x in kinds],
            }
            for item in dict.fromkeys(str(x) for x in rubric[qa.ITEM])
        ],
    }


def svg_uri(svg: str) -> str:
    """An SVG chart as a `data:` URI: the HTML stays one self-contained file."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


WEEKDAY_LABELS: Final = (
    _n("Mon"), _n("Tue"), _n("Wed"), _n("Thu"), _n("Fri"), _n("Sat"), _n("Sun"),
)  # fmt: skip


def _staffing(plan: st.StaffingPlan | None, zone: ZoneInfo, f: Formatter) -> dict[str, Any] | None:
    if plan is None:
        return None
    summary = plan.summary
    loc = babel_locale(f.language)
    heatmap = charts.staffing_heatmap(
        summary,
        weekday_labels=[f._(d) for d in WEEKDAY_LABELS],
        title=f._("Agents on shift minus agents needed, by weekday and hour"),
        no_data=f._("No staffing data."),
    )
    return {
        "heatmap": svg_uri(heatmap),
        "intervals": f.number(len(summary), 0),
        "understaffed": f.number(int(summary[st.UNDERSTAFFED].sum()), 0),
        "email_open": f.number(plan.email_open, 0),
        "email_age": f.number(plan.email_median_age_hours, 1),
        "by_time": [
            {
                "time": str(r[st.HALF_HOUR]),
                "contacts": f.number(r[st.CONTACTS], 1),
                "required": f.number(r[st.REQUIRED_AGENTS], 1),
                "scheduled": f.number(r[st.SCHEDULED_AGENTS], 1),
                "days": f"{int(r[st.UNDERSTAFFED_DAYS])} / {int(r[st.DAYS])}",
                "short": bool(r[st.UNDERSTAFFED_DAYS] > 0),
            }
            for _, r in plan.by_time_of_day.iterrows()
            if r[st.REQUIRED_AGENTS] > 0 or r[st.SCHEDULED_AGENTS] > 0
        ],
        "worst": [
            {
                "when": format_datetime(
                    pd.Timestamp(r[st.INTERVAL_START]).tz_convert(zone).to_pydatetime(),
                    "EEE d MMM HH:mm",
                    locale=loc,
                ),
                "contacts": f.number(r[st.CONTACTS], 0),
                "required": f.number(r[st.REQUIRED_AGENTS], 0),
                "scheduled": f.number(r[st.SCHEDULED_AGENTS], 1),
                "gap": f.number(r[st.GAP], 1),
            }
            for _, r in plan.worst.iterrows()
        ],
    }


def _data_status(validation: Validation, f: Formatter) -> str:
    quarantined = sum(c["quarantined"] for c in validation.counts.values())
    read = sum(c["read"] for c in validation.counts.values())
    if quarantined == 0:
        return f._("all {read} rows passed validation").format(read=f.number(read, 0))
    return f._("{bad} of {read} rows quarantined (see the data-quality appendix)").format(
        bad=f.number(quarantined, 0), read=f.number(read, 0)
    )


# ---------------------------------------------------------------- the e-mail body
EMAIL_KPIS: Final = ("service_level", "abandon_rate", "fcr", "complaint_rate", "csat", "nps")


def email_summary(
    kpis: pd.DataFrame,
    period: Period,
    tenant: str,
    crisis: Crisis | None,
    languages: Sequence[Language],
) -> tuple[str, list[str]]:
    """The subject (first language) and a few body lines per language: the headline KPIs
    against targets, and the crisis level when one is reached."""
    top = k.overall(kpis)
    subject = ""
    lines: list[str] = []
    for language in languages:
        f = Formatter(language)
        title = f"{f._(CADENCE_TITLES[period.cadence])} — {display_text(tenant)} — {period.label}"
        subject = subject or title
        lines.append(title)
        if crisis is not None and crisis.level is not None:
            lines.append(f._(CRISIS_LABELS[crisis.level]))
        for kpi in EMAIL_KPIS:
            if kpi in top.index:
                row = top.loc[kpi]
                status = f._(STATUS_LABELS[str(row[k.STATUS])])
                value = f.kpi_value(kpi, float(top[k.VALUE].astype("float64")[kpi]))
                lines.append(f"  {f.label(kpi)}: {value} ({status})")
        lines.append(f._("The full review is attached (review.pdf)."))
        lines.append("")
    return subject, lines


# ---------------------------------------------------------------- the auditor's report
def build_validation_context(
    validation: Validation,
    run: Mapping[str, Any],
    fingerprints: Mapping[str, str],
    language: Language,
) -> dict[str, Any]:
    """What the auditor's validation report shows: every rule of every table, its severity,
    which engine checked it, its counts and examples of failing rows and values."""
    f = Formatter(language)

    def outcome(r: RuleResult) -> tuple[str, str]:
        if r.passed:
            return "pass", f._("passed")
        if r.severity == "warn":
            return "warn", f._("warning")
        return "fail", f._("blocking") if r.severity == "blocking" else f._("quarantined")

    def engine(r: RuleResult) -> str:
        if r.expectation is None:
            return f._("pandas (join or row order)")
        seen = "" if r.gx_agrees is not False else " ≠ " + str(r.gx_unexpected)
        return f"Great Expectations: {r.expectation}{seen}"

    tables = sorted({r.table for r in validation.rules}, key=lambda n: _TABLE_POSITION.get(n, 0))
    return {
        "lang": language,
        "run": dict(run),
        "blocking": [display_text(b, SENTENCE_CHARS) for b in validation.blocking],
        "summary": {
            "rules": f.number(len(validation.rules), 0),
            "gx": f.number(sum(r.expectation is not None for r in validation.rules), 0),
            "pandas": f.number(sum(r.expectation is None for r in validation.rules), 0),
            "failing": f.number(sum(not r.passed for r in validation.rules), 0),
        },
        "tables": [
            {
                "name": name,
                **{k: f.number(v, 0) for k, v in counts.items()},
                "sha256": fingerprints.get(name, ""),
            }
            for name, counts in validation.counts.items()
        ],
        "rules_by_table": [
            {
                "name": table,
                "rules": [
                    {
                        "rule": r.rule,
                        "description": r.description,
                        "severity": f._(r.severity),
                        "engine": engine(r),
                        "checked": f.number(r.checked, 0),
                        "failed": f.number(r.failed, 0),
                        "css": outcome(r)[0],
                        "outcome": outcome(r)[1],
                        "examples": _examples(r.examples) if not r.passed else "",
                        "values": _examples(_shown(v) for v in r.gx_values),
                    }
                    for r in validation.rules
                    if r.table == table
                ],
            }
            for table in tables
        ],
    }


_TABLE_POSITION: Final = {t.name: i for i, t in enumerate(s.TABLES)}


def _shown(value: str) -> str:
    return "(empty)" if value in {"<NA>", "None", "NaT", "nan"} else value


def _examples(values: Iterable[object]) -> str:
    """Quoted examples of failing rows or values as shown: each one display text (masked,
    inert, shortened), the list cut too."""
    return display_text(", ".join(display_text(v, TEXT_CHARS) for v in values), SENTENCE_CHARS)


def render_validation_report(context: Mapping[str, Any], language: Language) -> str:
    return environment(language).get_template("validation.html").render(context)


# ---------------------------------------------------------------- templates
def _inert(value: Any) -> Any:
    """Every value a template prints, without control or bidirectional characters (markup
    stays markup): the last guard, behind the display text of the context."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(strip_invisible(str(value), keep_breaks=True))
    if isinstance(value, str):
        return strip_invisible(value, keep_breaks=True)
    return value


@cache
def environment(language: Language) -> jinja2.Environment:
    """The report environment of a language: autoescape on, undefined values fail."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_inert,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def render_html(context: Mapping[str, Any], cadence: str, language: Language) -> str:
    """The report as one self-contained HTML document."""
    return environment(language).get_template(f"{cadence}.html").render(context)


# ---------------------------------------------------------------- PDF
def render_pdf(html: str, attachments: Mapping[str, bytes]) -> bytes:
    """The report as PDF/A-3b with the given files attached; fetches nothing but `data:`
    URLs and files of the template folder."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    class TemplateFolderFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"})

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                path = Path(url.removeprefix("file://")).resolve()
                if not path.is_relative_to(TEMPLATES.resolve()):
                    raise ValueError(f"refused to fetch {url}")
            return super().fetch(url, headers)

    files = [
        weasyprint.Attachment(file_obj=BytesIO(data), name=name, description=name)
        for name, data in attachments.items()
    ]
    document = weasyprint.HTML(
        string=html, base_url=str(TEMPLATES), url_fetcher=TemplateFolderFetcher()
    )
    pdf: bytes = document.write_pdf(pdf_variant="pdf/a-3b", attachments=files)
    return pdf


@contextmanager
def no_garbage_collection() -> Iterator[None]:
    """No cyclic garbage collection inside the block; the collector runs again after it.

    A review process holds half a million long-lived objects (frames, Prefect, Great
    Expectations), and rendering allocates enough to trigger full collections that walk them
    all (0.3–0.7 s each). Reference counting still frees what rendering drops; the few
    reference cycles it leaves (about 10 MB for the demo review) wait for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
