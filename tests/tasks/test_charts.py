"""Report charts as SVG text: labels stay searchable text (Chinese included), verified causes
carry a ✓, nothing is fetched from outside, equal input gives equal bytes, and empty input
gives a chart with a message instead of an error."""

from __future__ import annotations

import math
import re
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from tasks import charts as ch
from tasks import root_cause as rc
from tasks import staffing as st
from tests.conftest import ZONE

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


# ---------------------------------------------------------------- helpers
def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(svg: str) -> list[str]:
    """The text of every <text> element (matplotlib writes one element per line)."""
    return ["".join(node.itertext()) for node in parse(svg).iter(f"{SVG}text")]


def text_nodes(svg: str) -> list[ET.Element]:
    return list(parse(svg).iter(f"{SVG}text"))


def joined(svg: str) -> str:
    return "\n".join(texts(svg))


def assert_self_contained(svg: str) -> None:
    root = parse(svg)
    assert "<!DOCTYPE" not in svg
    assert set(re.findall(r"https?://[^\s\"'<>]+", svg)) <= NAMESPACES
    for node in root.iter():
        assert node.tag != f"{SVG}image", "charts are vector only"
        for name, value in node.attrib.items():
            if name.endswith("href"):
                assert value.startswith("#"), value
    width = root.attrib["width"]
    assert width.endswith("pt") and float(width[:-2]) / 72 * 2.54 <= 17.01


def problems_frame(priority: list[float], cumulative: list[float]) -> pd.DataFrame:
    n = len(priority)
    return pd.DataFrame(
        {
            "rank": list(range(1, n + 1)),
            "title": [f"problem {i}" for i in range(1, n + 1)],
            "segment": [f"channel=phone{i}" for i in range(1, n + 1)],
            "kpi": ["service_level"] * n,
            "value": [0.6] * n,
            "baseline": [0.8] * n,
            "defects": [10 * (n - i) for i in range(n)],
            "defect_share": [0.2] * n,
            "cumulative_share": cumulative,
            "priority": priority,
            "trend": ["na"] * n,
        }
    ).loc[:, list(rc.PROBLEM_COLUMNS)]


def summary_frame(rows: list[tuple[str, float]]) -> pd.DataFrame:
    starts = pd.to_datetime([start for start, _ in rows]).tz_localize(ZONE)
    gaps = [gap for _, gap in rows]
    return pd.DataFrame(
        {
            st.INTERVAL_START: starts,
            st.CONTACTS: [10] * len(rows),
            st.REQUIRED_AGENTS: [5.0] * len(rows),
            st.SCHEDULED_AGENTS: [5.0 + g for g in gaps],
            st.GAP: gaps,
            st.UNDERSTAFFED: [g < 0 for g in gaps],
        }
    ).loc[:, list(st.SUMMARY_COLUMNS)]


def filled_cells(svg: str) -> int:
    mesh = next(g for g in parse(svg).iter(f"{SVG}g") if g.get("id", "").startswith("QuadMesh"))
    return sum("fill: none" not in p.get("style", "") for p in mesh.iter(f"{SVG}path"))


PROBLEMS = problems_frame([120.0, 80.0, 30.0], [0.5, 0.83, 1.0])
BRANCHES = {
    "人员": [("The segment is handled mostly by junior agents", True)],
    "machine": [("Systems slow handling", False)],
    "material": [("Knowledge is missing", False), ("知识库缺少答案", True)],
    "method": [("Routing transfers", True)],
    "环境": [("排班人数不足", False)],
    "measurement": [],
}
TREND = {
    "服务水平": [("2026-08", 0.8), ("2026-09", None), ("2026-10", 0.72)],
    "CSAT": [("2026-08", 4.2), ("2026-09", float("nan")), ("2026-10", 4.4)],
}


def pareto(problems: pd.DataFrame = PROBLEMS, labels: tuple[str, ...] = ("1", "账单", "3")) -> str:
    return ch.pareto_chart(
        problems, labels, title="帕累托图", axis_priority="优先级", axis_cumulative="累计占比"
    )


