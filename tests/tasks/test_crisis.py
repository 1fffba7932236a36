"""Crisis levels from severity, scope and urgency, with the shipped rules."""

from __future__ import annotations

import pandas as pd
import pytest

from csreview import facts as f
from tasks import compare
from tasks import crisis as c
from tasks.playbook import load_playbook

RULES = load_playbook(None)["crisis"]


def kpis(base: float) -> pd.DataFrame:
    return pd.DataFrame(
        [{f.KPI: "service_level", f.DIMENSION: "all", f.SEGMENT: "all", f.VALUE: 0.7,
          f.NUMERATOR: 0.7 * base, f.DENOMINATOR: base, f.TARGET: 0.8, f.STATUS: "breach"}]
    )  # fmt: skip


def problem(value: float, base: float) -> pd.DataFrame:
    return pd.DataFrame(
        [{"kpi": "service_level", "segment": ((f.HOUR_BAND, "20-24"),), "value": value,
          "target": 0.8, "base": base}]
    )  # fmt: skip


def worse() -> pd.DataFrame:
    return pd.DataFrame([{f.KPI: "service_level", compare.VERDICT: "worse"}])


@pytest.mark.parametrize(
    ("value", "base", "previous", "level"),
    [
        (0.78, 500, None, None),  # 2.5 % off target: no crisis
        (0.22, 100, None, "primary"),  # far off (72 %) in 10 % of the contacts
        (0.50, 300, None, "intermediate"),  # 37.5 % off in 30 % of the contacts
        (0.30, 600, None, "intermediate"),  # severe and wide, but not getting worse
        (0.30, 600, worse(), "advanced"),  # severe, wide and getting worse
        (0.22, 10, None, None),  # severe in 1 % of the contacts only
    ],
)
def test_levels(
    value: float, base: float, previous: pd.DataFrame | None, level: str | None
) -> None:
    result = c.crisis_level(problem(value, base), kpis(1000), previous, RULES)
    assert result.level == level


def test_no_problem_no_crisis() -> None:
    empty = pd.DataFrame(columns=["kpi", "segment", "value", "target", "base"])
    assert c.crisis_level(empty, kpis(1000), None, RULES).level is None


def test_severity_is_direction_aware() -> None:
    assert c.severity("abandon_rate", 0.10, 0.05) == pytest.approx(1.0)
    assert c.severity("abandon_rate", 0.04, 0.05) == 0.0
    assert c.severity("service_level", 0.40, 0.80) == pytest.approx(0.5)


def test_a_problem_judged_in_a_channel_group_is_a_share_of_that_group() -> None:
    # 300 live contacts of 1 000: a problem in 100 of them is a third of the live group
    # (intermediate: 37.5 % off target in ≥ 25 %), though a tenth of the centre
    table = pd.concat(
        [
            kpis(1000),
            kpis(300).assign(**{f.DIMENSION: f.CHANNEL_GROUP, f.SEGMENT: "live"}),
        ]
    )
    live = problem(0.50, 100).assign(group="live")
    result = c.crisis_level(live, table, None, RULES)
    assert (result.level, result.scope) == ("intermediate", pytest.approx(1 / 3))
    assert c.crisis_level(problem(0.50, 100), table, None, RULES).level is None


def month_kpis(base: float, days: int = 30) -> pd.DataFrame:
    """Complaint rate over the period and the contacts of each of its DAYS (September)."""
    overall = {f.KPI: "complaint_rate", f.DIMENSION: "all", f.SEGMENT: "all", f.VALUE: 0.02,
               f.NUMERATOR: 0.02 * base, f.DENOMINATOR: base, f.TARGET: 0.03, f.STATUS: "ok"}  # fmt: skip
    daily = [
        {f.KPI: "contacts", f.DIMENSION: f.DATE, f.SEGMENT: f"2026-09-{d:02d}", f.VALUE: 100.0}
        for d in range(1, days + 1)
    ]
    return pd.DataFrame([overall, *daily])


def incident(value: float, days: tuple[str, ...]) -> pd.DataFrame:
    value_ = days[0] if len(days) == 1 else f"{days[0]}/{days[-1]}"
    return pd.DataFrame(
        [{"kpi": "complaint_rate", "segment": ((f.DATE, value_),), "value": value,
          "target": 0.03, "base": 100 * len(days), "days": days}]
    )  # fmt: skip


THREE_DAYS = ("2026-09-09", "2026-09-10", "2026-09-11")


@pytest.mark.parametrize(
    ("value", "days", "level", "urgent"),
    [
        (0.04, THREE_DAYS, None, False),  # a third off target on 10 % of the days: no crisis
        (0.06, THREE_DAYS, "primary", False),  # twice the target on its days: an outage
        (0.06, ("2026-09-30",), "primary", True),  # on the last day: it may not be over
        # a quarter of the month (8 of 30 days) 1.3 × off target: intermediate by scope
        (0.07, tuple(f"2026-09-{d:02d}" for d in range(9, 17)), "intermediate", False),
    ],
)
def test_an_incident_is_graded_on_its_days(
    value: float, days: tuple[str, ...], level: str | None, urgent: bool
) -> None:
    result = c.crisis_level(incident(value, days), month_kpis(3000), None, RULES)
    assert result.level == level
    if level is not None:
        assert result.incident and result.urgent == urgent
        assert result.scope == pytest.approx(len(days) / 30)


def test_the_incident_rule_is_for_incidents_only() -> None:
    """Twice the target on one day of 30 (3 % of the contacts) is a crisis for an incident,
    and none for an ordinary problem as small."""
    one_day = incident(0.06, ("2026-09-09",))
    assert c.crisis_level(one_day, month_kpis(3000), None, RULES).level == "primary"
    ordinary = one_day.drop(columns=["days"])
    ordinary["segment"] = [((f.HOUR_BAND, "20-24"),)]
    assert c.crisis_level(ordinary, month_kpis(3000), None, RULES).level is None
