"""The report's contexts: a problem's trend in words (both languages), the hypotheses
grouped by fishbone category, and the quarterly pages, from tiny inline data."""

from __future__ import annotations

import base64
import math
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from csreview import facts as f
from csreview.periods import Period
from csreview.settings import Language
from tasks import compare as c
from tasks import pdca, render
from tasks import root_cause as rc
from tasks import surveys as su
from tasks import validate as v
from tasks.render import analysis_view, documents, kpi_view, quarter_view
from tests.tasks.charts.svg_reading import texts

AUGUST = Period("monthly", 2026, 8)
SEPTEMBER = Period("monthly", 2026, 9)


def problem(trend: str, previous: float, factor: float) -> pd.Series:
    return pd.Series(
        {
            "rank": 1, "title": "time band 20-24: service level 40.0%",
            "segment": "hour_band=20-24", "where": "time band 20-24", "kpi": "service_level",
            "value": 0.4,
            "baseline": 0.9, "defects": 60, "defect_share": 0.5, "cumulative_share": 1.0,
            "priority": 18.0, "trend": trend, "target": 0.8, "base": 100,
            "previous": previous, "trend_factor": factor,
        }
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "trend", "previous", "factor", "expected"),
    [
        ("en", "worse", 0.8, 1.5, ("▼", "worse than the previous period", ["80.0% in 2026-08", "priority × 1.50"])),
        ("en", "better", 0.2, 0.75, ("▲", "better than the previous period", ["20.0% in 2026-08", "priority × 0.75"])),
        ("en", "na", math.nan, 1.0, ("—", "no earlier figure", [])),
        ("zh-CN", "worse", 0.8, 1.5, ("▼", "差于上一周期", ["2026-08 为 80.0%", "优先级 × 1.50"])),
        ("zh-CN", "no_change", 0.41, 1.0, ("—", "无显著变化", ["2026-08 为 41.0%"])),
    ],
)  # fmt: skip
def test_a_problem_trend_in_words(
    language: Language,
    trend: str,
    previous: float,
    factor: float,
    expected: tuple[str, str, list[str]],
) -> None:
    shown = analysis_view._problem_trend(
        problem(trend, previous, factor), AUGUST, render.Formatter(language)
    )
    assert (shown["symbol"], shown["label"], shown["details"]) == expected


def test_hypotheses_are_grouped_by_category_and_the_fishbone_skips_untestable_ones() -> None:
    causes = pd.DataFrame(
        [
            (1, "people", "junior_share", "junior agents", "not_testable", "defined by tier"),
            (1, "people", "new_hires", "new hires", "not_supported", "10% vs 9%"),
            (1, "environment", "agent_load", "contacts per agent-hour", "verified", "6.0 vs 2.0"),
        ],
        columns=["problem_rank", "category", "hypothesis_id", "label", "verdict", "evidence"],
    ).assign(verified=lambda c: (c["verdict"] == "verified").map({True: "true", False: "false"}))
    empty = pd.DataFrame(columns=list(rc.WHY_COLUMNS))
    result = rc.RootCause(pd.DataFrame([problem("na", math.nan, 1.0)]), causes, empty, empty, empty)
    shown = analysis_view.problem_pages(result, SEPTEMBER, render.Formatter("en"))[0]
    assert [c["name"] for c in shown["categories"]] == ["people", "environment"]
    people = shown["categories"][0]["rows"]
    assert [(r["label"], r["symbol"], r["verdict_label"]) for r in people] == [
        ("junior agents", "–", "not testable"),
        ("new hires", "✗", "not supported"),
    ]
    uri = analysis_view._fishbone(result.problems.iloc[0], causes, render.Formatter("en"))
    shown_texts = texts(base64.b64decode(uri.split(",", 1)[1]).decode("utf-8"))
    assert "new hires" in shown_texts and "junior agents" not in shown_texts  # not tested
    assert "✓ contacts per agent-hour" in " ".join(shown_texts)
    assert {"people", "machine", "method", "measurement"} <= set(shown_texts)  # all six bones


Q3 = Period("quarterly", 2026, 3)
EN = render.Formatter("en")


def history(value: float, numerator: float, denominator: float) -> pd.DataFrame:
    """History rows of one period: the overall service level only."""
    return pd.DataFrame(
        [{f.KPI: "service_level", f.DIMENSION: "all", f.SEGMENT: "all", f.VALUE: value,
          f.NUMERATOR: numerator, f.DENOMINATOR: denominator, c.VARIANCE: math.nan}]
    )  # fmt: skip


TOP = history(0.85, 850, 1000).set_index(f.KPI)


