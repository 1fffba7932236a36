"""Reading the charts' SVG text, and the frames they are drawn from, for the chart tests."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pandas as pd

from tasks import charts as ch
from tasks import root_cause as rc
from tasks import staffing as st
from tests.conftest import ZONE

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


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


TINY_SUMMARY = summary_frame(
    [
        ("2026-10-05 09:00", -2.0),  # Monday 09: mean of −2 and −4 is −3
        ("2026-10-12 09:30", -4.0),
        ("2026-10-06 10:00", 2.0),  # Tuesday 10: overstaffed, not annotated
        ("2026-10-07 11:00", math.nan),  # unknown need: no cell
        ("2026-10-08 01:00", -0.25),  # Thursday 01 local time (Wednesday 17:00 UTC)
    ]
)
