"""The e-mail's subject and body: the headline KPIs against their targets, per language.

A manager sees the state of the centre before opening the PDF."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import pandas as pd

from csreview.facts import STATUS, VALUE
from csreview.periods import Period
from csreview.personal_data import display_text
from csreview.settings import Language
from tasks import kpis as k
from tasks.crisis import Crisis
from tasks.render.formatting import CADENCE_TITLES, CRISIS_LABELS, STATUS_LABELS, Formatter

EMAIL_KPIS: Final = ("service_level", "abandon_rate", "fcr", "complaint_rate", "csat", "nps")


def email_summary(
    kpis: pd.DataFrame,
    period: Period,
    tenant: str,
    crisis: Crisis | None,
    languages: Sequence[Language],
) -> tuple[str, list[str]]:
    """The subject (first language) and a few body lines per language: the headline KPIs
    against targets, and the crisis level when one is reached."""
    top = k.overall(kpis)
    subject = ""
    lines: list[str] = []
    for language in languages:
        f = Formatter(language)
        title = f"{f._(CADENCE_TITLES[period.cadence])} — {display_text(tenant)} — {period.label}"
        subject = subject or title
        lines.append(title)
        if crisis is not None and crisis.level is not None:
            lines.append(f._(CRISIS_LABELS[crisis.level]))
        for kpi in EMAIL_KPIS:
            if kpi in top.index:
                row = top.loc[kpi]
                status = f._(STATUS_LABELS[str(row[STATUS])])
                value = f.kpi_value(kpi, float(top[VALUE].astype("float64")[kpi]))
                lines.append(f"  {f.label(kpi)}: {value} ({status})")
        lines.append(f._("The full review is attached (review.pdf)."))
        lines.append("")
    return subject, lines
