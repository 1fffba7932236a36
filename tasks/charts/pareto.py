"""The Pareto chart: each ranked problem's priority, with the cumulative share line and an
80 % mark.

It shows at a glance which few problems hold most of the excess defects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from tasks.charts.canvas import (
    BAR,
    BAR_EDGE,
    GRID,
    INK,
    MUTED,
    NO_DATA,
    message_figure,
    new_figure,
    svg_text,
)
from tasks.charts.text_fitting import as_number, wrap_text

PRIORITY: Final = "priority"
CUMULATIVE_SHARE: Final = "cumulative_share"
PARETO_LINE: Final = 80.0  # per cent: the "vital few" reference


def pareto_chart(
    problems: pd.DataFrame,
    labels: Sequence[str],
    *,
    title: str,
    axis_priority: str,
    axis_cumulative: str,
    no_data: str = NO_DATA,
) -> str:
    """Bars of each ranked problem's priority with the cumulative share line and an 80 % mark.

    The Pareto view shows at a glance which few problems hold most of the excess defects.
    """
    if len(problems) == 0:
        return svg_text(lambda: message_figure(title, no_data))
    if len(labels) != len(problems):
        raise ValueError(f"{len(labels)} labels for {len(problems)} problems")
    priority = [as_number(v) for v in problems[PRIORITY].tolist()]
    cumulative = [as_number(v) * 100 for v in problems[CUMULATIVE_SHARE].tolist()]
    names = [wrap_text(str(label), 18, 2, 36) for label in labels]
    return svg_text(
        lambda: _pareto_figure(priority, cumulative, names, title, axis_priority, axis_cumulative)
    )


def _pareto_figure(
    priority: list[float],
    cumulative: list[float],
    names: list[str],
    title: str,
    axis_priority: str,
    axis_cumulative: str,
) -> Figure:
    figure = new_figure(7.5)
    bars_axes = figure.add_subplot()
    x = np.arange(len(priority))
    bars_axes.bar(x, priority, width=0.6, color=BAR, edgecolor=BAR_EDGE, linewidth=0.8)
    bars_axes.set_xticks(x, names)
    bars_axes.set_ylabel(axis_priority)
    bars_axes.set_title(title, loc="left", fontweight="bold")
    bars_axes.yaxis.set_major_locator(MaxNLocator(5))
    bars_axes.grid(axis="y", color=GRID, linewidth=0.5)
    bars_axes.set_axisbelow(True)
    bars_axes.spines["top"].set_visible(False)

    line_axes = bars_axes.twinx()
    (line,) = line_axes.plot(
        x, cumulative, color=INK, linewidth=1.4, marker="o", markersize=4,
        markerfacecolor="white", markeredgewidth=1.2, label=axis_cumulative,
    )  # fmt: skip
    reference = line_axes.axhline(
        PARETO_LINE, color=MUTED, linewidth=0.9, linestyle=(0, (4, 3)), label="80%"
    )
    for xi, share in zip(x, cumulative, strict=True):
        if not math.isnan(share):
            line_axes.annotate(
                f"{share:.0f}%", (xi, share), xytext=(0, 6), textcoords="offset points",
                ha="center", va="bottom", fontsize=6.5, color=INK,
            )  # fmt: skip
    line_axes.set_ylim(0, 112)
    line_axes.set_yticks([0, 20, 40, 60, 80, 100])
    line_axes.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    line_axes.set_ylabel(axis_cumulative)
    line_axes.spines["top"].set_visible(False)
    bar = Rectangle((0, 0), 1, 1, facecolor=BAR, edgecolor=BAR_EDGE, linewidth=0.8)
    handles: list[Artist] = [bar, line, reference]
    figure.legend(
        handles, [axis_priority, axis_cumulative, "80%"],
        loc="outside lower center", ncols=3, frameon=False,
    )  # fmt: skip
    return figure
