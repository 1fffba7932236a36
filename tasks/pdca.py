"""Check and act: every approved action of an earlier period, measured again in this one.

An action names a KPI in a segment, its baseline and its target; the review measures the
same KPI in the same segment now and says whether the action worked, did not, or is too
early to tell (its due date has not passed and the target is not met yet).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from csreview.catalog import KPIS_BY_KEY
from csreview.settings import Settings
from tasks import kpis as k
from tasks.root_cause import FOLLOWUP_COLUMNS


def parse_segment(label: str) -> tuple[tuple[str, str], ...]:
    """`category=billing;hour_band=20-24` → ((category, billing), (hour_band, 20-24))."""
    pairs = [part.split("=", 1) for part in label.split(";") if part and part != k.ALL]
    return tuple((d, v) for d, v in pairs)


def segment_facts(facts: k.Facts, segment: tuple[tuple[str, str], ...]) -> k.Facts:
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


def segment_value(facts: k.Facts, kpi: str, segment: str, settings: Settings) -> float:
    """One KPI in one (possibly two-dimension) segment, by the contract's definition."""
    table = k.compute_kpis(segment_facts(facts, parse_segment(segment)), settings, (k.ALL,))
    row = table[table[k.KPI] == kpi]
    return float(row[k.VALUE].iloc[0]) if len(row) else float("nan")


def verdict(kpi: str, current: float, target: float, due: date, period_end: date) -> str:
    """effective: the target is met; not_effective: due and not met; too_early: otherwise."""
    if pd.notna(current):
        higher = KPIS_BY_KEY[kpi].direction == "higher"
        if (current >= target) if higher else (current <= target):
            return "effective"
    return "not_effective" if period_end > due else "too_early"


def follow_up(
    approved: Sequence[Mapping[str, Any]],
    facts: k.Facts,
    settings: Settings,
    period_end: date,
) -> pd.DataFrame:
    """`followups.csv`: each approved earlier action, measured in this period."""
    rows = []
    for action in sorted(approved, key=lambda a: (str(a["opened_in"]), str(a["action_id"]))):
        kpi = str(action["kpi"])
        current = segment_value(facts, kpi, str(action["segment"]), settings)
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
                    period_end,
                ),
            }
        )
    return pd.DataFrame(rows, columns=list(FOLLOWUP_COLUMNS))
