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
