"""Charts: the review's figures as self-contained SVG text (Pareto, fishbone, staffing, trends).

SVG keeps the printed report sharp, its text searchable and Chinese labels rendered by the
reader's fonts; every chart stays legible in grey (markers, hatching, annotations, ✓ marks).
Callers pass display-ready (translated, shortened, masked) labels; nothing here reads files.
Every text is drawn as written: no math mode, no control or bidirectional character.
"""

from __future__ import annotations

import io
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

import matplotlib
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.typing import RcKeyType

from csreview.personal_data import strip_invisible
from tasks import staffing as st

# ---------------------------------------------------------------- page and style
CM: Final = 1 / 2.54  # inches
WIDTH: Final = 17 * CM  # A4 (21 cm) less 2 cm margins each side
POINTS: Final = 72.0  # SVG user units per inch
FONTS: Final = ("Noto Sans CJK SC", "DejaVu Sans")  # CJK first; DejaVu for symbols it lacks
NO_DATA: Final = "No data"

PRIORITY: Final = "priority"
CUMULATIVE_SHARE: Final = "cumulative_share"
PARETO_LINE: Final = 80.0  # per cent: the "vital few" reference

INK: Final = "#1a1a1a"
MUTED: Final = "#595959"  # unverified hypotheses: grey but still readable when printed
BAR: Final = "#9fb6d3"
BAR_EDGE: Final = "#2b4a6f"
GRID: Final = "#d9d9d9"
HEAT_CMAP: Final = "RdBu"  # red = understaffed (gap < 0), blue = overstaffed

_RC: Final[dict[RcKeyType, Any]] = {
    "svg.fonttype": "none",  # text stays <text>: sharp, searchable, any script
    "svg.hashsalt": "csreview-charts",  # fixed ids: byte-identical output for equal input
    "svg.image_inline": True,
    "font.family": list(FONTS),
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
    "axes.unicode_minus": True,
    "axes.edgecolor": "#404040",
    "axes.linewidth": 0.6,
    "hatch.linewidth": 0.5,
    "hatch.color": "#bfbfbf",
    "path.simplify": False,
    # data text is text: `$…$` is no formula (a category `$\x138…$` must not end the run)
    "text.usetex": False,
    "text.parse_math": False,
}
_METADATA: Final = {"Date": None, "Creator": None, "Format": None, "Type": None}
_DOCTYPE: Final = re.compile(r"<!DOCTYPE[^>]*>\s*")
_LOCK: Final = threading.Lock()  # rc_context swaps global rcParams: one chart at a time


@contextmanager
def _style() -> Iterator[None]:
    with _LOCK, matplotlib.rc_context(_RC):
        yield


def _svg(draw: Callable[[], Figure]) -> str:
    """The figure `draw` builds, saved as SVG text without external references.

    Printed by the SVG canvas itself: `savefig` draws a figure with a layout engine twice
    (once only to lay it out), the canvas once, laying it out as it draws."""
    with _style():
        figure = draw()
        # no control character reaches the SVG's XML (tick labels are made as they are
        # drawn: theirs are stripped by `_wrap`)
        for text in figure.findobj(Text):
            text.set_text(strip_invisible(text.get_text(), keep_breaks=True))
        buffer = io.StringIO()
        FigureCanvasSVG(figure).print_svg(buffer, metadata=_METADATA)  # type: ignore[no-untyped-call]
    return _DOCTYPE.sub("", buffer.getvalue(), count=1)


def _figure(height_cm: float, *, constrained: bool = True) -> Figure:
    return Figure(
        figsize=(WIDTH, height_cm * CM),
        layout="constrained" if constrained else None,
        facecolor="white",
    )


def _message_figure(title: str, message: str) -> Figure:
    figure = _figure(3.0, constrained=False)
    if title:
        figure.text(0.01, 0.92, title, ha="left", va="top", fontsize=9, fontweight="bold")
    figure.text(0.5, 0.42, message, ha="center", va="center", fontsize=9, color=MUTED)
    return figure


# ---------------------------------------------------------------- text fitting
def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _columns(text: str) -> int:
    """Display width: CJK characters count two columns, others one."""
    return sum(2 if _wide(c) else 1 for c in text)


