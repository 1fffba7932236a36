"""The suites cover the data contract: every table, every kind of rule, each with a severity."""

from __future__ import annotations

import json

import pytest

from csreview import schema as s
from expectations import COMMENT_LIMIT, LIMITS, SUITES, TEXT_LIMIT, suite_json
from expectations.masks import RuleInputs


@pytest.mark.parametrize("table", s.TABLES, ids=lambda t: t.name)
def test_every_required_column_is_present_and_non_null(table: s.Table) -> None:
    names = {r.name for r in SUITES[table.name]}
    for column in table.required_names:
        assert {f"{column}_present", f"{column}_required"} <= names
    for column in table.columns:
        if column.kind != "text":
            assert f"{column.name}_type" in names
    if table.key:
        assert f"{table.key}_unique" in names


@pytest.mark.parametrize(
    ("table", "rule"),
    [
        ("agents", "tier_values"),
        ("agents", "left_on_after_hired_on"),
        ("contacts", "channel_values"),
        ("contacts", "created_at_not_future"),
        ("contacts", "answered_at_after_created_at"),
        ("contacts", "closed_at_after_answered_at"),
        ("contacts", "abandoned_unanswered"),
        ("contacts", "abandoned_no_agent"),
        ("contacts", "sale_needs_offer"),
        ("contacts", "agent_known"),
        ("contacts", "talk_seconds_range"),
        ("qa_evaluations", "score_range"),
        ("qa_evaluations", "evaluated_at_after_contact"),
        ("qa_evaluations", "contact_quarantined"),
        ("surveys", "csat_or_nps"),
        ("surveys", "one_survey_per_contact"),
        ("surveys", "contact_known"),
        ("shifts", "ends_at_after_starts_at"),
        ("shifts", "shift_length"),
        ("shifts", "agent_known"),
    ],
)
def test_contract_rule_is_in_its_suite(table: str, rule: str) -> None:
    assert rule in {r.name for r in SUITES[table]}


@pytest.mark.parametrize("table", list(SUITES))
def test_suite_prints_as_json_and_explains_what_gx_cannot_check(table: str) -> None:
    suite = suite_json(table)
    json.dumps(suite)
    names = [r["rule"] for r in suite["rules"]]
    assert len(names) == len(set(names))
    for rule in suite["rules"]:
        assert rule["severity"] in {"blocking", "quarantine", "warn"}
        assert rule["expectation"] or rule["why_not_gx"], rule["rule"]


@pytest.mark.parametrize("table", s.TABLES, ids=lambda t: t.name)
def test_every_text_column_has_a_length_limit_that_gx_reads_as_a_parameter(
    table: s.Table,
) -> None:
    rules = {r.name: r for r in SUITES[table.name]}
    for column in table.kinds("text"):
        rule = rules[f"{column}_length"]
        limit = COMMENT_LIMIT if column in s.FREE_TEXT else TEXT_LIMIT
        assert rule.limit == limit and rule.expectation is not None
        assert rule.expectation.kwargs == {"column": column, "max_value": {"$PARAMETER": limit}}
        reason = f"{column} is longer than {LIMITS[limit]} characters"
        if column in s.FREE_TEXT:  # free text is cut, its row used
            assert rule.severity == "warn"
            assert rule.described(LIMITS) == f"{reason}: its first {LIMITS[limit]} are used"
        else:
            assert rule.severity == "quarantine" and rule.described(LIMITS) == reason


@pytest.mark.parametrize(
    ("values", "limit", "failing"),
    [
        (["a" * 200, "a" * 201, None, ""], 200, [False, True, False, False]),
        (["汉" * 200, "汉" * 201], 200, [False, True]),  # characters, not UTF-8 bytes
        (["😀" * 3, "e\u0301" * 2], 3, [False, True]),  # code points, as GX counts them
        (["é" * 3, "ab", None], 4, [False, False, False]),  # more bytes, fewer characters
        (["ab", None, "abc"], 3, [False, False, False]),  # no text over LIMIT bytes
        ([None, None], 1, [False, False]),
    ],
)
def test_length_is_counted_in_characters(
    values: list[str | None], limit: int, failing: list[bool]
) -> None:
    import pandas as pd

    typed = pd.DataFrame({s.CATEGORY: pd.Series(values, dtype="string")})
    inputs = RuleInputs(typed, typed, pd.Timestamp(0), limits={TEXT_LIMIT: limit})
    rule = next(r for r in SUITES["contacts"] if r.name == "category_length")
    assert rule.failing(inputs).tolist() == failing
