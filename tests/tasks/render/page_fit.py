"""Where a PDF's words lie on their pages, read with poppler's `pdftotext -bbox`: the check
that no text of a review runs past the right margin, shared by the unit, golden and
end-to-end tests."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

MM = 72 / 25.4  # PDF points per millimetre
RIGHT_MARGIN_MM = 16.0  # report.css: @page margin
SLACK = 0.5  # points: a glyph's side bearing may touch the margin line
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>')


def words_past_the_margin(
    pdf: Path | bytes, right_margin_mm: float = RIGHT_MARGIN_MM
) -> list[tuple[int, str, float]]:
    """Each word whose right edge passes the page's right margin: (page number, word, its
    right edge in points), in page order; empty when every word fits its page."""
    done = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", "-" if isinstance(pdf, bytes) else str(pdf), "-"],
        input=pdf if isinstance(pdf, bytes) else None,
        capture_output=True,
        check=True,
    )
    past: list[tuple[int, str, float]] = []
    page, limit = 0, 0.0
    for line in done.stdout.decode("utf-8").splitlines():
        if found := PAGE.search(line):
            page, limit = page + 1, float(found[1]) - right_margin_mm * MM + SLACK
        elif (found := WORD.search(line)) and float(found[2]) > limit:
            past.append((page, html.unescape(found[3]), float(found[2])))
    return past


def page_sizes(pdf: Path | bytes) -> list[tuple[float, float]]:
    """Each page's (width, height) in points, in page order."""
    done = subprocess.run(
        ["pdftotext", "-bbox", "-" if isinstance(pdf, bytes) else str(pdf), "-"],
        input=pdf if isinstance(pdf, bytes) else None,
        capture_output=True,
        check=True,
    )
    return [(float(w), float(h)) for w, h in PAGE.findall(done.stdout.decode("utf-8"))]
