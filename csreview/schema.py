"""The five input tables of data contract v1: column names, types and rules, defined once.

Every other module refers to columns through this module, so a rename is one edit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

CONTRACT_VERSION: Final = "1"

Kind = Literal["text", "timestamp", "date", "flag", "int", "number"]

# ---------------------------------------------------------------- column names
AGENT_ID: Final = "agent_id"
TEAM: Final = "team"
TIER: Final = "tier"
SITE: Final = "site"
HIRED_ON: Final = "hired_on"
LEFT_ON: Final = "left_on"

CONTACT_ID: Final = "contact_id"
CUSTOMER_ID: Final = "customer_id"
CHANNEL: Final = "channel"
CATEGORY: Final = "category"
CREATED_AT: Final = "created_at"
ANSWERED_AT: Final = "answered_at"
CLOSED_AT: Final = "closed_at"
ABANDONED: Final = "abandoned"
TALK_SECONDS: Final = "talk_seconds"
HOLD_SECONDS: Final = "hold_seconds"
WRAP_SECONDS: Final = "wrap_seconds"
RESOLVED: Final = "resolved"
ESCALATED: Final = "escalated"
TRANSFERRED: Final = "transferred"
COMPLAINT: Final = "complaint"
SALES_OFFER: Final = "sales_offer"
SALE: Final = "sale"

EVALUATION_ID: Final = "evaluation_id"
REVIEWER_ID: Final = "reviewer_id"
REVIEWER_KIND: Final = "reviewer_kind"
EVALUATED_AT: Final = "evaluated_at"
SCORE: Final = "score"
CRITICAL_ERROR: Final = "critical_error"
RUBRIC_ITEMS: Final = ("attitude", "accuracy", "compliance", "communication", "resolution")

SURVEY_ID: Final = "survey_id"
SUBMITTED_AT: Final = "submitted_at"
CSAT: Final = "csat"
NPS: Final = "nps"
EFFORT: Final = "effort"
COMMENT: Final = "comment"

STARTS_AT: Final = "starts_at"
ENDS_AT: Final = "ends_at"

ROW: Final = "_row"  # position of a row in the table as read: links typed rows to raw ones

# ---------------------------------------------------------------- value sets
CHANNELS: Final = ("phone", "chat", "email", "app", "social")
TIERS: Final = ("junior", "intermediate", "senior")
REVIEWER_KINDS: Final = ("human", "ai")
TRUE_WORDS: Final = frozenset({"true", "1", "t", "y", "yes", "是"})
FALSE_WORDS: Final = frozenset({"false", "0", "f", "n", "no", "否"})
MAX_DURATION_SECONDS: Final = 86_400
MAX_SHIFT_HOURS: Final = 16
# the longest text a row may hold, in characters (defaults of the settings of the same names):
# ids and categories, and free text; a longer value is quarantined before it reaches an output
MAX_TEXT_LENGTH: Final = 200
MAX_COMMENT_LENGTH: Final = 5_000
FREE_TEXT: Final = (COMMENT,)  # text columns capped at MAX_COMMENT_LENGTH, not MAX_TEXT_LENGTH


@dataclass(frozen=True)
class Column:
    """One column of an input table as the contract defines it."""

    name: str
    kind: Kind
    required: bool = False


@dataclass(frozen=True)
class Table:
    """One input table: its name, its id column (if any) and its columns in contract order."""

    name: str
    key: str | None
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def kinds(self, kind: Kind) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.kind == kind)


AGENTS: Final = Table(
    "agents",
    AGENT_ID,
    (
        Column(AGENT_ID, "text", True),
        Column(TEAM, "text", True),
        Column(TIER, "text", True),
        Column(SITE, "text"),
        Column(HIRED_ON, "date", True),
        Column(LEFT_ON, "date"),
    ),
)

CONTACTS: Final = Table(
    "contacts",
    CONTACT_ID,
    (
        Column(CONTACT_ID, "text", True),
        Column(CUSTOMER_ID, "text", True),
        Column(CHANNEL, "text", True),
        Column(CATEGORY, "text", True),
        Column(CREATED_AT, "timestamp", True),
        Column(ANSWERED_AT, "timestamp"),
        Column(CLOSED_AT, "timestamp"),
        Column(AGENT_ID, "text"),
        Column(ABANDONED, "flag", True),
        Column(TALK_SECONDS, "int"),
        Column(HOLD_SECONDS, "int"),
        Column(WRAP_SECONDS, "int"),
        Column(RESOLVED, "flag"),
        Column(ESCALATED, "flag"),
        Column(TRANSFERRED, "flag"),
        Column(COMPLAINT, "flag"),
        Column(SALES_OFFER, "flag"),
        Column(SALE, "flag"),
    ),
)

QA_EVALUATIONS: Final = Table(
    "qa_evaluations",
    EVALUATION_ID,
    (
        Column(EVALUATION_ID, "text", True),
        Column(CONTACT_ID, "text", True),
        Column(AGENT_ID, "text", True),
        Column(REVIEWER_ID, "text", True),
        Column(REVIEWER_KIND, "text"),
        Column(EVALUATED_AT, "timestamp", True),
        Column(SCORE, "number", True),
        Column(CRITICAL_ERROR, "flag"),
        *(Column(item, "number") for item in RUBRIC_ITEMS),
    ),
)

SURVEYS: Final = Table(
    "surveys",
    SURVEY_ID,
    (
        Column(SURVEY_ID, "text", True),
        Column(CONTACT_ID, "text", True),
        Column(SUBMITTED_AT, "timestamp", True),
        Column(CSAT, "int"),
        Column(NPS, "int"),
        Column(EFFORT, "int"),
        Column(COMMENT, "text"),
    ),
)

SHIFTS: Final = Table(
    "shifts",
    None,
    (
        Column(AGENT_ID, "text", True),
        Column(STARTS_AT, "timestamp", True),
        Column(ENDS_AT, "timestamp", True),
    ),
)

TABLES: Final = (AGENTS, CONTACTS, QA_EVALUATIONS, SURVEYS, SHIFTS)
TABLES_BY_NAME: Final = {t.name: t for t in TABLES}
REQUIRED_NONEMPTY: Final = (CONTACTS.name, AGENTS.name)
