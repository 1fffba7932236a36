"""The Pareto chart: labels, axes and the 80 % line are text; hostile labels stay plain text."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tasks import charts as ch
from tests.tasks.charts.svg_reading import PROBLEMS, assert_self_contained, joined, pareto, texts


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
