"""Suite `contacts`: one row per customer contact, its timeline and its handling."""

from __future__ import annotations

from csreview import schema as s
from expectations.checks import InSet, IsNull, NotNull, When
from expectations.rules import (
    Rule,
    column_rules,
    in_range,
    in_set,
    not_before,
    not_future,
    reference_rules,
    structure_rules,
)

TABLE = s.CONTACTS
_T = TABLE.name
DURATIONS = (s.TALK_SECONDS, s.HOLD_SECONDS, s.WRAP_SECONDS)
ANSWERED = When(s.ANSWERED_AT, "given")
UNANSWERED = When(s.ANSWERED_AT, "null")
ABANDONED = When(s.ABANDONED, "true")


def _duration_rules(column: str) -> tuple[Rule, ...]:
    return (
        Rule(
            _T,
            f"{column}_when_answered",
            "quarantine",
            f"{column} is missing for an answered contact",
            NotNull(column, when=ANSWERED),
            quiet_when=(f"{column}_type",),
        ),
        in_range(_T, column, 0, s.MAX_DURATION_SECONDS - 1, "0–86 399"),
        Rule(
            _T,
            f"{column}_when_unanswered",
            "quarantine",
            f"{column} is not 0 or empty for an unanswered contact",
            InSet(column, (0,), when=UNANSWERED),
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
        IsNull(s.ANSWERED_AT, when=ABANDONED),
    ),
    Rule(
        _T,
        "abandoned_no_agent",
        "quarantine",
        "abandoned contact has agent_id",
        IsNull(s.AGENT_ID, when=ABANDONED),
    ),
    # v2 §1a: an abandoned contact may have no closed_at (the give-up time is unknown)
    Rule(
        _T,
        "answered_agent",
        "quarantine",
        "answered contact has no agent_id",
        NotNull(s.AGENT_ID, when=ANSWERED),
    ),
    *(rule for column in DURATIONS for rule in _duration_rules(column)),
    Rule(
        _T,
        "sale_needs_offer",
        "quarantine",
        "sale without sales_offer",
        InSet(s.SALES_OFFER, (True,), when=When(s.SALE, "true")),
    ),
    *reference_rules(_T, contacts=False, agents=True),
)
