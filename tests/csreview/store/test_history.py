"""KPI history and period figures are read from the latest published run of each period."""

from __future__ import annotations

import math
from typing import Any

from csreview.store import figure_history, kpi_history, kpi_trend, record_run
from tests.csreview.store.recorded import RULES, manifest


def test_kpi_history_is_the_latest_published_run_of_a_period(url: str) -> None:
    row = {"kpi": "fcr", "dimension": "all", "segment": "all", "value": 0.7,
           "numerator": 70.0, "denominator": 100.0, "variance": None}  # fmt: skip
    record_run(url, manifest("r1", "2026-09"), RULES, [row])
    record_run(url, manifest("r2", "2026-09"), RULES, [{**row, "value": 0.75}])
    record_run(url, manifest("r3", "2026-09", "blocked"), RULES)
    assert [h["value"] for h in kpi_history(url, "default", "monthly", "2026-09")] == [0.75]
    assert kpi_history(url, "default", "monthly", "2026-08") == []


def test_kpi_trend_reads_the_overall_rows_of_several_periods(url: str) -> None:
    def row(kpi: str, value: float, dimension: str = "all") -> dict[str, Any]:
        return {"kpi": kpi, "dimension": dimension, "segment": "all", "value": value,
                "numerator": None, "denominator": None, "variance": None}  # fmt: skip

    record_run(url, manifest("r8", "2026-08"), RULES, [row("fcr", 0.7), row("nps", 30.0)])
    record_run(url, manifest("r9", "2026-09"), RULES, [row("fcr", 0.8), row("fcr", 0.1, "tier")])
    trend = kpi_trend(url, "default", "monthly", ["2026-07", "2026-08", "2026-09"], ["fcr"])
    assert trend == [
        {"period": "2026-08", "kpi": "fcr", "value": 0.7},
        {"period": "2026-09", "kpi": "fcr", "value": 0.8},
    ]


def test_period_figures_are_the_latest_published_runs(url: str) -> None:
    record_run(url, manifest("r1", "2026-09"), RULES, figures={"scheduled_agent_hours": 300.0})
    record_run(
        url,
        manifest("r2", "2026-09"),
        RULES,
        figures={"scheduled_agent_hours": 310.5, "rota_agents": 12.0},
    )
    record_run(url, manifest("r3", "2026-09", "blocked"), RULES, figures={"rota_agents": 1.0})
    got = figure_history(url, "default", "monthly", "2026-09")
    assert got == {"scheduled_agent_hours": 310.5, "rota_agents": 12.0}
    assert figure_history(url, "default", "monthly", "2026-08") == {}  # never reviewed


def test_an_unknown_figure_is_kept_as_unknown(url: str) -> None:
    record_run(url, manifest("r1", "2026-09"), RULES, figures={"rota_agents": math.nan})
    got = figure_history(url, "default", "monthly", "2026-09")
    assert list(got) == ["rota_agents"] and math.isnan(got["rota_agents"])
