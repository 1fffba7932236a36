"""The staffing page: the weekday × hour heat map, the half-hours short of agents and the
worst intervals.

Where the rota and the arrival pattern part."""

from __future__ import annotations

from typing import Any, Final
from zoneinfo import ZoneInfo

import pandas as pd
from babel.dates import format_datetime

from csreview.i18n import babel_locale
from csreview.i18n import mark as _n
from tasks import charts
from tasks import staffing as st
from tasks.render.formatting import Formatter, svg_uri

WEEKDAY_LABELS: Final = (
    _n("Mon"), _n("Tue"), _n("Wed"), _n("Thu"), _n("Fri"), _n("Sat"), _n("Sun"),
)  # fmt: skip


def staffing_page(
    plan: st.StaffingPlan | None, zone: ZoneInfo, f: Formatter
) -> dict[str, Any] | None:
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
