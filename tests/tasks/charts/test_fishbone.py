"""The fishbone: categories and effect shown, verified hypotheses marked, long ones shortened."""

from __future__ import annotations

from tasks import charts as ch
from tasks.charts.fishbone import HYPOTHESIS_LIMIT, HYPOTHESIS_WIDTH, MAX_HYPOTHESES
from tests.tasks.charts.svg_reading import BRANCHES, assert_self_contained, text_nodes, texts


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
    assert sum(len(line) for line in lines) <= HYPOTHESIS_LIMIT
    assert " ".join(lines).rstrip("…") in long


def test_fishbone_wraps_chinese_without_spaces() -> None:
    text = "该细分主要由初级坐席处理缺乏辅导和产品知识培训导致问题"  # 26 characters, 52 columns
    lines = [t for t in texts(ch.fishbone_chart("效果", {"人员": [(text, True)]})) if t != "效果"]
    lines.remove("人员")
    assert len(lines) == 2 and lines[0].startswith("✓ ") and lines[1].endswith("…")
    assert all(len(line) <= HYPOTHESIS_WIDTH // 2 + 2 for line in lines)


def test_fishbone_keeps_verified_hypotheses_when_there_are_too_many() -> None:
    items = [(f"cause {i}", i == 9) for i in range(10)]
    shown = texts(ch.fishbone_chart("effect", {"method": items}))
    assert "✓ cause 9" in shown
    assert "+5" in shown
    assert sum(t.startswith("cause") for t in shown) == MAX_HYPOTHESES - 2


def test_fishbone_is_deterministic_and_empty_fishbone_says_so() -> None:
    assert ch.fishbone_chart("e", BRANCHES) == ch.fishbone_chart("e", BRANCHES)
    svg = ch.fishbone_chart("e", {}, no_data="无数据")
    assert_self_contained(svg)
    assert "无数据" in texts(svg)
