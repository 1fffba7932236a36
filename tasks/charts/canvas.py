"""The charts' page and style: A4 width, fonts, ink colours, and one figure at a time
saved as self-contained SVG text.

SVG keeps the printed report sharp, its text searchable and Chinese labels rendered by the
reader's fonts; every text is drawn as written (no math mode, no control character).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.typing import RcKeyType

from csreview.personal_data import strip_invisible

CM: Final = 1 / 2.54  # inches
WIDTH: Final = 17 * CM  # A4 (21 cm) less 2 cm margins each side
POINTS: Final = 72.0  # SVG user units per inch
FONTS: Final = ("Noto Sans CJK SC", "DejaVu Sans")  # CJK first; DejaVu for symbols it lacks
NO_DATA: Final = "No data"
INK: Final = "#1a1a1a"
MUTED: Final = "#595959"  # unverified hypotheses: grey but still readable when printed
BAR: Final = "#9fb6d3"
BAR_EDGE: Final = "#2b4a6f"
GRID: Final = "#d9d9d9"
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


def svg_text(draw: Callable[[], Figure]) -> str:
    """The figure `draw` builds, saved as SVG text without external references.

    Printed by the SVG canvas itself: `savefig` draws a figure with a layout engine twice
    (once only to lay it out), the canvas once, laying it out as it draws."""
    with _style():
        figure = draw()
        # no control character reaches the SVG's XML (tick labels are made as they are
        # drawn: theirs are stripped by `wrap_text`)
        for text in figure.findobj(Text):
            text.set_text(strip_invisible(text.get_text(), keep_breaks=True))
        buffer = io.StringIO()
        FigureCanvasSVG(figure).print_svg(buffer, metadata=_METADATA)  # type: ignore[no-untyped-call]
    return _DOCTYPE.sub("", buffer.getvalue(), count=1)


def new_figure(height_cm: float, *, constrained: bool = True) -> Figure:
    return Figure(
        figsize=(WIDTH, height_cm * CM),
        layout="constrained" if constrained else None,
        facecolor="white",
    )


def message_figure(title: str, message: str) -> Figure:
    figure = new_figure(3.0, constrained=False)
    if title:
        figure.text(0.01, 0.92, title, ha="left", va="top", fontsize=9, fontweight="bold")
    figure.text(0.5, 0.42, message, ha="center", va="center", fontsize=9, color=MUTED)
    return figure


def points_box(figure: Figure, left: float, bottom: float, width: float, height: float) -> Any:
    """Axes placed in points from the figure's lower left corner (no layout engine: fast)."""
    fig_width, fig_height = figure.get_size_inches() * POINTS
    return figure.add_axes(
        (left / fig_width, bottom / fig_height, width / fig_width, height / fig_height)
    )