def test_quarter_over_quarter_against_the_previous_quarter() -> None:
    # 850/1000 vs 800/1000: z = 0.05 / √(0.825 × 0.175 × 2/1000) = 2.94, p = 0.003 → better
    previous = c.compare(history(0.85, 850, 1000), history(0.80, 800, 1000), min_sample=30)
    months = c.month_by_month(
        {
            "2026-07": history(0.80, 800, 1000),
            "2026-08": pd.DataFrame(columns=list(c.HISTORY_COLUMNS)),
            "2026-09": history(0.90, 900, 1000),
        },
        min_sample=30,
    )
    page = quarter_view.quarter_over_quarter(
        TOP, kpi_view.comparison_cells({"previous": previous}, EN), months, Q3, EN
    )
    assert (page["previous"], page["last_year"]) == ("2026-Q2", None)
    assert page["missing"] == ["The same quarter last year, 2025-Q3, was never reviewed."]
    [row] = page["rows"]
    assert (row["label"], row["value"]) == ("service level", "85.0%")
    change = row["changes"]["previous"]
    assert (change["previous"], change["delta"], change["symbol"]) == ("80.0%", "+5.0 pts", "▲")
    assert page["months"]["labels"] == ["2026-07", "2026-08", "2026-09"]
    [month_row] = page["months"]["rows"]
    assert month_row["cells"] == ["80.0%", "–", "90.0%"]
    assert (month_row["change"]["delta"], month_row["change"]["symbol"]) == ("+10.0 pts", "▲")
    assert page["months"]["change_header"] == "2026-09 vs 2026-07"
    assert page["months"]["unreviewed"] == "No monthly review is on record for 2026-08."


def test_a_quarter_never_compared_says_so_in_words() -> None:
    page = quarter_view.quarter_over_quarter(
        TOP, {}, c.month_by_month({}, 30), Q3, render.Formatter("zh-CN")
    )
    assert page["rows"] == [] and page["months"]["rows"] == []
    assert page["missing"] == [
        "上季度（2026-Q2）未做过评审：本季度没有可比较的季度。",
        "去年同季度（2025-Q3）未做过评审。",
    ]


def test_effectiveness_page() -> None:
    action = {"action_id": "A1", "cadence": "monthly", "opened_in": "2026-07",
              "action": "roster an evening agent", "kpi": "service_level",
              "segment": "hour_band=20-24", "baseline": 0.5, "target": 0.8}  # fmt: skip
    checks = [
        {"action_id": "A1", "checked_in": "2026-08", "current": 0.70, "verdict": "too_early"},
        {"action_id": "A1", "checked_in": "2026-09", "current": 0.85, "verdict": "effective"},
    ]
    review = pdca.effectiveness_review(
        [action], checks, pd.DataFrame(columns=["action_id"]), ["2026-07", "2026-08", "2026-09"]
    )
    page = quarter_view.effectiveness_page(review, EN)
    assert page is not None
    [row] = page["rows"]
    assert (row["kpi"], row["baseline"], row["target"]) == ("service level", "50.0%", "80.0%")
    assert row["segment"] == "time band 20-24"
    july, august, september = row["months"]
    assert july is None and row["quarter"] is None
    assert (august["value"], august["label"]) == ("70.0%", "too early")
    assert (september["value"], september["label"]) == ("85.0%", "effective")
    assert row["verdict_label"] == "effective"
    assert page["summary"] == (
        "Actions reviewed: 1 — 1 effective, 0 not effective, 0 too early to tell, "
        "0 not yet measured."
    )
    assert page["share"].startswith("Share effective: 100% of the actions")
    assert quarter_view.effectiveness_page(None, EN) is None


def test_effectiveness_page_words_a_playbook_action_in_the_report_language() -> None:
    roster = "Roster more agents in the hours of the problem segment so that staffing follows the arrival pattern"  # fmt: skip
    drafted = "Roster more agents for billing so that staffing follows the arrival pattern"
    actions = [
        {"action_id": a, "cadence": "monthly", "opened_in": "2026-07", "action": text,
         "kpi": "fcr", "segment": "category=billing", "baseline": 0.6, "target": 0.7}
        for a, text in (("A1", roster), ("A2", "call back every billing complaint"), ("A3", drafted))
    ]  # fmt: skip
    review = pdca.effectiveness_review(
        actions, [], pd.DataFrame(columns=["action_id"]), ["2026-07"]
    )
    page = quarter_view.effectiveness_page(review, render.Formatter("zh-CN"))
    assert page is not None
    assert [row["action"] for row in page["rows"]] == [
        "在问题时段增加排班坐席，使人力配置与来电规律相匹配",
        "call back every billing complaint",  # a manager's own wording stays as written
        drafted,  # one naming its segment stays in the language it was drafted in
    ]
    assert page["rows"][0]["verdict_label"] == "尚未测量"


def test_no_garbage_collection_while_rendering() -> None:
    import gc

    assert gc.isenabled()
    with documents.no_garbage_collection():
        assert not gc.isenabled()
        with documents.no_garbage_collection():  # nested: the outer block keeps it off
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), documents.no_garbage_collection():
        raise ValueError("a failed render")
    assert gc.isenabled()


