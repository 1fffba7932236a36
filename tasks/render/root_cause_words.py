"""The analysis in words: message records of the root cause worded in one report language.

Root cause, fishbone, 5 whys and actions are drafted once as records (msgids with their
numbers, segments as pairs); each language the review is published in words them here, for
its report, and the primary language for the CSV outputs and the results store.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from csreview import facts as fa
from csreview import schema as s
from csreview.messages import Joined, KpiName, KpiValue, Message, Named, Segment, Text, Value, Where
from csreview.settings import Language
from tasks.problems import segment_label
from tasks.render.analysis_view import segment_words
from tasks.render.formatting import Formatter
from tasks.root_cause import SEGMENT_COLUMNS, TEXT_COLUMNS, RootCause

WHERE = "where"  # a problem's segment in words, beside its label (what the fishbone shows)


def _value(value: Value, f: Formatter) -> Any:
    """A message's value as its placeholder takes it: numbers as they are (their format spec
    applies), everything else in words."""
    if isinstance(value, bool | int | float):
        return value
    return word(value, f)


def hours_words(band: str) -> str:
    """A time band as clock times: `20-24` → "20:00–24:00" (a value of another form as it is)."""
    start, _, end = band.partition("-")
    return f"{start}:00–{end}:00" if start.isdigit() and end.isdigit() else band


def named_words(segment: Segment, f: Formatter) -> str:
    """A segment as an action names it: "20:00–24:00", "billing", "tier junior"; the whole
    centre when it is empty."""
    parts = [
        hours_words(v)
        if d == fa.HOUR_BAND
        else f.segment(d, v)
        if d in (s.CATEGORY, fa.DATE)
        else f"{f._(fa.DIMENSION_LABELS[d])} {f.segment(d, v)}"
        for d, v in segment
    ]
    return ", ".join(parts) or f._("the whole centre")


def word(text: Text | KpiName | KpiValue | Where | Named, f: Formatter) -> str:
    """A record in the formatter's language: a message translated and filled in, joined
    texts one after the other, a KPI's name or value, a segment as a reader says it (or as
    an action names it); a string is data and shown as it is."""
    if isinstance(text, str):
        return text
    if isinstance(text, Message):
        translated = f._(text.msgid)
        if text.params is None:
            return translated
        return translated.format(**{name: _value(v, f) for name, v in text.params})
    if isinstance(text, Joined):
        return "".join(word(part, f) for part in text.parts)
    if isinstance(text, KpiName):
        return f.label(text.kpi)
    if isinstance(text, KpiValue):
        return f.kpi_value(text.kpi, text.value)
    if isinstance(text, Named):
        return named_words(text.segment, f)
    return segment_words(text.segment, f)


def _worded(frame: pd.DataFrame, table: str, f: Formatter) -> pd.DataFrame:
    texts = {c: [word(v, f) for v in frame[c]] for c in TEXT_COLUMNS.get(table, ())}
    labels = {c: [segment_label(v) for v in frame[c]] for c in SEGMENT_COLUMNS.get(table, ())}
    return frame.assign(**texts, **labels)


def worded_root_cause(root_cause: RootCause, language: Language) -> RootCause:
    """The drafted root cause in one language: its texts worded, its segments as the labels
    the CSV outputs and the results store keep, and each problem's segment in words
    (`WHERE`)."""
    f = Formatter(language)
    problems = _worded(root_cause.problems, "problems", f)
    where = [segment_words(tuple(s), f) for s in root_cause.problems["segment"]]
    return RootCause(
        problems=problems.assign(**{WHERE: where}),
        causes=_worded(root_cause.causes, "causes", f),
        actions=_worded(root_cause.actions, "actions", f),
        followups=root_cause.followups,
        whys=_worded(root_cause.whys, "whys", f),
    )
