"""A messy export of a contact centre, as real centres send one: bad rows planted beside the
good ones, each with the reason validation must give for it.

Apart from the generator (`csreview.demo`): the demo review and the tests plant them in a
clean centre, and a review of the messy export must equal that of the clean one.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from csreview import schema as s
from csreview.periods import Period


@dataclass(frozen=True)
class Planted:
    """A bad row planted in a demo export, and the reason validation must give for it."""

    table: str
    row_id: str
    reason: str


def plant_bad_rows(
    frames: dict[str, pd.DataFrame], period: Period, zone: ZoneInfo
) -> tuple[dict[str, pd.DataFrame], tuple[Planted, ...]]:
    """The export as real contact centres send it: duplicates, swapped timestamps,
    out-of-scale answers, orphans. Every bad row is added next to the good ones (the good
    rows stay as they were), so a review of the messy export must equal that of the clean one.
    """
    contacts = frames[s.CONTACTS.name]
    start = pd.Timestamp(period.start(zone).replace(tzinfo=None))
    answered = contacts[
        ~contacts[s.ABANDONED].astype(bool)
        & contacts[s.ANSWERED_AT].notna()
        & (contacts[s.CREATED_AT] >= start + pd.Timedelta(days=3))
    ]
    base: dict[str, object] = {str(k): v for k, v in answered.iloc[0].items()}
    created = pd.Timestamp(answered[s.CREATED_AT].iloc[0])
    first_answer = pd.Timestamp(answered[s.ANSWERED_AT].iloc[0])
    surveys = frames[s.SURVEYS.name]
    in_period = surveys[surveys[s.CONTACT_ID].isin(answered[s.CONTACT_ID])]
    surveyed = {str(k): v for k, v in in_period.iloc[0].items()}
    agent = str(base[s.AGENT_ID])
    planted: list[Planted] = []
    rows: dict[str, list[dict[str, object]]] = {name: [] for name in frames}

    def add(table: str, row_id: str, reason: str, row: dict[str, object]) -> None:
        rows[table].append(row)
        planted.append(Planted(table, row_id, reason))

    def contact(row_id: str, reason: str, **changes: object) -> None:
        add(s.CONTACTS.name, row_id, reason, {**base, s.CONTACT_ID: row_id, **changes})

    add(s.CONTACTS.name, str(base[s.CONTACT_ID]), "duplicate row", dict(base))
    contact("BAD-C01", "conflicting duplicate contact_id", **{s.CATEGORY: "billing"})
    contact("BAD-C01", "conflicting duplicate contact_id", **{s.CATEGORY: "returns"})
    contact(
        "BAD-C02",
        "answered_at is before created_at",
        **{s.ANSWERED_AT: created - pd.Timedelta(minutes=5)},
    )
    contact("BAD-C03", "channel is not phone", **{s.CHANNEL: "fax"})
    contact("BAD-C04", "agent_id is not in agents", **{s.AGENT_ID: "GHOST"})
    contact("BAD-C05", "talk_seconds is outside", **{s.TALK_SECONDS: -30})
    contact("BAD-C06", "talk_seconds is not a valid whole number", **{s.TALK_SECONDS: 12.5})
    contact("BAD-C07", "sale without sales_offer", **{s.SALE: True, s.SALES_OFFER: False})
    contact(
        "BAD-C08",
        "abandoned contact has agent_id",
        **{s.ABANDONED: True, s.ANSWERED_AT: None, s.TALK_SECONDS: 0},
    )
    contact("BAD-C09", "created_at is not a valid timestamp", **{s.CREATED_AT: "yesterday"})
    contact("BAD-C10", "customer_id is missing", **{s.CUSTOMER_ID: None})
    contact(
        "BAD-C11",
        "closed_at is before answered_at",
        **{s.CLOSED_AT: first_answer - pd.Timedelta(seconds=1)},
    )

    def survey(row_id: str, reason: str, **changes: object) -> None:
        row: dict[str, object] = {
            **surveyed,
            s.SURVEY_ID: row_id,
            s.CONTACT_ID: base[s.CONTACT_ID],
            s.SUBMITTED_AT: created + pd.Timedelta(days=1),
            s.CSAT: 4,
            s.NPS: 8,
            **changes,
        }
        add(s.SURVEYS.name, row_id, reason, row)

    survey("BAD-S01", "csat is outside 1–5", **{s.CSAT: 7})
    survey("BAD-S02", "nps is outside 0–10", **{s.NPS: 11})
    survey("BAD-S03", "its contact is quarantined", **{s.CONTACT_ID: "BAD-C02"})
    survey("BAD-S04", "contact_id is not in contacts", **{s.CONTACT_ID: "NOPE"})
    survey("BAD-S05", "neither csat nor nps", **{s.CSAT: None, s.NPS: None})
    survey(
        "BAD-S06",
        "a survey of this contact was submitted earlier",
        **{s.CONTACT_ID: surveyed[s.CONTACT_ID], s.SUBMITTED_AT: "2099-01-01 00:00:00"},
    )

    def evaluation(row_id: str, reason: str, **changes: object) -> None:
        row: dict[str, object] = {
            s.EVALUATION_ID: row_id,
            s.CONTACT_ID: base[s.CONTACT_ID],
            s.AGENT_ID: agent,
            s.REVIEWER_ID: "R-BAD",
            s.REVIEWER_KIND: "human",
            s.EVALUATED_AT: created + pd.Timedelta(days=1),
            s.SCORE: 85.0,
            s.CRITICAL_ERROR: False,
            **changes,
        }
        add(s.QA_EVALUATIONS.name, row_id, reason, row)

    evaluation("BAD-E01", "score is outside 0–100", **{s.SCORE: 120.0})
    evaluation("BAD-E02", "its contact is quarantined", **{s.CONTACT_ID: "BAD-C03"})
    evaluation("BAD-E03", "reviewer_kind is not human or ai", **{s.REVIEWER_KIND: "robot"})
    evaluation(
        "BAD-E04",
        "evaluated_at is before the contact's created_at",
        **{s.EVALUATED_AT: created - pd.Timedelta(hours=1)},
    )

    agents = frames[s.AGENTS.name]
    add(
        s.AGENTS.name,
        "BAD-A01",
        "tier is not junior, intermediate or senior",
        {**{str(k): v for k, v in agents.iloc[0].items()}, s.AGENT_ID: "BAD-A01", s.TIER: "expert"},
    )
    shift_start = start + pd.Timedelta(days=4, hours=9)

    def shift(row_id: str, reason: str, who: str, hours: float) -> None:
        row = {
            s.AGENT_ID: who,
            s.STARTS_AT: shift_start,
            s.ENDS_AT: shift_start + pd.Timedelta(hours=hours),
        }
        add(s.SHIFTS.name, row_id, reason, row)

    shift("BAD-A01", "its agent is quarantined", "BAD-A01", 8)
    shift(agent, "ends_at is not after starts_at", agent, -1)
    shift(agent, "shift is longer than 16 h", agent, 20)

    messy = {
        name: pd.concat(
            [frame, pd.DataFrame(rows[name], columns=frame.columns)], ignore_index=True
        ).pipe(_timestamps_as_text)
        if rows[name]
        else frame
        for name, frame in frames.items()
    }
    return messy, tuple(planted)


def _timestamps_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A column mixing timestamps and text (\"yesterday\") is exported as text, as a CSV is."""

    def text(value: object) -> object:
        return value.isoformat(sep=" ") if isinstance(value, pd.Timestamp) else value

    mixed = [c for c in frame.columns if frame[c].dtype == object]
    return frame.assign(**{c: frame[c].map(text) for c in mixed})
