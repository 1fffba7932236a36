"""Fitting label text into a chart: widths in columns (a CJK character counts two), cut
and wrapped at word or character boundaries.

Labels come display-ready from the caller; here they are only shortened to fit.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import pandas as pd

from csreview.personal_data import strip_invisible


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def text_columns(text: str) -> int:
    """Display width: CJK characters count two columns, others one."""
    return sum(2 if _wide(c) else 1 for c in text)


def _head(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` columns."""
    used = 0
    for i, char in enumerate(text):
        used += text_columns(char)
        if used > limit:
            return text[:i]
    return text


def _cut(text: str, limit: int) -> str:
    """`text` within `limit` columns, ending in "…" when shortened."""
    if text_columns(text) <= limit:
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


def wrap_text(text: str, width: int, max_lines: int, limit: int | None = None) -> str:
    """`text` wrapped at `width` columns on at most `max_lines` lines (cut to `limit`)."""
    flat = " ".join(strip_invisible(text).split())
    if limit is not None:
        flat = _cut(flat, limit)
    lines: list[str] = []
    line = ""
    for spaced, token in _tokens(flat):
        piece = token
        while text_columns(piece) > width:  # a word longer than a line is split
            head = _head(piece, width) or piece[0]
            if line:
                lines.append(line)
            lines.append(head)
            line, piece, spaced = "", piece[len(head) :], False
        candidate = line + (" " if spaced and line else "") + piece
        if line and text_columns(candidate) > width:
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


def as_number(value: Any) -> float:
    """A value as float; NaN for None/NA, infinities and text that is not a number."""
    if value is None or pd.isna(value):
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def text_width(text: str, size: float) -> float:
    """A generous estimate of a one-line label's width in points (for fixed layouts)."""
    return max((text_columns(line) for line in text.split("\n")), default=0) * 0.62 * size
