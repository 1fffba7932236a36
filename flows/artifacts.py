"""Prefect artifacts of a review run: what a data engineer sees in the UI without opening
the PDF — the headline KPIs with status, the top problems, the validation outcome, a link."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

import pandas as pd

from csreview import facts as f
from csreview.personal_data import TEXT_CHARS, display_text
from tasks import kpis as k
from tasks.render import Formatter
from tasks.validate import Validation

HEADLINE = ("contacts", "service_level", "abandon_rate", "fcr", "complaint_rate", "csat", "nps")
# inline markup, links, HTML and table cells; `-` and `+` mark lists only at a line's start,
# where data text never stands (it follows a heading's `#` or an item's number)
_MARKDOWN: Final = re.compile(r"""([\\`*_{}\[\]()#.!|<>~&:"'=$^])""")


def markdown_text(value: object, limit: int = TEXT_CHARS) -> str:
    """Data text for a markdown artifact: display text (masked, inert, cut) with every
    markdown and HTML metacharacter escaped, pipes too, so that it is shown as written and
    never becomes a link, an image, markup or a table cell."""
    return _MARKDOWN.sub(r"\\\1", display_text(value, limit))


def _value(kpi: str, value: float) -> str:
    """A KPI as the English report shows it."""
    return Formatter("en").kpi_value(kpi, value)


def summary_markdown(
    label: str,
    kpis: pd.DataFrame,
    problems: pd.DataFrame,
    validation: Validation,
    crisis: str | None,
) -> str:
    """The run's summary as markdown: headline KPIs, top problems, validation outcome."""
    top = k.overall(kpis)
    lines = [f"# {markdown_text(label)}", ""]
    if crisis:
        lines += [f"**Crisis level: {markdown_text(crisis)}**", ""]
    lines += ["| KPI | value | target | status |", "|---|---|---|---|"]
    values = top[f.VALUE].astype("float64")
    targets = top[f.TARGET].astype("float64")
    for kpi in HEADLINE:
        if kpi in top.index:
            value, target = float(values[kpi]), float(targets[kpi])
            status = str(top[f.STATUS][kpi])
            lines.append(f"| {kpi} | {_value(kpi, value)} | {_value(kpi, target)} | {status} |")
    lines += ["", "## Top problems", ""]
    lines += [
        f"{int(p['rank'])}. {markdown_text(p['title'])}" for _, p in problems.head(5).iterrows()
    ] or ["none"]
    read = sum(c["read"] for c in validation.counts.values())
    bad = sum(c["quarantined"] for c in validation.counts.values())
    failing = sum(not r.passed for r in validation.rules)
    lines += [
        "",
        "## Validation",
        "",
        f"{bad:,} of {read:,} rows quarantined; {failing} rules with failing rows.",
    ]
    return "\n".join(lines)


def kpi_table(kpis: pd.DataFrame) -> list[dict[str, Any]]:
    """The overall KPI rows as a table artifact."""
    top = kpis[kpis[f.DIMENSION] == f.ALL]
    return [
        {"kpi": r[f.KPI], "value": _value(str(r[f.KPI]), r[f.VALUE]), "status": r[f.STATUS]}
        for _, r in top.iterrows()
    ]


def publish_artifacts(
    label: str,
    kpis: pd.DataFrame,
    problems: pd.DataFrame,
    validation: Validation,
    crisis: str | None,
    pdf: Path,
) -> None:
    """Markdown summary, KPI table and a link to the PDF, keyed per run in the Prefect UI."""
    from prefect.artifacts import (
        create_link_artifact,
        create_markdown_artifact,
        create_table_artifact,
    )

    create_markdown_artifact(
        summary_markdown(label, kpis, problems, validation, crisis),
        key="review-summary",
        description=f"Summary of {markdown_text(label)}",
    )
    create_table_artifact(
        kpi_table(kpis), key="review-kpis", description=f"KPIs of {markdown_text(label)}"
    )
    create_link_artifact(
        pdf.absolute().as_uri(),
        link_text="review.pdf",
        key="review-pdf",
        description=markdown_text(label),
    )
