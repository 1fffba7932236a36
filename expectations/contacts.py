"""Suite `contacts`: one row per customer contact, its timeline and its handling."""

from __future__ import annotations

import pandas as pd

from csreview import schema as s
from expectations.rules import (
    Rule,
    RuleInputs,
    column_rules,
    expect,
    flag,
    in_range,
    in_set,
    not_before,
    not_future,
    reference_rules,
    structure_rules,
    when_null,
    when_true,
)

TABLE = s.CONTACTS
_T = TABLE.name
DURATIONS = (s.TALK_SECONDS, s.HOLD_SECONDS, s.WRAP_SECONDS)


def _answered(i: RuleInputs) -> pd.Series:
    return i.typed[s.ANSWERED_AT].notna()


def _abandoned(i: RuleInputs) -> pd.Series:
    return i.typed[s.ABANDONED].fillna(False).astype(bool)


def _duration_rules(column: str) -> tuple[Rule, ...]:
    return (
        Rule(
            _T,
            f"{column}_when_answered",
            "quarantine",
            f"{column} is missing for an answered contact",
            lambda i: _answered(i) & i.typed[column].isna(),
            expect(
                "ExpectColumnValuesToNotBeNull",
                column=column,
                row_condition=when_null(s.ANSWERED_AT, False),
            ),
            quiet_when=(f"{column}_type",),
        ),
        in_range(_T, column, 0, s.MAX_DURATION_SECONDS - 1, "0–86 399"),
        Rule(
            _T,
            f"{column}_when_unanswered",
            "quarantine",
            f"{column} is not 0 or empty for an unanswered contact",
            lambda i: ~_answered(i) & i.typed[column].notna() & (i.typed[column] != 0),
            expect(
                "ExpectColumnValuesToBeInSet",
                column=column,
                value_set=[0],
                row_condition=when_null(s.ANSWERED_AT),
            ),
        ),
    )


RULES: tuple[Rule, ...] = (
    *structure_rules(TABLE),
    *column_rules(TABLE),
    in_set(_T, s.CHANNEL, s.CHANNELS, "channel is not phone, chat, email, app or social"),
    not_future(_T, s.CREATED_AT),
    not_before(_T, s.ANSWERED_AT, s.CREATED_AT),
    not_before(_T, s.CLOSED_AT, s.ANSWERED_AT),
    not_before(_T, s.CLOSED_AT, s.CREATED_AT),
    Rule(
        _T,
        "abandoned_unanswered",
        "quarantine",
        "abandoned contact has answered_at",
        lambda i: _abandoned(i) & _answered(i),
        expect(
            "ExpectColumnValuesToBeNull",
            column=s.ANSWERED_AT,
            row_condition=when_true(s.ABANDONED),
        ),
    ),
    Rule(
        _T,
        "abandoned_no_agent",
        "quarantine",
        "abandoned contact has agent_id",
        lambda i: _abandoned(i) & i.typed[s.AGENT_ID].notna(),
        expect(
            "ExpectColumnValuesToBeNull", column=s.AGENT_ID, row_condition=when_true(s.ABANDONED)
        ),
    ),
    Rule(
        _T,
        "abandoned_closed",
        "quarantine",
        "abandoned contact has no closed_at",
        lambda i: _abandoned(i) & i.typed[s.CLOSED_AT].isna(),
        expect(
            "ExpectColumnValuesToNotBeNull",
            column=s.CLOSED_AT,
            row_condition=when_true(s.ABANDONED),
        ),
    ),
    Rule(
        _T,
        "answered_agent",
        "quarantine",
        "answered contact has no agent_id",
        lambda i: _answered(i) & i.typed[s.AGENT_ID].isna(),
        expect(
            "ExpectColumnValuesToNotBeNull",
            column=s.AGENT_ID,
            row_condition=when_null(s.ANSWERED_AT, False),
        ),
    ),
    *(rule for column in DURATIONS for rule in _duration_rules(column)),
    Rule(
        _T,
        "sale_needs_offer",
        "quarantine",
        "sale without sales_offer",
        lambda i: flag(i, s.SALE) & ~flag(i, s.SALES_OFFER),
        expect(
            "ExpectColumnValuesToBeInSet",
            column=s.SALES_OFFER,
            value_set=[True],
            row_condition=when_true(s.SALE),
        ),
    ),
    *reference_rules(_T, contacts=False, agents=True),
)
