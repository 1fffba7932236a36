"""The Prefect summary artifact shows data text as written: masked, inert, escaped."""

from __future__ import annotations

import pandas as pd
import pytest

from csreview import facts as f
from flows import artifacts
from tasks import validate as v


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("billing", "billing"),
        ("a|b", "a\\|b"),
        ("[x](https://evil.example/)", "\\[x\\]\\(https\\://evil\\.example/\\)"),
        ("![i](x.png)", "\\!\\[i\\]\\(x\\.png\\)"),
        ("<img src=x onerror=alert(1)>", "\\<img src\\=x onerror\\=alert\\(1\\)\\>"),
        ("# **bold** _it_ `code`", "\\# \\*\\*bold\\*\\* \\_it\\_ \\`code\\`"),
        ("1. list\nline", "1\\. list line"),
        ("\u202ebill\x00ing", "billing"),
        ("call 138 0013 8000", "call \\[phone\\]"),
    ],
)
def test_markdown_text(text: str, shown: str) -> None:
    assert artifacts.markdown_text(text) == shown


def test_summary_escapes_problem_titles_and_the_label() -> None:
    kpis = pd.DataFrame(
        [("contacts", "all", "all", 10.0, None, None, None, "na")],
        columns=[f.KPI, f.DIMENSION, f.SEGMENT, f.VALUE, "numerator", f.DENOMINATOR, f.TARGET,
                 f.STATUS],
    )  # fmt: skip
    problems = pd.DataFrame({"rank": [1], "title": ["category |x| 13800138000: " + "类" * 10_000]})
    validation = v.Validation(clean={}, quarantine={}, rules=(), counts={})
    text = artifacts.summary_markdown("acme* monthly 2026-09", kpis, problems, validation, None)
    lines = text.splitlines()
    assert lines[0] == "# acme\\* monthly 2026-09"
    title = next(line for line in lines if line.startswith("1. "))
    assert title.startswith("1. category \\|x\\| \\[phone\\]\\: 类") and title.endswith("…")
    assert len(title) < 300
