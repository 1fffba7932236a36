"""Crisis level (初级 / 中级 / 高级): whether a review must raise the alarm, and why.

A breach is a crisis by its severity, its scope and its urgency; the rules are data
(`[crisis]` in the playbook), so a centre sets its own alarm thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

import pandas as pd

from csreview import facts as f
from csreview.catalog import KPIS_BY_KEY
from csreview.messages import Segment
from tasks import compare

LEVELS: Final = ("primary", "intermediate", "advanced")


@dataclass(frozen=True)
class Crisis:
    """The level reached (None: no crisis) and the problem that reached it (its segment as
    (dimension, value) pairs, worded by the renderer)."""

    level: str | None
    kpi: str = ""
    segment: Segment = ()
    severity: float = 0.0
    scope: float = 0.0
    urgent: bool = False
    incident: bool = False  # an incident: scope is its share of the period's days


def severity(kpi: str, value: float, target: float) -> float:
    """How far a KPI is on the wrong side of its target, as a share of the target."""
    if pd.isna(value) or pd.isna(target) or target == 0:
        return 0.0
    higher = KPIS_BY_KEY[kpi].direction == "higher"
    gap = (target - value) if higher else (value - target)
    return max(gap / abs(target), 0.0)


def scope_bases(kpis: pd.DataFrame) -> dict[tuple[str, str], float]:
    """What a problem's scope is a share of: its KPI's denominator over all contacts
    (group "") or over the channel group it was judged in (§3a)."""
    rows = kpis[(kpis[f.DIMENSION] == f.ALL) | (kpis[f.DIMENSION] == f.CHANNEL_GROUP)]
    return {
        (str(kpi), "" if dimension == f.ALL else str(segment)): float(denominator)
        for kpi, dimension, segment, denominator in zip(
            rows[f.KPI], rows[f.DIMENSION], rows[f.SEGMENT], rows[f.DENOMINATOR], strict=True
        )
    }


def period_days(kpis: pd.DataFrame) -> list[str]:
    """The period's days with contacts, in order (the `date` segments of the contacts KPI)."""
    rows = kpis[(kpis[f.KPI] == "contacts") & (kpis[f.DIMENSION] == f.DATE)]
    return sorted(str(day) for day in rows[f.SEGMENT])


def crisis_level(
    problems: pd.DataFrame,
    kpis: pd.DataFrame,
    previous: pd.DataFrame | None,
    rules: Mapping[str, Any],
) -> Crisis:
    """The highest level whose severity, scope and urgency conditions a problem meets.

    An incident's scope is the share of the period's days it touched, and it is urgent when
    it reaches the period's last day (it may not be over); an incident at least
    `[crisis.incidents] severity` off its target reaches at least that table's level,
    whatever its scope: an outage is a crisis on its days."""
    watched = set(rules["kpis"])
    bases = scope_bases(kpis)
    days = period_days(kpis)
    worse = set()
    if previous is not None and not previous.empty:
        worse = set(previous.loc[previous[compare.VERDICT] == "worse", f.KPI])
    candidates = []
    for _, p in problems.iterrows():
        kpi, group = str(p["kpi"]), str(p.get("group") or "")
        if kpi not in watched or (kpi, group) not in bases:
            continue
        on = tuple(p.get("days") or ())
        base = bases[kpi, group]
        scope = float(p["base"]) / base if base else 0.0
        if on:
            scope = len(on) / len(days) if days else 0.0
        candidates.append(
            Crisis(
                None,
                kpi,
                tuple(p["segment"]),
                severity(kpi, float(p["value"]), float(p["target"])),
                scope,
                bool(days) and on[-1] == days[-1] if on else kpi in worse,
                bool(on),
            )
        )
    floor = rules.get("incidents", {})
    for level in rules["levels"]:
        for c in candidates:
            if (
                c.severity >= float(level["severity"])
                and c.scope >= float(level["scope"])
                and (c.urgent or not level.get("urgent", False))
            ) or (
                c.incident
                and level["name"] == floor.get("level")
                and c.severity >= float(floor["severity"])
            ):
                return replace(c, level=level["name"])
    return Crisis(None)
