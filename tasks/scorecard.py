"""Scorecards: tiered agent scores, and the balanced scorecard's four views of the centre.

One scale for all agents is a known pitfall: juniors are judged on speed and standards,
seniors on complaint resolution and satisfaction, with weights and costs kept as data.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.catalog import KPIS_BY_KEY
from csreview.settings import Band, Settings
from tasks import kpis as k

SCORE: Final = "score"
COVERAGE: Final = "coverage"
WEAKEST: Final = "weakest_kpi"
HANDLED: Final = "handled"
SCORECARD_COLUMNS: Final = (s.AGENT_ID, s.TEAM, s.TIER, HANDLED, SCORE, COVERAGE, WEAKEST)
POINTS: Final = {"ok": 100.0, "warn": 50.0, "breach": 0.0}
VIEWS: Final = {
    "customer": (
        "csat",
        "csat_top2",
        "nps",
        "satisfaction_index",
        "effort_score",
        "complaint_rate",
    ),
    "process": (  # waits and abandonment per channel group (`tasks.kpis.GROUP_KPIS`)
        "service_level",
        "asa_seconds",
        "abandon_rate",
        "frt_median_seconds",
        "frt_p90_seconds",
        "fcr",
        "aht_seconds",
        "backlog",
    ),
    "people": (
        "qa_score",
        "qa_fail_rate",
        "qa_reviewer_spread",
        "attrition_rate",
        "new_hire_share",
    ),
    "financial": ("conversion_rate", "sales_satisfaction_ratio"),
}


# ---------------------------------------------------------------- agents
def agent_scorecard(
    kpis: pd.DataFrame,
    agents: pd.DataFrame,
    settings: Settings,
    months: tuple[int, ...],
    weights: Mapping[str, Mapping[str, float]],
) -> pd.DataFrame:
    """Each agent's weighted score (0–100) against the targets of their tier: a KPI meeting
    its target scores 100, in the warning band 50, beyond it 0; KPIs without a value, a
    target or enough observations are left out and the weights renormalised."""
    rows = kpis[kpis[f.DIMENSION] == f.AGENT]
    info = agents.drop_duplicates(s.AGENT_ID).set_index(s.AGENT_ID)
    handled = rows[rows[f.KPI] == "aht_seconds"].set_index(f.SEGMENT)[f.DENOMINATOR]
    out = []
    tiers = info[s.TIER].astype("string")
    teams = info[s.TEAM].astype("string")
    bands: dict[tuple[str, str], Band | None] = {}

    def band(kpi: str, tier: str) -> Band | None:
        if (kpi, tier) not in bands:
            spec = settings.targets.get(kpi)
            bands[kpi, tier] = spec.band(tier=tier, months=months) if spec else None
        return bands[kpi, tier]

    # each agent's rows in table order, agents in id order
    by_agent = rows.loc[:, [f.SEGMENT, f.KPI, f.VALUE, f.DENOMINATOR]].sort_values(
        f.SEGMENT, kind="stable"
    )
    for key, own in itertools.groupby(by_agent.itertuples(index=False), key=lambda r: r[0]):
        agent = str(key)
        if agent not in info.index:
            continue  # `unassigned`
        tier = str(tiers[agent])
        tier_weights = weights.get(tier, {})
        scored: list[tuple[str, float, float]] = []
        for _, kpi, value, denominator in own:
            if kpi not in tier_weights:
                continue
            status = k.status_of(
                value,
                denominator,
                band(kpi, tier),
                KPIS_BY_KEY[kpi].direction,
                settings.min_sample,
            )
            if status in POINTS:
                scored.append((kpi, tier_weights[kpi], POINTS[status]))
        total = sum(tier_weights.values())
        used = sum(w for _, w, _ in scored)
        weakest = min(scored, key=lambda x: (x[2], -x[1], x[0]))[0] if scored else ""
        out.append(
            {
                s.AGENT_ID: str(agent),
                s.TEAM: str(teams[agent]),
                s.TIER: tier,
                HANDLED: float(handled.get(agent, 0.0)),
                SCORE: sum(w * p for _, w, p in scored) / used if used else float("nan"),
                COVERAGE: used / total if total else 0.0,
                WEAKEST: weakest,
            }
        )
    return pd.DataFrame(out, columns=list(SCORECARD_COLUMNS))


def tier_summary(scores: pd.DataFrame, low: float = 50.0) -> pd.DataFrame:
    """Per tier: agents scored, mean score, and how many score below `low`."""
    scored = scores[scores[SCORE].notna()]
    return (
        scored.groupby(s.TIER, sort=True)
        .agg(agents=(s.AGENT_ID, "size"), mean_score=(SCORE, "mean"))
        .join(scored[scored[SCORE] < low].groupby(s.TIER).size().rename("below"))
        .fillna({"below": 0})
        .reset_index()
    )


# ---------------------------------------------------------------- the centre
@dataclass(frozen=True)
class Finance:
    """The financial view: what handling cost, and what repeat contacts cost."""

    currency: str
    agent_hours: float
    cost: float
    handled: int
    cost_per_contact: float
    repeats: int
    cost_of_repeats: float


def scheduled_hours(shifts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Agent hours on shift within [start, end)."""
    begin = shifts[s.STARTS_AT].where(shifts[s.STARTS_AT] > start, start)
    finish = shifts[s.ENDS_AT].where(shifts[s.ENDS_AT] < end, end)
    seconds = (finish - begin).dt.total_seconds().clip(lower=0)
    return float(seconds.sum() / 3600)


def finance(
    facts: f.Facts,
    shifts: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    costs: Mapping[str, Any],
) -> Finance:
    """Cost per handled contact = scheduled agent hours × loaded hourly cost ÷ handled
    contacts; the cost of repeats = repeated handled contacts × that cost."""
    return finance_of(handled_counts(facts), shifts, start, end, costs)


