"""The widest tables a review can print fit the page: the 8-column breakdowns with long
segment names stay on A4 portrait, twelve months of trend move to a landscape page, and no
word passes the right margin in either language (checked with `pdftotext -bbox`)."""

from __future__ import annotations

import shutil

import pytest

from csreview.settings import Language
from tasks.render import documents
from tasks.sections import SECTIONS
from tests.tasks.render.page_fit import page_sizes, words_past_the_margin

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
A4 = (595.3, 841.9)
PAGE = """<html lang="{{ lang }}"><head><style>{% include "report.css" %}</style></head><body>
<section id="before"><h2>x</h2></section>{% include "partials/service.html" %}
{% include "partials/trend.html" %}</body></html>"""
PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
HEADERS = ("contacts", "service level", "abandonment rate", "average speed of answer",
           "first-contact resolution", "complaint rate", "customer satisfaction (CSAT)")  # fmt: skip
SEGMENTS = ("after_sales_international_express_returns", "phone", "客户服务与售后综合问题")


def context(months: int) -> dict[str, object]:
    """A breakdown with the report's widest cells and a trend over `months` months."""
    cell = {"value": "59.2 min", "status": "breach", "symbol": "✗"}
    return {
        "lang": "en",
        "min_sample": 30,
        "not_assessed": dict.fromkeys(SECTIONS, ""),
        "breakdowns": [
            {
                "title": "By category",
                "dimension_label": "category",
                "headers": HEADERS,
                "rows": [{"segment": s, "cells": [cell] * len(HEADERS)} for s in SEGMENTS],
            }
        ],
        "trend": {
            "months": [f"2026-{m:02d}" for m in range(1, months + 1)],
            "chart": PIXEL,
            "rows": [{"label": "abandonment rate", "cells": ["100.0%"] * months}] * 3,
        },
    }


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize(("months", "landscape"), [(6, False), (12, True)])
def test_the_widest_tables_fit_the_page(language: Language, months: int, landscape: bool) -> None:
    html = documents.environment(language).from_string(PAGE).render(context(months))
    pdf = documents.render_pdf(html, {})
    assert words_past_the_margin(pdf) == []
    sizes = [tuple(round(x, 1) for x in size) for size in page_sizes(pdf)]
    assert sizes[0] == A4  # the breakdown stays portrait
    assert (sizes[-1] == A4[::-1]) is landscape  # the trend table moves when it is wide