# ---------------------------------------------------------------- hostile data text
HOSTILE = {
    "nul": "bill\x00ing",
    "rlo": "\u202egnillib\u202c",
    "math": "$\\x13800138000$",
    "phone": "退款 138 0013 8000",
    "huge": "类" * 1_000_000,
}
RAW_PERSONAL = ("13800138000", "138 0013 8000", "li.lei@example.com", "4111 1111 1111 1111")
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def hostile_context(language: Language) -> tuple[dict[str, Any], dict[str, Any]]:
    """A report context and an auditor's context whose data text is hostile: control and
    bidi characters, math syntax, personal data, a 1 MB category."""
    categories = list(HOSTILE.values())
    kpis = pd.DataFrame(
        [("contacts", "all", "all", 10.0, None, None, None, "na")]
        + [("contacts", "category", c, 2.0, None, None, None, "na") for c in categories],
        columns=[f.KPI, f.DIMENSION, f.SEGMENT, f.VALUE, "numerator", f.DENOMINATOR, f.TARGET,
                 f.STATUS],
    )  # fmt: skip
    problems = pd.DataFrame(
        [
            {
                "rank": i + 1, "title": f"category {c}: service level 40.0%",
                "segment": f"category={c}", "kpi": "service_level", "value": 0.4,
                "baseline": 0.9, "defects": 6, "defect_share": 0.2, "cumulative_share": 1.0,
                "priority": 1.0, "trend": "na", "previous": math.nan, "trend_factor": 1.0,
                "where": analysis_view.segment_words((("category", c),), render.Formatter(language)),
            }
            for i, c in enumerate(categories)
        ]
    )  # fmt: skip
    causes = pd.DataFrame(
        [(1, "people", "h1", "new hires", "verified", f"in {categories[3]}: 10% vs 9%", "h", "t")],
        columns=["problem_rank", "category", "hypothesis_id", "label", "verdict", "evidence",
                 "hypothesis", "test"],
    )  # fmt: skip
    whys = pd.DataFrame(
        [(1, "people", 1, f"Why: {categories[0]}?", f"mail li.lei@example.com {categories[1]}")],
        columns=list(rc.WHY_COLUMNS),
    )
    empty = pd.DataFrame(columns=[*rc.ACTION_COLUMNS, "segment", "resource", "risk"])
    root_cause = rc.RootCause(problems, causes, empty, empty.iloc[:0, :0], whys)
    satisfaction = su.Satisfaction(
        distribution=su.csat_distribution(pd.Series([1, 5])),
        nps=su.nps_split(pd.Series([0, 10])),
        verbatims=pd.DataFrame(
            {
                "csat": [1, 2],
                "category": [categories[2], categories[4]],
                "channel": ["phone", "chat\u202e"],
                "quote": ["call 13800138000 \u202enow", "card 4111 1111 1111 1111"],
            }
        ),
        comments=2,
    )
    rule = v.RuleResult(
        table="contacts", rule="category_known", severity="quarantine",
        description="category \u202eknown", checked=5, failed=1,
        examples=("c1\x00 13800138000", "li.lei@example.com"),
        expectation="expect_column_values_to_be_in_set", gx_success=False, gx_unexpected=1,
        gx_values=tuple(categories),
    )  # fmt: skip
    validation = v.Validation(
        clean={}, quarantine={}, rules=(rule,),
        counts={"contacts": {"read": 5, "used": 4, "quarantined": 1}},
    )  # fmt: skip
    meta = {
        "tenant": "acme\u202e", "run_id": "r1", "reissue": 1, "reason": "call 138 0013 8000",
        "generated_at": datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC")), "fcr_provisional": False,
        "version": "0",
    }  # fmt: skip
    context = render.build_context(
        meta=meta, period=SEPTEMBER, zone_name="Asia/Shanghai", kpis=kpis,
        satisfaction=satisfaction, root_cause=root_cause, validation=validation,
        language=language, min_sample=30,
    )  # fmt: skip
    audit = render.build_validation_context(
        validation, {"run_id": "r1", "tenant": "acme", "cadence": "monthly", "period": "2026-09",
                     "source": "x", "read_at": "t", "contract_version": "2", "version": "0"},
        {}, language,
    )  # fmt: skip
    return context, audit


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_hostile_data_text_reaches_the_report_masked_and_inert(language: Language) -> None:
    context, audit = hostile_context(language)
    for html in (
        render.render_html(context, "monthly", language),
        render.render_validation_report(audit, language),
    ):
        assert not CONTROLS.search(html)
        assert not any(raw in html for raw in RAW_PERSONAL)
        assert "[phone]" in html
        assert len(html) < 300_000  # the 1 MB category is cut for display
    html = render.render_html(context, "monthly", language)
    assert "$\\x[phone]$" in html and "[e-mail]" in html and "[card]" in html
    assert ">" + "类" * 79 + "…<" in html and "类" * 240 not in html  # label 80, title 240
    fishbone = base64.b64decode(context["problems"][3]["fishbone"].split(",", 1)[1]).decode()
    assert "[phone]" in fishbone and "138" not in "".join(texts(fishbone))
