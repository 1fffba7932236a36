"""Trends: one panel per KPI, periods ordered across series, gaps left open."""

from __future__ import annotations

from tasks import charts as ch
from tasks.charts.trends import _periods
from tests.tasks.charts.svg_reading import TREND, assert_self_contained, texts


def test_trend_panels_show_labels_and_periods_with_gaps() -> None:
    svg = ch.trend_chart(TREND, title="趋势")
    assert_self_contained(svg)
    shown = texts(svg)
    for label in ("趋势", "服务水平", "CSAT", "2026-08", "2026-10"):
        assert label in shown
    assert svg == ch.trend_chart(TREND, title="趋势")


def test_trend_orders_periods_across_series() -> None:
    trend = {"a": [("2026-09", 1.0), ("2026-10", 2.0)], "b": [("2026-08", 1.0), ("2026-09", 3.0)]}
    series = [(k, [(p, float(v)) for p, v in points]) for k, points in trend.items()]
    assert _periods(series) == ["2026-08", "2026-09", "2026-10"]


def test_trend_panel_without_values_says_so_and_empty_trend_too() -> None:
    svg = ch.trend_chart({"NPS": [("2026-10", None)], "CSAT": [("2026-10", 4.0)]}, title="t")
    assert "No data" in texts(svg)
    for empty in ({}, {"NPS": []}, {"NPS": [("2026-10", None)]}):
        svg = ch.trend_chart(empty, title="t", no_data="无数据")
        assert_self_contained(svg)
        assert "无数据" in texts(svg)
