"""The balanced scorecard page: the four views, tiered agent scores, the cost of service
and selling against satisfaction.

One page that weighs service against people and money."""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from csreview import schema as s
from csreview.i18n import mark as _n
from csreview.personal_data import display_text
from tasks import scorecard as sc
from tasks.render.formatting import Formatter
from tasks.render.kpi_view import headline_kpi_rows

VIEW_LABELS: Final = {
    "customer": _n("Customer"), "process": _n("Process"), "people": _n("People"),
    "financial": _n("Financial"),
}  # fmt: skip


def balanced_page(kpis: pd.DataFrame, card: sc.Scorecard | None, f: Formatter) -> dict[str, Any]:
    """The four views: the headline KPIs by view (waits per channel group), tiered agent
    scores, what service cost, and selling against satisfaction."""
    agent_scores = card.agents if card else None
    money = card.finance if card else None
    if money is not None and not money.agent_hours > 0:
        money = None  # no rota: the cost of agent hours is unknown, not zero
    views = [
        {
            "label": f._(VIEW_LABELS[view]),
            "rows": [
                {k: v for k, v in row.items() if k != "changes"}
                for row in headline_kpi_rows(kpis, keys, f)
            ],
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
