"""Workforce KPIs and period figures on a hand-checked roster: average headcount, leavers,
new hires, the rota; and the figures an earlier review recorded, read back."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from csreview.periods import Period
from csreview.settings import load_settings
from tasks import workforce as w

SEPTEMBER = Period("monthly", 2026, 9)
SETTINGS = load_settings()


def agents() -> pd.DataFrame:
    """docs/kpis.md's example: A stays, B hired on the 11th, C leaves on the 21st, D hired
    on 1 July (more than 90 days before the period end)."""
    return pd.DataFrame(
        {
            s.AGENT_ID: ["A", "B", "C", "D"],
            s.TEAM: ["t1", "t1", "t2", "t2"],
            s.TIER: ["junior"] * 4,
            s.SITE: ["x"] * 4,
            s.HIRED_ON: pd.to_datetime(
                ["2025-01-01", "2026-09-11", "2024-01-01", "2026-07-01"]
            ).date,
            s.LEFT_ON: [None, None, pd.Timestamp("2026-09-21").date(), None],
        }
    )


def row(table: pd.DataFrame, kpi: str, dimension: str, segment: str) -> pd.Series:
    hit = table[
        (table[f.KPI] == kpi) & (table[f.DIMENSION] == dimension) & (table[f.SEGMENT] == segment)
    ]
    assert len(hit) == 1
    return hit.iloc[0]


@pytest.mark.parametrize(
    ("kpi", "dimension", "segment", "numerator", "denominator"),
    [
        # days employed: A 30, B 20 (11th–30th), C 20 (1st–20th), D 30
        ("attrition_rate", "all", "all", 1, 100 / 30),
        ("attrition_rate", "team", "t1", 0, 50 / 30),
        ("attrition_rate", "team", "t2", 1, 50 / 30),
        # employed on the 30th: A, B, D; only B was hired on or after 3 July
        ("new_hire_share", "all", "all", 1, 3),
        ("new_hire_share", "team", "t2", 0, 1),
        ("new_hire_share", "site", "x", 1, 3),
    ],
)
def test_workforce_kpis(
    kpi: str, dimension: str, segment: str, numerator: float, denominator: float
) -> None:
    got = row(w.kpi_rows(agents(), SEPTEMBER, SETTINGS, (9,)), kpi, dimension, segment)
    assert got[f.NUMERATOR] == numerator
    assert got[f.DENOMINATOR] == pytest.approx(denominator)
    assert got[f.VALUE] == pytest.approx(numerator / denominator)
    assert got[f.STATUS] == "low_sample"  # four agents


@pytest.mark.parametrize(("hired", "new"), [("2026-07-02", 1), ("2026-07-03", 2)])
def test_new_hires_count_90_days_back_from_the_period_end(hired: str, new: int) -> None:
    days = ["2025-01-01", "2026-09-11", "2024-01-01", hired]
    later = agents().assign(**{s.HIRED_ON: pd.to_datetime(days).date})
    got = row(w.kpi_rows(later, SEPTEMBER, SETTINGS, (9,)), "new_hire_share", "all", "all")
    assert (got[f.NUMERATOR], got[f.DENOMINATOR]) == (new, 3)


def test_attrition_target_is_per_month() -> None:
    many = pd.concat([agents()] * 10, ignore_index=True)
    many = many.assign(**{s.AGENT_ID: [f"A{i}" for i in range(len(many))]})
    month = row(w.kpi_rows(many, SEPTEMBER, SETTINGS, (9,)), "attrition_rate", "all", "all")
    quarter = Period("quarterly", 2026, 3)
    three = row(w.kpi_rows(many, quarter, SETTINGS, (7, 8, 9)), "attrition_rate", "all", "all")
    assert month[f.TARGET] == pytest.approx(0.03)
    assert three[f.TARGET] == pytest.approx(0.09)
    assert month[f.STATUS] == "breach"  # 10 of 33.3: 0.30


def test_rota_figures() -> None:
    at = pd.Timestamp
    zone = SETTINGS.zone
    shifts = pd.DataFrame(
        {
            s.AGENT_ID: ["A", "A", "B", "C"],
            s.STARTS_AT: [at("2026-09-01 08:00", tz=zone), at("2026-09-30 20:00", tz=zone),
                          at("2026-09-15 12:00", tz=zone), at("2026-10-02 08:00", tz=zone)],
            s.ENDS_AT: [at("2026-09-01 17:00", tz=zone), at("2026-10-01 04:00", tz=zone),
                        at("2026-09-15 21:00", tz=zone), at("2026-10-02 17:00", tz=zone)],
        }
    )  # fmt: skip
    got = w.rota_figures(shifts, SEPTEMBER, SETTINGS)
    assert got == {w.SCHEDULED_HOURS: 9 + 4 + 9, w.ROTA_AGENTS: 2}  # C's shift is October's
    none = w.rota_figures(shifts.iloc[0:0], SEPTEMBER, SETTINGS)
    assert all(math.isnan(v) for v in none.values())  # no rota is not a rota of nobody


def test_figures_as_an_earlier_review_recorded_them() -> None:
    kpis = w.kpi_rows(agents(), SEPTEMBER, SETTINGS, (9,))
    extra = pd.DataFrame(
        {
            f.KPI: ["contacts", "aht_seconds", "transfer_rate", "fcr"],
            f.DIMENSION: "all",
            f.SEGMENT: "all",
            f.VALUE: [200.0, 300.0, 0.05, 0.9],
        }
    )
    figures = {w.SCHEDULED_HOURS: 50.0, w.ROTA_AGENTS: 3.0}
    got = w.stored_figures(SEPTEMBER, SETTINGS, pd.concat([kpis, extra]), figures)
    assert (got.contacts, got.scheduled_hours, got.rota_agents) == (200, 50, 3)
    assert got.hours_per_contact == 0.25
    assert (got.leavers, got.new_hires, got.headcount_end) == (1, 1, 3)
    assert got.attrition == pytest.approx(0.3)
    assert (got.aht_seconds, got.transfer_rate) == (300, 0.05)
    assert got.repeat_rate == pytest.approx(0.1)
    assert got.days == 30
    unknown = w.unrecorded(SEPTEMBER, SETTINGS)
    assert math.isnan(unknown.contacts) and math.isnan(unknown.hours_per_contact)
