"""The staffing heat map: the mean gap between agents scheduled and needed, weekday × hour.

A roster is fixed by weekday and hour; understaffed cells carry their shortfall as a number,
so the map still reads in grey.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from tasks import staffing as st
from tasks.charts.canvas import (
    INK,
    NO_DATA,
    POINTS,
    message_figure,
    new_figure,
    points_box,
    svg_text,
)
from tasks.charts.text_fitting import text_width

HEAT_CMAP: Final = "RdBu"  # red = understaffed (gap < 0), blue = overstaffed


def _weekday_hour_gap(summary: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Mean gap (scheduled − required agents) by weekday (rows, Monday first) and hour.

    The roster repeats weekly, so the week's shape shows where shifts must move; NaN = no data.
    """
    grid = np.full((7, 24), np.nan)
    if len(summary) == 0:
        return grid
    stamps = pd.DatetimeIndex(pd.to_datetime(summary[st.INTERVAL_START]))
    gaps = pd.to_numeric(summary[st.GAP], errors="coerce").to_numpy(dtype="float64")
    cells = pd.DataFrame(
        {"weekday": stamps.day_of_week.to_numpy(), "hour": stamps.hour.to_numpy(), "gap": gaps}
    ).dropna(subset=["gap"])
    means = cells.groupby(["weekday", "hour"], sort=True)["gap"].mean()
    rows = means.index.get_level_values("weekday").to_numpy(dtype="int64")
    columns = means.index.get_level_values("hour").to_numpy(dtype="int64")
    grid[rows, columns] = means.to_numpy(dtype="float64")
    return grid


def _gap_text(value: float) -> str:
    """A negative mean gap as printed in its cell: whole agents, tenths below one."""
    magnitude = abs(value)
    shown = f"{magnitude:.1f}" if magnitude < 0.95 else f"{math.floor(magnitude + 0.5):d}"
    return ("−" if value < 0 else "") + shown


def staffing_heatmap(
    summary: pd.DataFrame, *, weekday_labels: Sequence[str], title: str, no_data: str = NO_DATA
) -> str:
    """Weekday × hour heat map of the mean staffing gap, understaffed cells annotated.

    A roster is fixed by weekday and hour; the annotations keep the shortfall readable in grey.
    """
    if len(weekday_labels) != 7:
        raise ValueError(f"7 weekday labels needed, got {len(weekday_labels)}")
    grid = _weekday_hour_gap(summary)
    if np.isnan(grid).all():
        return svg_text(lambda: message_figure(title, no_data))
    return svg_text(lambda: _heatmap_figure(grid, [str(w) for w in weekday_labels], title))


def _gap_classes(largest: float) -> BoundaryNorm:
    """At most ten colour classes, symmetric around 0 so that the sign of a gap never shares
    a colour (few classes also keep the colour bar vector: matplotlib rasterises long ones)."""
    steps = [s for s in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0) if largest <= 5 * s]
    step = steps[0] if steps else float(math.ceil(largest / 5))
    reach = max(1, math.ceil(largest / step)) * step
    bounds = np.arange(-reach, reach + step / 2, step)
    return BoundaryNorm(bounds, ncolors=256)


def _heatmap_figure(grid: npt.NDArray[np.float64], weekdays: list[str], title: str) -> Figure:
    figure = new_figure(7.0, constrained=False)
    width, height = figure.get_size_inches() * POINTS
    left = 8 + max(text_width(day, 7) for day in weekdays)
    right = width - 44  # colour bar and its labels to the right
    axes = points_box(figure, left, 16, right - left, height - 16 - 24)
    colour_axes = points_box(figure, right + 8, 16, 8, height - 16 - 24)
    figure.text(4 / width, 1 - 4 / height, title, ha="left", va="top", fontsize=9,
                fontweight="bold")  # fmt: skip

    norm = _gap_classes(float(np.nanmax(np.abs(grid))))
    axes.add_patch(
        Rectangle((0, 0), 24, 7, facecolor="white", edgecolor="none", hatch="////", zorder=0)
    )  # hatched = no data
    mesh = axes.pcolormesh(
        np.arange(25), np.arange(8), np.ma.masked_invalid(grid), cmap=HEAT_CMAP, norm=norm,
        edgecolors="white", linewidth=0.6, zorder=1,
    )  # fmt: skip
    colormap = mesh.get_cmap()
    for row, column in zip(*np.nonzero(np.nan_to_num(grid, nan=0.0) < 0), strict=True):
        value = float(grid[row, column])
        red, green, blue, _alpha = colormap(norm(value))
        light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.55
        axes.text(
            column + 0.5, row + 0.5, _gap_text(value), ha="center", va="center", fontsize=6,
            color=INK if light else "white", zorder=2,
        )  # fmt: skip
    axes.set_xlim(0, 24)
    axes.set_ylim(7, 0)  # Monday on top
    axes.set_axis_off()  # labels as plain texts: cheaper than 31 tick objects
    below, beside = axes.get_xaxis_transform(), axes.get_yaxis_transform()
    for hour in range(24):
        axes.text(hour + 0.5, -0.03, f"{hour:02d}", transform=below, ha="center", va="top",
                  fontsize=7)  # fmt: skip
    for row, day in enumerate(weekdays):
        axes.text(-0.008, row + 0.5, day, transform=beside, ha="right", va="center", fontsize=7)
    bar = figure.colorbar(mesh, cax=colour_axes)
    bar.ax.tick_params(labelsize=6.5, length=2, width=0.5)
    bar.outline.set_linewidth(0.5)
    return figure
