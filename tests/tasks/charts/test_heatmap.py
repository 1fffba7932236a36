"""The staffing heat map: local weekday and hour, understaffed cells annotated, no data empty."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tasks import charts as ch
from tasks.charts.heatmap import _weekday_hour_gap
from tests.tasks.charts.svg_reading import (
    TINY_SUMMARY,
    WEEKDAYS_ZH,
    assert_self_contained,
    filled_cells,
    summary_frame,
    text_nodes,
    texts,
)


def test_heatmap_averages_local_weekday_and_hour() -> None:
    grid = _weekday_hour_gap(TINY_SUMMARY)
    assert grid.shape == (7, 24)
    assert grid[0, 9] == -3.0 and grid[1, 10] == 2.0 and grid[3, 1] == -0.25
    assert np.count_nonzero(~np.isnan(grid)) == 3


def test_heatmap_annotates_understaffed_cells_and_leaves_no_data_empty() -> None:
    before = TINY_SUMMARY.copy()
    svg = ch.staffing_heatmap(TINY_SUMMARY, weekday_labels=WEEKDAYS_ZH, title="排班缺口")
    pd.testing.assert_frame_equal(TINY_SUMMARY, before)
    assert_self_contained(svg)
    shown = texts(svg)
    assert "排班缺口" in shown and set(WEEKDAYS_ZH) <= set(shown)
    assert {f"{h:02d}" for h in range(24)} <= set(shown)
    annotations = [n for n in text_nodes(svg) if "font-size: 6px" in n.get("style", "")]
    assert sorted("".join(n.itertext()) for n in annotations) == ["−0.2", "−3"]
    assert filled_cells(svg) == 3


def test_heatmap_is_deterministic() -> None:
    first = ch.staffing_heatmap(TINY_SUMMARY, weekday_labels=WEEKDAYS_ZH, title="t")
    assert first == ch.staffing_heatmap(TINY_SUMMARY, weekday_labels=WEEKDAYS_ZH, title="t")


@pytest.mark.parametrize(
    "summary",
    [summary_frame([]), summary_frame([("2026-10-05 09:00", math.nan)])],
    ids=["no rows", "no known gap"],
)
def test_heatmap_without_data_says_so(summary: pd.DataFrame) -> None:
    svg = ch.staffing_heatmap(
        summary, weekday_labels=WEEKDAYS_ZH, title="t", no_data="无排班数据。"
    )
    assert_self_contained(svg)
    assert "无排班数据。" in texts(svg)


def test_heatmap_needs_seven_weekday_labels() -> None:
    with pytest.raises(ValueError, match="7 weekday labels"):
        ch.staffing_heatmap(TINY_SUMMARY, weekday_labels=WEEKDAYS_ZH[:5], title="t")
