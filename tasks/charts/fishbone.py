"""The fishbone (Ishikawa) diagram: category bones into a spine ending at the effect, with
their hypotheses.

It shows which of the 6M causes were tested and which the data verified (bold and ✓).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from tasks.charts.canvas import (
    INK,
    MUTED,
    NO_DATA,
    POINTS,
    WIDTH,
    message_figure,
    svg_text,
)
from tasks.charts.text_fitting import wrap_text

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
        return svg_text(lambda: message_figure(effect, no_data))
    bones = [(str(name), _hypothesis_labels(items)) for name, items in branches.items()]
    return svg_text(lambda: _fishbone_figure(effect, bones))


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
        out.append((wrap_text(shown, HYPOTHESIS_WIDTH, 2, HYPOTHESIS_LIMIT), verified))
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
    effect_text = wrap_text(effect, 18, 5, 90)
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
        end_x, end_y + side * 3, wrap_text(name, 20, 2, 40), ha="center",
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
