"""A tiny centre for the fishbone tests: contact facts from groups of rows, the review data
around them, and a test's verdict with its evidence worded in English."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.messages import Message, Segment
from csreview.settings import load_settings
from tasks import compare
from tasks.fishbone import review_data as rd
from tasks.fishbone.case import Case, Check, Result
from tasks.fishbone.runner import Hypothesis
from tasks.playbook import load_playbook
from tasks.render import Formatter
from tasks.render.root_cause_words import word

EN = Formatter("en")
LIMITS = load_playbook(None)["thresholds"]
BILLING = ((s.CATEGORY, "billing"),)
IN_BILLING = {s.CATEGORY: "billing"}
LIVE_CHANNELS = load_settings().live_channels

BASE_ROW: dict[str, Any] = {
    f.ALL: "all", s.CHANNEL: "phone", s.CATEGORY: "other", s.TEAM: "Alpha", s.TIER: "senior",
    s.SITE: "Shanghai", f.HOUR_BAND: "08-12", f.WEEKDAY: "mon", f.AGENT: "A1",
    f.N: 1, f.ANSWERED: 1, f.COUNTED: 1, f.ABANDON_COUNTED: 0, f.WITHIN_SL: 1, f.WAIT: 10.0,
    f.HANDLE: 300.0, f.NOT_REPEATED: 1, f.HANDLED_COMPLAINT: 0, f.HANDLED_ESCALATED: 0,
    f.HANDLED_TRANSFERRED: 0, f.OFFERED: 0, f.SOLD: 0, f.HOUR: 9,
}  # fmt: skip


def contacts(*groups: tuple[int, dict[str, Any]]) -> pd.DataFrame:
    """Contact facts from `(count, values)` groups, ids c1, c2, … in order."""
    rows = [BASE_ROW | values for count, values in groups for _ in range(count)]
    frame = pd.DataFrame(rows)
    live = frame[s.CHANNEL].isin(LIVE_CHANNELS) if rows else pd.Series(dtype=bool)
    return frame.assign(
        **{
            s.CONTACT_ID: [f"c{i}" for i in range(1, len(rows) + 1)],
            f.CHANNEL_GROUP: live.map({True: f.LIVE, False: f.QUEUED}),
        }
    )


def details(frame: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    """Per-contact details aligned on `frame`: nothing known unless given."""
    n = len(frame)
    base: dict[str, Any] = {
        rd.DAY: pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
        rd.TENURE: [math.nan] * n,
        rd.AGENT_QA: [math.nan] * n,
        rd.UNRESOLVED: [0] * n,
        rd.UNDERSTAFFED: pd.array([pd.NA] * n, dtype="boolean"),
    }
    out = pd.DataFrame(base | columns)
    out.index = frame.index
    return out


def review(frame: pd.DataFrame, **fields: Any) -> rd.ReviewData:
    """The review data of a tiny centre: its contact facts and whatever a test gives."""
    qa = fields.pop("qa", pd.DataFrame(columns=[*BASE_ROW, s.CONTACT_ID, s.REVIEWER_ID, s.SCORE]))
    surveys = fields.pop("surveys", pd.DataFrame(columns=[*BASE_ROW, s.CONTACT_ID]))
    facts = f.Facts(
        contacts=frame,
        backlog=frame.iloc[0:0],
        qa=qa,
        calibration=qa,
        surveys=surveys,
        fcr_provisional=False,
    )
    defaults: dict[str, Any] = {
        "details": details(frame),
        "load": pd.Series(dtype="float64"),
        "has_shifts": True,
        "has_staffing": True,
        "resolved_known": True,
        "previous": pd.DataFrame(columns=list(compare.HISTORY_COLUMNS)),
        "rejected": None,
        "days": 30.0,
        "previous_days": 31.0,
        "previous_label": "2026-08",
        "qa_spread_target": 9.0,
        "min_sample": 5,
    }
    return rd.ReviewData(facts=facts, **(defaults | fields))


def run(
    check: Check,
    data: rd.ReviewData,
    kpi: str = "complaint_rate",
    segment: Segment = BILLING,
) -> Result:
    return check(Case(1, kpi, segment, data), LIMITS)


def verdict(result: Result) -> tuple[str, str]:
    """A test's verdict and its evidence in English."""
    return result.verdict, said(result)


def said(result: Result) -> str:
    """A test's evidence in English."""
    return word(result.evidence, EN)


def hypothesis(category: str, key: str, verdict: str, strength: float) -> Hypothesis:
    return Hypothesis(1, category, Message(key), verdict, "1", key=key, strength=strength)  # type: ignore[arg-type]
