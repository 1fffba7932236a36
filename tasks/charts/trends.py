"""The trend chart: small multiples of KPI values over the periods, one panel per KPI.

KPIs have different units and scales, so each gets its own axis; missing periods stay gaps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tasks.charts.canvas import (
    GRID,
    INK,
    MUTED,
    NO_DATA,
    POINTS,
    WIDTH,
    message_figure,
    points_box,
    svg_text,
)
from tasks.charts.text_fitting import as_number, text_width, wrap_text


def trend_chart(
    trend: Mapping[str, Sequence[tuple[str, float | None]]],
    *,
    title: str,
    no_data: str = NO_DATA,
) -> str:
    """Small multiples of KPI values over the periods, one panel per KPI, gaps left open.

    KPIs have different units and scales, so each gets its own axis rather than sharing one.
    """
    series = [
        (str(label), [(str(period), as_number(value)) for period, value in points])
        for label, points in trend.items()
    ]
    if not any(not math.isnan(v) for _, points in series for _, v in points):
        return svg_text(lambda: message_figure(title, no_data))
    return svg_text(lambda: _trend_figure(series, title, no_data))


def _periods(series: list[tuple[str, list[tuple[str, float]]]]) -> list[str]:
    """All period labels in order: each series' order kept, new ones placed before the next
    period of that series already known (so a longer series fills in earlier months)."""
    merged: list[str] = []
    for _, points in series:
        own = [period for period, _ in points]
        for i, period in enumerate(own):
            if period in merged:
                continue
            later = [merged.index(p) for p in own[i + 1 :] if p in merged]
            merged.insert(later[0] if later else len(merged), period)
    return merged


def _value_ticks(values: list[float]) -> tuple[list[float], list[str]]:
    """Round tick values spanning the data (3–5 of them), with labels of equal decimals."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return [], []
    low, high = min(finite), max(finite)
    if high == low:
        pad = abs(low) * 0.05 or 1.0
        low, high = low - pad, high + pad
    ticks = [float(t) for t in MaxNLocator(4).tick_values(low, high)]
    tolerance = (high - low) * 1e-9
    first = max((t for t in ticks if t <= low + tolerance), default=ticks[0])
    last = min((t for t in ticks if t >= high - tolerance), default=ticks[-1])
    ticks = [t for t in ticks if first <= t <= last]
    step = ticks[1] - ticks[0]
    decimals = next((d for d in range(9) if abs(round(step, d) - step) <= step * 1e-6), 9)
    labels = [f"{t:,.{decimals}f}".replace("-", "−") for t in ticks]
    return ticks, labels


def _trend_figure(
    series: list[tuple[str, list[tuple[str, float]]]], title: str, no_data: str
) -> Figure:
    periods = _periods(series)
    position = {period: i for i, period in enumerate(periods)}
    step = max(1, math.ceil(len(periods) / 6))
    shown = list(range(len(periods) - 1, -1, -step))[::-1]  # the latest period always named
    below = max((text_width(periods[i], 6.5) for i in shown), default=0) * 0.5 + 12
    columns = min(3, len(series))
    rows = math.ceil(len(series) / columns)
    cell_height = 84 + below + 16
    figure = Figure(figsize=(WIDTH, (22 + rows * cell_height) / POINTS), facecolor="white")
    width, height = figure.get_size_inches() * POINTS
    figure.text(4 / width, 1 - 4 / height, title, ha="left", va="top", fontsize=9,
                fontweight="bold")  # fmt: skip
    cell_width = (width - 4) / columns
    for n, (label, points) in enumerate(series):
        row, column = divmod(n, columns)
        values = [value for _, value in points]
        ticks, tick_labels = _value_ticks(values)
        left = max(
            max((text_width(text, 6.5) for text in tick_labels), default=0) + 10,
            text_width(periods[0], 6.5) * 0.87 - 6,  # the first slanted period label
        )
        panel = points_box(
            figure,
            4 + column * cell_width + left,
            height - 22 - (row + 1) * cell_height + below,
            cell_width - left - 12,
            cell_height - below - 16,
        )
        panel.plot(
            [position[period] for period, _ in points], values, color=INK, linewidth=1.2,
            marker="o", markersize=3, clip_on=False,
        )  # fmt: skip
        panel.set_title(wrap_text(label, 34, 1), loc="left", fontsize=8, pad=4)
        panel.set_xlim(-0.5, max(len(periods) - 0.5, 0.5))
        panel.set_xticks(shown, [periods[i] for i in shown], rotation=30, ha="right")
        panel.tick_params(labelsize=6.5, length=2.5, width=0.5, pad=2)
        panel.spines[["top", "right"]].set_visible(False)
        if ticks:
            panel.set_ylim(ticks[0], ticks[-1])
            panel.set_yticks(ticks, tick_labels)
            panel.grid(axis="y", color=GRID, linewidth=0.5)
            panel.set_axisbelow(True)
        else:
            panel.set_yticks([])
            panel.text(0.5, 0.5, no_data, transform=panel.transAxes, ha="center",
                       va="center", fontsize=7, color=MUTED)  # fmt: skip
    return figure