# ---------------------------------------------------------------- Pareto
def test_pareto_labels_axes_and_reference_line_are_text() -> None:
    svg = pareto()
    assert_self_contained(svg)
    shown = texts(svg)
    for label in ("1", "账单", "3", "帕累托图", "优先级", "累计占比", "80%"):
        assert label in shown
    assert {"50%", "83%", "100%"} <= set(shown)  # the cumulative line's points are labelled


def test_pareto_is_deterministic_and_leaves_its_input_alone() -> None:
    before = PROBLEMS.copy()
    assert pareto() == pareto()
    pd.testing.assert_frame_equal(PROBLEMS, before)


def test_pareto_without_problems_says_so() -> None:
    svg = ch.pareto_chart(
        PROBLEMS.iloc[:0], [], title="Pareto", axis_priority="p", axis_cumulative="c",
        no_data="无数据",
    )  # fmt: skip
    assert_self_contained(svg)
    assert texts(svg) == ["Pareto", "无数据"]


def test_pareto_needs_one_label_per_problem() -> None:
    with pytest.raises(ValueError, match="labels"):
        pareto(labels=("1", "2"))


HOSTILE_LABELS = (
    ("$\\x13800138000$", "$\\x13800138000$"),  # math syntax: shown as written
    ("$x^2$ \\frac{a}{b}", "$x^2$ \\frac{a}{b}"),
    ("bill\x00ing\x13", "billing"),  # control characters: not valid XML
    ("\u202ecba\u202c", "cba"),  # bidirectional override
    ("a\u200bb\ufeffc", "abc"),
)


@pytest.mark.parametrize(("label", "shown"), HOSTILE_LABELS)
def test_hostile_labels_are_drawn_as_plain_text(label: str, shown: str) -> None:
    for svg in (
        pareto(labels=("1", label, "3")),
        ch.fishbone_chart(label, {label: [(label, True)]}),
        ch.trend_chart({label: [("2026-08", 0.5)]}, title=label),
    ):
        assert_self_contained(svg)
        assert shown in joined(svg).replace("✓ ", "")  # literal text, not typeset math
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u200b\u202a-\u202e]", svg)


# ---------------------------------------------------------------- fishbone
def test_fishbone_shows_categories_effect_and_marks_verified_hypotheses() -> None:
    svg = ch.fishbone_chart("服务水平低于目标", BRANCHES)
    assert_self_contained(svg)
    shown = texts(svg)
    for category in BRANCHES:
        assert category in shown
    assert "服务水平低于目标" in shown
    verified = [t for t in shown if t.startswith("✓ ")]
    assert {"✓ 知识库缺少答案", "✓ Routing transfers"} <= set(verified)
    assert any(t.startswith("✓ The segment is") for t in verified)
    assert "Systems slow handling" in shown and "排班人数不足" in shown  # no ✓ on these
    assert not any("✓" in t for t in ("Systems slow handling", "排班人数不足"))
    styles = {"".join(n.itertext()): n.get("style", "") for n in text_nodes(svg)}
    assert "font-weight: 700" in styles["✓ Routing transfers"]
    assert "font-weight" not in styles["Systems slow handling"]


def test_fishbone_shortens_long_hypotheses_to_two_lines() -> None:
    long = "Customers of the segment must contact again: information or knowledge is missing"
    svg = ch.fishbone_chart("effect", {"material": [(long, False)]})
    lines = [t for t in texts(svg) if t not in ("effect", "material")]
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert sum(len(line) for line in lines) <= ch.HYPOTHESIS_LIMIT
    assert " ".join(lines).rstrip("…") in long


