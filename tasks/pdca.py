"""Check and act: every approved action of an earlier period, measured again in this one.

An action names a KPI in a segment, its baseline and its target; the review measures the
same KPI in the same segment now and says whether the action worked, did not, or is too
early to tell (its due date has not passed and the target is not met yet).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import pandas as pd

from csreview import facts as f
from csreview.catalog import KPIS_BY_KEY
from csreview.periods import parse_period
from csreview.settings import Settings
from tasks import kpis as k
from tasks.kpis import partial
from tasks.kpis.aggregation import kpi_table
from tasks.root_cause import FOLLOWUP_COLUMNS


def parse_segment(label: str) -> tuple[tuple[str, str], ...]:
    """`category=billing;hour_band=20-24` → ((category, billing), (hour_band, 20-24))."""
    pairs = [part.split("=", 1) for part in label.split(";") if part and part != f.ALL]
    return tuple((d, v) for d, v in pairs)


def segment_facts(facts: f.Facts, segment: tuple[tuple[str, str], ...]) -> f.Facts:
    """The facts of one segment: the contract's definitions apply to it unchanged."""

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[k.in_segment(frame, segment)]

    return dataclasses.replace(
        facts,
        contacts=only(facts.contacts),
        backlog=only(facts.backlog),
        qa=only(facts.qa),
        calibration=only(facts.calibration),
        surveys=only(facts.surveys),
    )


def segment_value(facts: f.Facts, kpi: str, segment: str, settings: Settings) -> float:
    """One KPI in one (possibly two-dimension) segment, by the contract's definition."""
    table = k.compute_kpis(segment_facts(facts, parse_segment(segment)), settings, (f.ALL,))
    row = table[table[f.KPI] == kpi]
    return float(row[f.VALUE].iloc[0]) if len(row) else float("nan")


def verdict(kpi: str, current: float, target: float, due: date, period_end: date) -> str:
    """effective: the target is met; not_effective: due and not met; too_early: otherwise."""
    if pd.notna(current):
        sign = 1 if KPIS_BY_KEY[kpi].direction == "higher" else -1
        if k.reaches(sign * (current - target), target):  # as the KPI status reads it
            return "effective"
    return "not_effective" if period_end > due else "too_early"


def follow_up(
    approved: Sequence[Mapping[str, Any]],
    facts: f.Facts,
    settings: Settings,
    period_end: date,
) -> pd.DataFrame:
    """`followups.csv`: each approved earlier action, measured in this period."""
    return finish_follow_up(follow_up_part(approved, facts, period_end), settings)


@dataclass(frozen=True)
class FollowUpPart:
    """What a part of a period's facts contributes to the follow-up: the approved actions
    (read from the results store before the period is counted) and, per action, the
    mergeable aggregates of its segment."""

    actions: tuple[dict[str, Any], ...]  # in the order `followups.csv` lists them
    aggregates: tuple[partial.Aggregates, ...]  # each action's segment, dimension `all`
    period_end: date


def follow_up_part(
    approved: Sequence[Mapping[str, Any]], facts: f.Facts, period_end: date
) -> FollowUpPart:
    """Each approved action's segment of a set of facts, aggregated as the KPI step does."""
    actions = tuple(
        dict(a) for a in sorted(approved, key=lambda a: (str(a["opened_in"]), str(a["action_id"])))
    )
    return FollowUpPart(
        actions,
        tuple(
            partial.aggregate(segment_facts(facts, parse_segment(str(a["segment"]))), (f.ALL,))
            for a in actions
        ),
        period_end,
    )


def merge_follow_up(a: FollowUpPart, b: FollowUpPart) -> FollowUpPart:
    """The follow-up parts of two disjoint parts of a period (the same actions)."""
    if a.actions != b.actions or a.period_end != b.period_end:
        raise ValueError("follow-up parts of different actions or periods")
    return FollowUpPart(
        a.actions,
        tuple(partial.merge(x, y) for x, y in zip(a.aggregates, b.aggregates, strict=True)),
        a.period_end,
    )


def finish_follow_up(part: FollowUpPart, settings: Settings) -> pd.DataFrame:
    """`followups.csv` read from (merged) follow-up parts: each action's KPI in its segment
    (`segment_value`) against its target."""
    rows = []
    for action, aggregates in zip(part.actions, part.aggregates, strict=True):
        kpi = str(action["kpi"])
        table = kpi_table(aggregates, settings)
        row = table[table[f.KPI] == kpi]
        current = float(row[f.VALUE].iloc[0]) if len(row) else float("nan")
        rows.append(
            {
                "action_id": action["action_id"],
                "opened_in": action["opened_in"],
                "kpi": kpi,
                "baseline": float(action["baseline"]),
                "target": float(action["target"]),
                "current": current,
                "verdict": verdict(
                    kpi,
                    current,
                    float(action["target"]),
                    date.fromisoformat(str(action["due_date"])),
                    part.period_end,
                ),
            }
        )
    return pd.DataFrame(rows, columns=list(FOLLOWUP_COLUMNS))