def handled_counts(facts: f.Facts) -> tuple[int, int]:
    """The period's handled contacts, and those of them not repeated (what `finance` reads
    of the facts: a Dask run reads them from its merged sums)."""
    contacts = facts.contacts
    return int(contacts[f.ANSWERED].sum()), int(contacts[f.NOT_REPEATED].sum())


def finance_of(
    handled_and_not_repeated: tuple[int, int],
    shifts: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    costs: Mapping[str, Any],
) -> Finance:
    """`finance` from the handled contacts and those not repeated."""
    hours = scheduled_hours(shifts, start, end)
    cost = hours * float(costs["agent_hour"])
    handled, not_repeated = handled_and_not_repeated
    repeats = handled - not_repeated
    per_contact = cost / handled if handled else float("nan")
    return Finance(
        str(costs["currency"]),
        hours,
        cost,
        handled,
        per_contact,
        repeats,
        repeats * per_contact if handled else float("nan"),
    )


# ---------------------------------------------------------------- service–sales balance
OFFER: Final = "sales_offer_made"


SALES_SURVEYS: Final = (f.OFFER_CSAT_N, f.OFFER_TOP2, f.NO_OFFER_CSAT_N, f.NO_OFFER_TOP2)


@dataclass(frozen=True)
class SalesPart:
    """The service–sales balance of a part of a period's facts, mergeable: per side (offer
    made, not made) the handled contacts, sales and complaints; the surveys' top-2 sums."""

    handled: tuple[int, int]  # offered, not offered
    sold: tuple[int, int]
    complaints: tuple[int, int]
    surveys: tuple[int, int, int, int]  # SALES_SURVEYS' sums


def sales_part(facts: f.Facts) -> SalesPart:
    """The sales balance part of some facts (a part holds its contacts' surveys)."""
    answered = (facts.contacts[f.ANSWERED] == 1).to_numpy()
    offered = (facts.contacts[f.OFFERED] == 1).to_numpy()[answered]

    def sides(column: str) -> tuple[int, int]:  # one column at a time, never the whole frame
        values = facts.contacts[column].to_numpy()[answered]
        return int(values[offered].sum()), int(values[~offered].sum())

    handled = (int(offered.sum()), int((~offered).sum()))
    sold, complaints = sides(f.SOLD), sides(f.HANDLED_COMPLAINT)
    sums = facts.surveys[list(SALES_SURVEYS)].sum()
    surveys = (int(sums.iloc[0]), int(sums.iloc[1]), int(sums.iloc[2]), int(sums.iloc[3]))
    return SalesPart(handled, sold, complaints, surveys)


def merge_sales(a: SalesPart, b: SalesPart) -> SalesPart:
    """The sales balance part of two disjoint parts: every count added."""

    def add(x: tuple[int, ...], y: tuple[int, ...]) -> Any:
        return tuple(i + j for i, j in zip(x, y, strict=True))

    return SalesPart(
        add(a.handled, b.handled),
        add(a.sold, b.sold),
        add(a.complaints, b.complaints),
        add(a.surveys, b.surveys),
    )


def finish_sales(part: SalesPart) -> pd.DataFrame:
    """The sales balance table read from a (merged) part: `sales_balance` describes it."""
    rows = []
    for side, offered in enumerate((True, False)):
        handled, sold, complaints = part.handled[side], part.sold[side], part.complaints[side]
        csat_n, top2 = part.surveys[2 * side], part.surveys[2 * side + 1]
        rows.append(
            {
                OFFER: offered,
                HANDLED: handled,
                "conversion_rate": sold / handled if offered and handled else None,
                "complaint_rate": complaints / handled if handled else None,
                "csat_top2": top2 / csat_n if csat_n else None,
                "surveys": csat_n,
            }
        )
    return pd.DataFrame(rows)


def sales_balance(facts: f.Facts) -> pd.DataFrame:
    """Handled contacts with a sales offer against those without: conversion, complaint
    rate and top-2 CSAT side by side — selling is only good when satisfaction holds."""
    return finish_sales(sales_part(facts))


@dataclass(frozen=True)
class Scorecard:
    """What the balanced scorecard adds to the KPI table."""

    agents: pd.DataFrame
    finance: Finance
    sales: pd.DataFrame


def build_scorecard(
    kpis: pd.DataFrame,
    facts: f.Facts,
    clean: Mapping[str, pd.DataFrame],
    start: pd.Timestamp,
    end: pd.Timestamp,
    settings: Settings,
) -> Scorecard:
    """Tiered agent scores, the financial view and the service–sales balance of a period."""
    return scorecard_of(
        kpis,
        clean[s.AGENTS.name],
        clean[s.SHIFTS.name],
        handled_counts(facts),
        sales_balance(facts),
        facts.months,
        (start, end),
        settings,
    )


def scorecard_of(
    kpis: pd.DataFrame,
    agents: pd.DataFrame,
    shifts: pd.DataFrame,
    handled_and_not_repeated: tuple[int, int],
    sales: pd.DataFrame,
    months: tuple[int, ...],
    bounds: tuple[pd.Timestamp, pd.Timestamp],
    settings: Settings,
) -> Scorecard:
    """The scorecard from the KPI table, the validated agents and shifts, the handled
    contacts (and those not repeated) and the sales balance: what a Dask run holds."""
    config = settings.scorecard
    return Scorecard(
        agents=agent_scorecard(kpis, agents, settings, months, config["weights"]),
        finance=finance_of(handled_and_not_repeated, shifts, *bounds, config["costs"]),
        sales=sales,
    )
