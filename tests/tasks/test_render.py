"""The root-cause part of the report context: the trend of a problem in words (both
languages) and the hypotheses grouped by fishbone category."""

from __future__ import annotations

import base64
import math

import pandas as pd
import pytest

from csreview.periods import Period
from tasks import render
from tasks import root_cause as rc
from tests.tasks.test_charts import texts

AUGUST = Period("monthly", 2026, 8)
SEPTEMBER = Period("monthly", 2026, 9)


def problem(trend: str, previous: float, factor: float) -> pd.Series:
    return pd.Series(
        {
            "rank": 1, "title": "time band 20-24: service level 40.0%",
            "segment": "hour_band=20-24", "kpi": "service_level", "value": 0.4,
            "baseline": 0.9, "defects": 60, "defect_share": 0.5, "cumulative_share": 1.0,
            "priority": 18.0, "trend": trend, "target": 0.8, "base": 100,
            "previous": previous, "trend_factor": factor,
        }
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "trend", "previous", "factor", "expected"),
    [
        ("en", "worse", 0.8, 1.5, ("▼", "worse than the previous period", ["80.0% in 2026-08", "priority × 1.50"])),
        ("en", "better", 0.2, 0.75, ("▲", "better than the previous period", ["20.0% in 2026-08", "priority × 0.75"])),
        ("en", "na", math.nan, 1.0, ("—", "no earlier figure", [])),
        ("zh-CN", "worse", 0.8, 1.5, ("▼", "差于上一周期", ["2026-08 为 80.0%", "优先级 × 1.50"])),
        ("zh-CN", "no_change", 0.41, 1.0, ("—", "无显著变化", ["2026-08 为 41.0%"])),
    ],
)  # fmt: skip
def test_a_problem_trend_in_words(
    language: render.Language,
    trend: str,
    previous: float,
    factor: float,
    expected: tuple[str, str, list[str]],
) -> None:
    shown = render._problem_trend(
        problem(trend, previous, factor), AUGUST, render.Formatter(language)
    )
    assert (shown["symbol"], shown["label"], shown["details"]) == expected


def test_hypotheses_are_grouped_by_category_and_the_fishbone_skips_untestable_ones() -> None:
    causes = pd.DataFrame(
        [
            (1, "people", "junior_share", "junior agents", "not_testable", "defined by tier"),
            (1, "people", "new_hires", "new hires", "not_supported", "10% vs 9%"),
            (1, "environment", "agent_load", "contacts per agent-hour", "verified", "6.0 vs 2.0"),
        ],
        columns=["problem_rank", "category", "hypothesis_id", "label", "verdict", "evidence"],
    ).assign(verified=lambda c: (c["verdict"] == "verified").map({True: "true", False: "false"}))
    empty = pd.DataFrame(columns=list(rc.WHY_COLUMNS))
    result = rc.RootCause(pd.DataFrame([problem("na", math.nan, 1.0)]), causes, empty, empty, empty)
    shown = render._problems(result, SEPTEMBER, render.Formatter("en"))[0]
    assert [c["name"] for c in shown["categories"]] == ["people", "environment"]
    people = shown["categories"][0]["rows"]
    assert [(r["label"], r["symbol"], r["verdict_label"]) for r in people] == [
        ("junior agents", "–", "not testable"),
        ("new hires", "✗", "not supported"),
    ]
    uri = render._fishbone(result.problems.iloc[0], causes, render.Formatter("en"))
    shown_texts = texts(base64.b64decode(uri.split(",", 1)[1]).decode("utf-8"))
    assert "new hires" in shown_texts and "junior agents" not in shown_texts  # not tested
    assert "✓ contacts per agent-hour" in " ".join(shown_texts)
    assert {"people", "machine", "method", "measurement"} <= set(shown_texts)  # all six bones