# ---------------------------------------------------------------- a quarter's effectiveness review
NOT_MEASURED: Final = "not_measured"
VERDICTS: Final = ("effective", "not_effective", "too_early", NOT_MEASURED)
CHECK_COLUMNS: Final = ("action_id", "checked_in", "current", "verdict")
EFFECTIVENESS_COLUMNS: Final = (
    "action_id", "opened_in", "action", "kpi", "segment", "baseline", "target",
    "quarter_current", "quarter_verdict", "verdict",
)  # fmt: skip


@dataclass(frozen=True)
class Effectiveness:
    """A quarter's actions (one row each) and their monthly checks in the quarter's months."""

    months: tuple[str, ...]
    actions: pd.DataFrame  # EFFECTIVENESS_COLUMNS
    checks: pd.DataFrame  # CHECK_COLUMNS


def effectiveness_review(
    approved: Sequence[Mapping[str, Any]],
    checks: Sequence[Mapping[str, Any]],
    quarter_followups: pd.DataFrame,
    months: Sequence[str],
) -> Effectiveness:
    """The quarter's actions — approved in one of its monthly reviews, checked in one of its
    months, or followed up by the quarterly review — each with its verdict: the quarter's own
    measurement when there is one, else the latest monthly check, else not yet measured.

    An action opened inside the quarter took effect part-way through it, so only the monthly
    checks after it measure it; the quarter measures the actions opened before it."""
    in_quarter = [c for c in checks if c["checked_in"] in months]
    latest = {
        str(c["action_id"]): str(c["verdict"])
        for c in sorted(in_quarter, key=lambda c: str(c["checked_in"]))
    }
    quarter = {str(r["action_id"]): r for r in quarter_followups.to_dict("records")}

    def of_quarter(action: Mapping[str, Any]) -> bool:
        opened_here = action["cadence"] == "monthly" and action["opened_in"] in months
        return opened_here or str(action["action_id"]) in latest.keys() | quarter.keys()

    def opened(action: Mapping[str, Any]) -> tuple[int, int, str]:
        period = parse_period(str(action["cadence"]), str(action["opened_in"]))
        return period.year, period.first_month, str(action["action_id"])

    rows = []
    for action in sorted(filter(of_quarter, approved), key=opened):
        action_id = str(action["action_id"])
        measured = quarter.get(action_id)
        rows.append(
            {
                "action_id": action_id,
                "opened_in": str(action["opened_in"]),
                "action": str(action["action"]),
                "kpi": str(action["kpi"]),
                "segment": str(action["segment"]),
                "baseline": float(action["baseline"]),
                "target": float(action["target"]),
                "quarter_current": math.nan if measured is None else float(measured["current"]),
                "quarter_verdict": None if measured is None else str(measured["verdict"]),
                "verdict": str(measured["verdict"])
                if measured is not None
                else latest.get(action_id, NOT_MEASURED),
            }
        )
    listed = {str(r["action_id"]) for r in rows}
    return Effectiveness(
        months=tuple(months),
        actions=pd.DataFrame(rows, columns=list(EFFECTIVENESS_COLUMNS)),
        checks=pd.DataFrame(
            [
                {c: check[c] for c in CHECK_COLUMNS}
                for check in in_quarter
                if str(check["action_id"]) in listed
            ],
            columns=list(CHECK_COLUMNS),
        ),
    )


@dataclass(frozen=True)
class EffectivenessSummary:
    """How many of the quarter's actions worked."""

    counts: dict[str, int]  # verdict → actions
    share_effective: float  # effective ÷ (effective + not effective); NaN when none is judged


def summarise_effectiveness(actions: pd.DataFrame) -> EffectivenessSummary:
    """Actions per verdict and the share effective among the judged ones: an action too early
    to judge, or not yet measured, neither helps nor hurts the share."""
    counts = {v: int((actions["verdict"] == v).sum()) for v in VERDICTS}
    judged = counts["effective"] + counts["not_effective"]
    return EffectivenessSummary(counts, counts["effective"] / judged if judged else math.nan)
