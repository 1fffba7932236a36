"""The facts vocabulary: the KPI table's columns, the dimensions and the facts frames' measures.

Every step that reads facts or KPI rows names their columns through this module, so the
steps share one vocabulary and none of them owns it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from csreview import schema as s

# ---------------------------------------------------------------- names
KPI: Final = "kpi"
DIMENSION: Final = "dimension"
SEGMENT: Final = "segment"
VALUE: Final = "value"
NUMERATOR: Final = "numerator"
DENOMINATOR: Final = "denominator"
TARGET: Final = "target"
STATUS: Final = "status"
KPI_COLUMNS: Final = (KPI, DIMENSION, SEGMENT, VALUE, NUMERATOR, DENOMINATOR, TARGET, STATUS)

ALL: Final = "all"
CHANNEL_GROUP: Final = "channel_group"  # data contract v2 §3a
LIVE: Final = "live"  # waits of seconds: phone, chat, app by default
QUEUED: Final = "queued"  # waits of hours: e-mail, social by default
CHANNEL_GROUPS: Final = (LIVE, QUEUED)
UNASSIGNED: Final = "unassigned"
HOUR_BAND: Final = "hour_band"
WEEKDAY: Final = "weekday"
DATE: Final = "date"  # data contract v2 §5: the local calendar day, YYYY-MM-DD
AGENT: Final = "agent"
DIMENSIONS: Final = (
    ALL,
    s.CHANNEL,
    CHANNEL_GROUP,
    s.CATEGORY,
    s.TEAM,
    s.TIER,
    s.SITE,
    HOUR_BAND,
    WEEKDAY,
    DATE,
    AGENT,
)
DIMENSION_LABELS: Final = {  # English msgids of the dimension names
    ALL: "all contacts",
    s.CHANNEL: "channel",
    CHANNEL_GROUP: "channel group",
    s.CATEGORY: "category",
    HOUR_BAND: "time band",
    s.TEAM: "team",
    s.TIER: "tier",
    s.SITE: "site",
    WEEKDAY: "weekday",
    DATE: "date",
    AGENT: "agent",
}
HOUR: Final = "_hour"  # hour of day of created_at, for staffing per hour
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# fact columns
N: Final = "n"
ANSWERED: Final = "answered"
COUNTED: Final = "counted"  # answered + abandoned − short abandons
ABANDON_COUNTED: Final = "abandon_counted"
WITHIN_SL: Final = "within_sl"
WAIT: Final = "wait_seconds"
HANDLE: Final = "handle_seconds"
NOT_REPEATED: Final = "not_repeated"
HANDLED_COMPLAINT: Final = "handled_complaint"
HANDLED_ESCALATED: Final = "handled_escalated"
HANDLED_TRANSFERRED: Final = "handled_transferred"
OFFERED: Final = "offered"
SOLD: Final = "sold"
FAILED: Final = "failed"
CSAT_N: Final = "csat_n"
CSAT_TOP2: Final = "csat_top2_n"
NPS_N: Final = "nps_n"
PROMOTER: Final = "promoter"
DETRACTOR: Final = "detractor"
SPREAD: Final = "spread"
SATISFACTION_POINTS: Final = "satisfaction_points"
SATISFACTION_N: Final = "satisfaction_n"
EFFORT_N: Final = "effort_n"
OFFER_CSAT_N: Final = "offer_csat_n"
OFFER_TOP2: Final = "offer_top2"
NO_OFFER_CSAT_N: Final = "no_offer_csat_n"
NO_OFFER_TOP2: Final = "no_offer_top2"


@dataclass(frozen=True)
class Facts:
    """One row per contact, backlog item, evaluation or survey, with its segments."""

    contacts: pd.DataFrame
    backlog: pd.DataFrame
    qa: pd.DataFrame
    calibration: pd.DataFrame  # the evaluations of contacts evaluated more than once
    surveys: pd.DataFrame
    fcr_provisional: bool
    months: tuple[int, ...] = ()  # calendar months of the period: seasonal targets