def _head(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` columns."""
    used = 0
    for i, char in enumerate(text):
        used += _columns(char)
        if used > limit:
            return text[:i]
    return text


def _cut(text: str, limit: int) -> str:
    """`text` within `limit` columns, ending in "…" when shortened."""
    if _columns(text) <= limit:
        return text
    return _head(text, limit - 1).rstrip() + "…"


def _tokens(text: str) -> list[tuple[bool, str]]:
    """Words and single CJK characters (both break points), each with "space before"."""
    out: list[tuple[bool, str]] = []
    spaced, word = False, ""
    for char in text:
        if char.isspace() or _wide(char):
            if word:
                out.append((spaced, word))
                spaced, word = False, ""
            if char.isspace():
                spaced = True
            else:
                out.append((spaced, char))
                spaced = False
        else:
            word += char
    if word:
        out.append((spaced, word))
    return out


def _wrap(text: str, width: int, max_lines: int, limit: int | None = None) -> str:
    """`text` wrapped at `width` columns on at most `max_lines` lines (cut to `limit`)."""
    flat = " ".join(strip_invisible(text).split())
    if limit is not None:
        flat = _cut(flat, limit)
    lines: list[str] = []
    line = ""
    for spaced, token in _tokens(flat):
        piece = token
        while _columns(piece) > width:  # a word longer than a line is split
            head = _head(piece, width) or piece[0]
            if line:
                lines.append(line)
            lines.append(head)
            line, piece, spaced = "", piece[len(head) :], False
        candidate = line + (" " if spaced and line else "") + piece
        if line and _columns(candidate) > width:
            lines.append(line)
            line = piece
        else:
            line = candidate
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        last = _head(lines[max_lines - 1], width - 1).rstrip(" …") + "…"
        lines = [*lines[: max_lines - 1], last]
    return "\n".join(lines)


def _number(value: Any) -> float:
    """A value as float; NaN for None/NA, infinities and text that is not a number."""
    if value is None or pd.isna(value):
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


# ---------------------------------------------------------------- Pareto
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
        return _svg(lambda: _message_figure(title, no_data))
    if len(labels) != len(problems):
        raise ValueError(f"{len(labels)} labels for {len(problems)} problems")
    priority = [_number(v) for v in problems[PRIORITY].tolist()]
    cumulative = [_number(v) * 100 for v in problems[CUMULATIVE_SHARE].tolist()]
    names = [_wrap(str(label), 18, 2, 36) for label in labels]
    return _svg(
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
    figure = _figure(7.5)
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


# ---------------------------------------------------------------- fishbone
HYPOTHESIS_LIMIT: Final = 40  # columns (a CJK character counts two)
HYPOTHESIS_WIDTH: Final = 22  # columns per line
MAX_HYPOTHESES: Final = 6  # per bone; more are summarised as "+n"
_PITCH: Final = 24.0  # points per hypothesis along a bone
_EFFECT_WIDTH: Final = 104.0  # points


def fishbone_chart(
    effect: str, branches: Mapping[str, Sequence[tuple[str, bool]]], *, no_data: str = NO_DATA
) -> str:
    """An Ishikawa diagram: category bones into a spine ending at the effect, with hypotheses.

    It shows which of the 6M causes were tested and which the data verified (bold and ✓).
    """
    if not branches:
        return _svg(lambda: _message_figure(effect, no_data))
    bones = [(str(name), _hypothesis_labels(items)) for name, items in branches.items()]
    return _svg(lambda: _fishbone_figure(effect, bones))


def _hypothesis_labels(items: Sequence[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Display texts (✓ on verified ones), verified first when some must be left out."""
    entries = [(str(text), bool(verified)) for text, verified in items]
    if len(entries) > MAX_HYPOTHESES:
        ranked = sorted(entries, key=lambda entry: not entry[1])
        hidden = len(entries) - (MAX_HYPOTHESES - 1)
        entries = [*ranked[: MAX_HYPOTHESES - 1], (f"+{hidden}", False)]
    out = []
    for text, verified in entries:
        shown = ("✓ " + text) if verified else text
        out.append((_wrap(shown, HYPOTHESIS_WIDTH, 2, HYPOTHESIS_LIMIT), verified))
    return out


def _fishbone_figure(effect: str, bones: list[tuple[str, list[tuple[str, bool]]]]) -> Figure:
    width = WIDTH * POINTS
    deepest = max(3, *(len(items) for _, items in bones))
    half = deepest * _PITCH + 20  # bone height above (below) the spine
    height = 2 * (half + 26) + 6
    figure = Figure(figsize=(WIDTH, height / POINTS), facecolor="white")
    axes = figure.add_axes((0, 0, 1, 1))  # one data unit = one point
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_axis_off()
    spine_y = height / 2

    box_left = width - _EFFECT_WIDTH - 4
    effect_text = _wrap(effect, 18, 5, 90)
    box_height = max(40.0, effect_text.count("\n") * 11.5 + 26)
    axes.add_patch(
        FancyBboxPatch(
            (box_left, spine_y - box_height / 2), _EFFECT_WIDTH, box_height,
            boxstyle="round,pad=0,rounding_size=6", facecolor="white", edgecolor=INK,
            linewidth=1.3,
        )
    )  # fmt: skip
    axes.text(
        box_left + _EFFECT_WIDTH / 2, spine_y, effect_text, ha="center", va="center",
        fontsize=8.5, fontweight="bold", color=INK, linespacing=1.2,
    )  # fmt: skip
    axes.annotate(
        "", xy=(box_left, spine_y), xytext=(6, spine_y),
        arrowprops={"arrowstyle": "-|>", "color": INK, "linewidth": 2.0, "mutation_scale": 14,
                    "shrinkA": 0, "shrinkB": 0},
    )  # fmt: skip

    top = bones[: math.ceil(len(bones) / 2)]
    bottom = bones[len(top) :]
    per_side = max(len(top), len(bottom))
    slant = 0.3 * half
    spacing = (box_left - 8 - slant) / per_side
    for side, row in ((1, top), (-1, bottom)):
        for j, (name, items) in enumerate(row):
            attach = box_left - 14 - (per_side - 1 - j) * spacing
            _bone(axes, attach, spine_y, side, half, slant, name, items)
    return figure


def _bone(
    axes: Any,
    attach: float,
    spine_y: float,
    side: int,
    half: float,
    slant: float,
    name: str,
    items: list[tuple[str, bool]],
) -> None:
    """One category bone from the spine outwards, its name at the end, hypotheses along it."""
    end_x, end_y = attach - slant, spine_y + side * half
    axes.plot([attach, end_x], [spine_y, end_y], color=INK, linewidth=1.3, solid_capstyle="butt")
    axes.text(
        end_x, end_y + side * 3, _wrap(name, 20, 2, 40), ha="center",
        va="bottom" if side > 0 else "top", fontsize=8, fontweight="bold", color=INK,
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "#ececec", "edgecolor": INK,
              "linewidth": 0.8},
    )  # fmt: skip
    for i, (text, verified) in enumerate(items):  # first hypothesis next to the name
        distance = half - 12 - (i + 0.5) * _PITCH
        y = spine_y + side * distance
        x = attach - slant * distance / half
        axes.plot([x - 8, x], [y, y], color=INK if verified else MUTED, linewidth=0.8)
        axes.text(
            x - 10, y, text, ha="right", va="center", fontsize=7, linespacing=1.1,
            fontweight="bold" if verified else "normal", color=INK if verified else MUTED,
        )  # fmt: skip


# ---------------------------------------------------------------- staffing heat map
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
        return _svg(lambda: _message_figure(title, no_data))
    return _svg(lambda: _heatmap_figure(grid, [str(w) for w in weekday_labels], title))


def _text_width(text: str, size: float) -> float:
    """A generous estimate of a one-line label's width in points (for fixed layouts)."""
    return max((_columns(line) for line in text.split("\n")), default=0) * 0.62 * size


def _points_box(figure: Figure, left: float, bottom: float, width: float, height: float) -> Any:
    """Axes placed in points from the figure's lower left corner (no layout engine: fast)."""
    fig_width, fig_height = figure.get_size_inches() * POINTS
    return figure.add_axes(
        (left / fig_width, bottom / fig_height, width / fig_width, height / fig_height)
    )


def _gap_classes(largest: float) -> BoundaryNorm:
    """At most ten colour classes, symmetric around 0 so that the sign of a gap never shares
    a colour (few classes also keep the colour bar vector: matplotlib rasterises long ones)."""
    steps = [s for s in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0) if largest <= 5 * s]
    step = steps[0] if steps else float(math.ceil(largest / 5))
    reach = max(1, math.ceil(largest / step)) * step
    bounds = np.arange(-reach, reach + step / 2, step)
    return BoundaryNorm(bounds, ncolors=256)


def _heatmap_figure(grid: npt.NDArray[np.float64], weekdays: list[str], title: str) -> Figure:
    figure = _figure(7.0, constrained=False)
    width, height = figure.get_size_inches() * POINTS
    left = 8 + max(_text_width(day, 7) for day in weekdays)
    right = width - 44  # colour bar and its labels to the right
    axes = _points_box(figure, left, 16, right - left, height - 16 - 24)
    colour_axes = _points_box(figure, right + 8, 16, 8, height - 16 - 24)
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


# ---------------------------------------------------------------- trends
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
        (str(label), [(str(period), _number(value)) for period, value in points])
        for label, points in trend.items()
    ]
    if not any(not math.isnan(v) for _, points in series for _, v in points):
        return _svg(lambda: _message_figure(title, no_data))
    return _svg(lambda: _trend_figure(series, title, no_data))


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
    below = max((_text_width(periods[i], 6.5) for i in shown), default=0) * 0.5 + 12
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
            max((_text_width(text, 6.5) for text in tick_labels), default=0) + 10,
            _text_width(periods[0], 6.5) * 0.87 - 6,  # the first slanted period label
        )
        panel = _points_box(
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
        panel.set_title(_wrap(label, 34, 1), loc="left", fontsize=8, pad=4)
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