def test_fishbone_wraps_chinese_without_spaces() -> None:
    text = "该细分主要由初级坐席处理缺乏辅导和产品知识培训导致问题"  # 26 characters, 52 columns
    lines = [t for t in texts(ch.fishbone_chart("效果", {"人员": [(text, True)]})) if t != "效果"]
    lines.remove("人员")
    assert len(lines) == 2 and lines[0].startswith("✓ ") and lines[1].endswith("…")
    assert all(len(line) <= ch.HYPOTHESIS_WIDTH // 2 + 2 for line in lines)


def test_fishbone_keeps_verified_hypotheses_when_there_are_too_many() -> None:
    items = [(f"cause {i}", i == 9) for i in range(10)]
    shown = texts(ch.fishbone_chart("effect", {"method": items}))
    assert "✓ cause 9" in shown
    assert "+5" in shown
    assert sum(t.startswith("cause") for t in shown) == ch.MAX_HYPOTHESES - 2


def test_fishbone_is_deterministic_and_empty_fishbone_says_so() -> None:
    assert ch.fishbone_chart("e", BRANCHES) == ch.fishbone_chart("e", BRANCHES)
    svg = ch.fishbone_chart("e", {}, no_data="无数据")
    assert_self_contained(svg)
    assert "无数据" in texts(svg)


# ---------------------------------------------------------------- staffing heat map
TINY_SUMMARY = summary_frame(
    [
        ("2026-10-05 09:00", -2.0),  # Monday 09: mean of −2 and −4 is −3
        ("2026-10-12 09:30", -4.0),
        ("2026-10-06 10:00", 2.0),  # Tuesday 10: overstaffed, not annotated
        ("2026-10-07 11:00", math.nan),  # unknown need: no cell
        ("2026-10-08 01:00", -0.25),  # Thursday 01 local time (Wednesday 17:00 UTC)
    ]
)


def test_heatmap_averages_local_weekday_and_hour() -> None:
    grid = ch._weekday_hour_gap(TINY_SUMMARY)
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


# ---------------------------------------------------------------- trends
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
    assert ch._periods(series) == ["2026-08", "2026-09", "2026-10"]


def test_trend_panel_without_values_says_so_and_empty_trend_too() -> None:
    svg = ch.trend_chart({"NPS": [("2026-10", None)], "CSAT": [("2026-10", 4.0)]}, title="t")
    assert "No data" in texts(svg)
    for empty in ({}, {"NPS": []}, {"NPS": [("2026-10", None)]}):
        svg = ch.trend_chart(empty, title="t", no_data="无数据")
        assert_self_contained(svg)
        assert "无数据" in texts(svg)


# ---------------------------------------------------------------- speed and threads
def month_of_intervals() -> pd.DataFrame:
    starts = pd.date_range("2026-10-01", periods=31 * 48, freq="30min", tz=ZONE)
    gaps = np.sin(np.arange(len(starts)) / 7.0) * 3
    return summary_frame(
        [(str(t.tz_localize(None)), float(g)) for t, g in zip(starts, gaps, strict=True)]
    )


def test_charts_are_fast_enough_for_a_month() -> None:
    summary = month_of_intervals()
    problems = problems_frame([50.0, 40, 30, 20, 10], [0.33, 0.6, 0.8, 0.93, 1.0])
    labels = ("1", "2", "3", "4", "5")
    charts = [
        lambda: ch.staffing_heatmap(summary, weekday_labels=WEEKDAYS_ZH, title="t"),
        lambda: ch.pareto_chart(
            problems, labels, title="t", axis_priority="p", axis_cumulative="c"
        ),
        lambda: ch.fishbone_chart("e", BRANCHES),
    ]
    for chart in charts:
        chart()  # fonts loaded once per process
        started = time.perf_counter()
        chart()
        assert time.perf_counter() - started < 1.0  # ~0.1 s measured; slack for busy machines


def test_concurrent_charts_match_sequential_ones() -> None:
    jobs = [
        lambda: ch.fishbone_chart("e", BRANCHES),
        lambda: ch.trend_chart(TREND, title="t"),
        lambda: pareto(),
        lambda: ch.staffing_heatmap(TINY_SUMMARY, weekday_labels=WEEKDAYS_ZH, title="t"),
    ] * 2
    expected = [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda job: job(), jobs)) == expected
