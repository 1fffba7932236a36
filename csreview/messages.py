"""Messages: what the analysis says, as records — a catalog msgid and the values it quotes.

The analysis names what to say and the numbers behind it, never the words: the same records
serve every report language, and the renderer words them once per language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

Segment: TypeAlias = tuple[tuple[str, str], ...]  # (dimension, value) pairs, e.g. channel chat


@dataclass(frozen=True)
class KpiName:
    """A KPI named in the reader's language (its catalog label)."""

    kpi: str


@dataclass(frozen=True)
class KpiValue:
    """A KPI's value in its unit, as the reader's locale writes numbers."""

    kpi: str
    value: float


@dataclass(frozen=True)
class Where:
    """A segment as a reader says it, e.g. "time band 20-24, channel chat"."""

    segment: Segment


@dataclass(frozen=True)
class Named:
    """A segment as an action names it: hours as clock times ("20:00–24:00"), a category by
    its name ("billing"), other values with their dimension ("tier junior")."""

    segment: Segment


@dataclass(frozen=True)
class Message:
    """A msgid of the catalog and the values its placeholders take; without params (None)
    the translated text is shown as it is, never formatted."""

    msgid: str
    params: tuple[tuple[str, Value], ...] | None = None


@dataclass(frozen=True)
class Joined:
    """Texts shown one after the other, e.g. a hypothesis followed by its evidence."""

    parts: tuple[Text, ...]


Value: TypeAlias = "int | float | str | Message | Joined | KpiName | KpiValue | Where | Named"
Text: TypeAlias = "Message | Joined | str"  # a str is shown as it is (data, not words)


def mark(msgid: str) -> str:
    """Marks a msgid for extraction (import it as `_n`); worded where it is shown."""
    return msgid


def say(msgid: str, **values: Value) -> Message:
    """A message whose placeholders take `values` (numbers keep their format specs)."""
    return Message(msgid, tuple(values.items()))


def quotes_number(text: Value) -> bool:
    """Whether a text quotes a number: a finite value, a KPI value or data holding a digit —
    a claim without one is no evidence."""
    if isinstance(text, bool):
        return False
    if isinstance(text, int | float):
        return math.isfinite(text)
    if isinstance(text, str):
        return any(c.isdigit() for c in text)
    if isinstance(text, KpiValue):
        return math.isfinite(text.value)
    if isinstance(text, Message):
        return any(quotes_number(v) for _, v in text.params or ())
    if isinstance(text, Joined):
        return any(quotes_number(p) for p in text.parts)
    return False
