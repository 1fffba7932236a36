"""Charts: the review's figures as self-contained SVG text (Pareto, fishbone, staffing, trends).

SVG keeps the printed report sharp, its text searchable and Chinese labels rendered by the
reader's fonts; every chart stays legible in grey (markers, hatching, annotations, ✓ marks).
Callers pass display-ready (translated, shortened, masked) labels; nothing here reads files.
Every text is drawn as written: no math mode, no control or bidirectional character.
"""

from __future__ import annotations

from tasks.charts.fishbone import fishbone_chart
from tasks.charts.heatmap import staffing_heatmap
from tasks.charts.pareto import pareto_chart
from tasks.charts.trends import trend_chart

__all__ = ["fishbone_chart", "pareto_chart", "staffing_heatmap", "trend_chart"]
