"""The report context: everything the templates show, translated and formatted, built
from the review's results by the view builder of each section.

Pure: no I/O, so a report can be rebuilt from the same results at any time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from babel.dates import format_date, format_datetime

from csreview import schema as s
from csreview.catalog import KPIS
from csreview.i18n import babel_locale
from csreview.periods import Period
from csreview.personal_data import QUOTE_CHARS, display_text
from csreview.settings import Language
from tasks import charts, compare, pdca, qa
from tasks import kpis as k
from tasks import scorecard as sc
from tasks import staffing as st
from tasks.crisis import Crisis
from tasks.render.analysis_view import (
    action_rows,
    crisis_view,
    hypothesis_tests,
    problem_pages,
)
from tasks.render.formatting import CADENCE_TITLES, Formatter, kpi_row, svg_uri
from tasks.render.kpi_view import (
    BREAKDOWN_DIMENSIONS,
    COMPARISON_LABELS,
    QUALITY,
    SCORECARD,
    breakdown,
    comparison_cells,
    headline_kpi_rows,
)
from tasks.render.quality_view import calibration_page
from tasks.render.quarter_view import (
    EFFECTIVENESS_LABELS,
    effectiveness_page,
    quarter_over_quarter,
    trend_page,
)
from tasks.render.satisfaction_view import theme_rows
from tasks.render.scorecard_view import balanced_page
from tasks.render.sections_view import UNKNOWN_GIVE_UP, not_assessed_notes
from tasks.render.staffing_view import staffing_page
from tasks.render.validation_report import examples
from tasks.root_cause import RootCause
from tasks.sections import Section
from tasks.surveys import Satisfaction
from tasks.validate import Validation


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
    sections: Mapping[str, Section] | None = None,
) -> dict[str, Any]:
    """Everything the templates show, translated and formatted; no I/O. `root_cause` comes
    worded in `language` (`render.root_cause_words.worded_root_cause`), `theme_labels` are the
    themes config's labels by language."""
    f = Formatter(language)
    compared = comparison_cells(comparisons or {}, f)
    loc = babel_locale(language)
    zone = ZoneInfo(zone_name)
    generated: datetime = meta["generated_at"]
    top = k.overall(kpis)
    title = f._(CADENCE_TITLES[period.cadence])
    quarterly = period.cadence == "quarterly"
    toc = [
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
    problems = problem_pages(root_cause, period, f)
    actions = action_rows(root_cause, f)
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
        "toc": [{"id": i, "title": t} for i, t in toc],
        "not_assessed": not_assessed_notes(sections or {}, f),
        "scorecard": headline_kpi_rows(kpis, SCORECARD, f, compared),
        "comparison_headers": [
            {"name": name, "label": f._(COMPARISON_LABELS[name])}
            for name in COMPARISON_LABELS
            if name in (comparisons or {})
        ],
        "quality": [kpi_row(top.loc[key], key, f) for key in QUALITY if key in top.index],
        "breakdowns": [breakdown(kpis, d, f) for d in BREAKDOWN_DIMENSIONS],
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
        "balanced": balanced_page(kpis, scorecard, f),
        "trend": trend_page(trend, f) if quarterly else None,
        "quarter": quarter_over_quarter(top, compared, months, period, f) if quarterly else None,
        "effectiveness": effectiveness_page(effectiveness, f) if quarterly else None,
        "crisis": crisis_view(crisis, f),
        "themes": theme_rows(themes, theme_labels or {}, f),
        "calibration": calibration_page(calibration, f),
        "staffing": staffing_page(staffing, zone, f),
        "problems": problems,
        "hypothesis_tests": hypothesis_tests(root_cause.causes),
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
                    "examples": examples(r.examples),
                }
                for r in validation.rules
                if not r.passed
            ],
            "rules_checked": len(validation.rules),
            "unknown_give_up": (
                f._(UNKNOWN_GIVE_UP).format(n=f.number(validation.unknown_give_up, 0))
                if validation.unknown_give_up
                else ""
            ),
        },
        "definitions": [
            {"key": d.key, "label": f._(d.label), "definition": d.definition} for d in KPIS
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
