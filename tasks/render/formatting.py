"""Formatting for one report language: numbers, percentages, durations, KPI values and
labels as a manager reads them.

Every view builder formats through one `Formatter`, so a language changes words and
numbers in one place."""

from __future__ import annotations

import base64
import gettext
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from csreview import schema as s
from csreview.catalog import KPIS_BY_KEY
from csreview.facts import CHANNEL_GROUP, DATE, DENOMINATOR, STATUS, TARGET, UNASSIGNED, VALUE
from csreview.i18n import babel_locale, translations
from csreview.i18n import mark as _n
from csreview.personal_data import display_text
from csreview.settings import Language

DAY_FORMATS: Final = {"en": "d MMM y", "zh-CN": "y年M月d日"}
DAY_TEXT: Final = re.compile(r"^\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?$")
STATUS_SYMBOLS: Final = {"ok": "✓", "warn": "!", "breach": "✗", "na": "–", "low_sample": "·"}


SENTENCE_CHARS: Final = 600  # evidence, whys, actions, examples: sentences that may hold data


STATUS_LABELS: Final = {
    "ok": _n("ok"),
    "warn": _n("warning"),
    "breach": _n("breach"),
    "na": _n("n/a"),
    "low_sample": _n("low sample"),
}


CHANNEL_LABELS: Final = (_n("phone"), _n("chat"), _n("email"), _n("app"), _n("social"))
TIER_LABELS: Final = (_n("junior"), _n("intermediate"), _n("senior"), _n("unassigned"))
WORD_LABELS: Final = (
    _n("blocking"), _n("quarantine"), _n("warn"), _n("proposed"), _n("approved"), _n("rejected"),
)  # fmt: skip
CADENCE_TITLES: Final = {
    "monthly": _n("Monthly service-quality review"),
    "quarterly": _n("Quarterly service-quality review"),
}


CRISIS_LABELS: Final = {
    "primary": _n("primary crisis (初级)"),
    "intermediate": _n("intermediate crisis (中级)"),
    "advanced": _n("advanced crisis (高级)"),
}


@dataclass(frozen=True)
class Formatter:
    """Translates and formats values for one report language."""

    language: Language

    @property
    def catalog(self) -> gettext.NullTranslations:
        return translations(self.language)

    def _(self, message: str) -> str:
        return self.catalog.gettext(message)

    def label(self, kpi: str) -> str:
        return self._(KPIS_BY_KEY[kpi].label)

    def number(self, value: float, digits: int = 1) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
        return format_decimal(value, format=pattern, locale=babel_locale(self.language))

    def percent(self, value: float, digits: int = 1) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, format=pattern, locale=babel_locale(self.language))

    def seconds(self, value: float) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if value >= 3600:
            return self._("{h} h").format(h=self.number(value / 3600, 1))
        if value >= 120:
            return self._("{m} min").format(m=self.number(value / 60, 1))
        return self._("{s} s").format(s=self.number(value, 1))

    def kpi_value(self, kpi: str, value: float) -> str:
        unit = KPIS_BY_KEY[kpi].unit
        if unit == "fraction":
            return self.percent(value)
        if unit == "seconds":
            return self.seconds(value)
        if unit == "count":
            return self.number(value, 0)
        if unit == "score":
            return self.number(value, 2)
        return self.number(value, 1)

    def delta(self, kpi: str, value: float) -> str:
        """A change of a KPI, signed: percentage points for rates, the KPI's unit otherwise."""
        if math.isnan(value):
            return "–"
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        unit = KPIS_BY_KEY[kpi].unit
        if unit == "fraction":
            return sign + self._("{n} pts").format(n=self.number(abs(value) * 100, 1))
        return sign + self.kpi_value(kpi, abs(value))

    def day(self, value: str) -> str:
        """A day (YYYY-MM-DD) as a reader writes it: "9 Oct 2026", "2026年10月9日"."""
        return format_date(
            date.fromisoformat(value),
            DAY_FORMATS[self.language],
            locale=babel_locale(self.language),
        )

    def days(self, value: str) -> str:
        """A `date` segment in words: one day, or an interval `FIRST/LAST` as "FIRST to LAST"."""
        first, _, last = value.partition("/")
        if not last:
            return self.day(first)
        return self._("{first} to {last}").format(first=self.day(first), last=self.day(last))

    def segment(self, dimension: str, value: str) -> str:
        """A segment value as shown: channel and tier names translated, days in words, data
        values as display text (masked, inert, shortened)."""
        if dimension == DATE and DAY_TEXT.match(value):
            return self.days(value)
        if dimension in (s.CHANNEL, CHANNEL_GROUP, s.TIER) or value == UNASSIGNED:
            return display_text(self._(value))
        return display_text(value)


def kpi_row(row: Any, kpi: str, f: Formatter) -> dict[str, Any]:
    status = str(row[STATUS])
    return {
        "key": kpi,
        "label": f.label(kpi),
        "value": f.kpi_value(kpi, row[VALUE]),
        "target": "" if pd.isna(row[TARGET]) else f.kpi_value(kpi, row[TARGET]),
        "denominator": "" if pd.isna(row[DENOMINATOR]) else f.number(row[DENOMINATOR], 0),
        "status": status,
        "status_symbol": STATUS_SYMBOLS[status],
        "status_label": f._(STATUS_LABELS[status]),
    }


def svg_uri(svg: str) -> str:
    """An SVG chart as a `data:` URI: the HTML stays one self-contained file."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
