"""What the tests look at: hourly load, arrivals on their staffing interval, quarantined rows
placed by their contact, and the details the facts of a contact lack."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from csreview.periods import Period
from csreview.settings import load_settings
from tasks import kpis as k
from tasks import staffing as st
from tasks.fishbone import review_data as rd
from tasks.validate import REASON
from tests.conftest import OCTOBER, ZONE, typed_frames


def test_hourly_load_is_arrivals_per_scheduled_agent_hour() -> None:
    # two agents 08:00–10:00 and one 09:00–09:30 on one day: 2 agent-hours at 8, 2.5 at 9;
    # 3 arrivals at 8 and 5 at 9 → 1.5 and 2.0; no one scheduled at 10 → NaN
    settings = load_settings()
    period = Period("monthly", 2026, 9)

    def stamps(*texts: str) -> pd.DatetimeIndex:
        return pd.to_datetime(list(texts)).tz_localize(ZONE)

    shifts = pd.DataFrame(
        {
            s.AGENT_ID: ["A1", "A2", "A3"],
            s.STARTS_AT: stamps("2026-09-01 08:00", "2026-09-01 08:00", "2026-09-01 09:00"),
            s.ENDS_AT: stamps("2026-09-01 10:00", "2026-09-01 10:00", "2026-09-01 09:30"),
        }
    )
    arrivals = pd.DataFrame({f.HOUR: [8] * 3 + [9] * 5 + [10]})
    load = rd.hourly_load(arrivals, shifts, period, settings)
    assert load[8] == 1.5 and load[9] == 2.0 and math.isnan(load[10])


def test_arrivals_are_put_on_their_staffing_interval() -> None:
    summary = pd.DataFrame(
        {
            st.INTERVAL_START: pd.to_datetime(["2026-09-01 09:00", "2026-09-01 09:30"]).tz_localize(
                ZONE
            ),
            st.UNDERSTAFFED: [True, False],
        }
    )
    frame = pd.DataFrame({s.CHANNEL: ["phone", "chat", "email", "phone"]})
    created = pd.Series(
        pd.to_datetime(
            ["2026-09-01 09:10", "2026-09-01 09:40", "2026-09-01 09:10", "2026-09-01 11:00"]
        ).tz_localize(ZONE)
    )
    flags = rd.understaffed_arrivals(frame, created, summary)
    assert flags.tolist() == [True, False, pd.NA, pd.NA]


def test_quarantined_rows_are_placed_in_segments_by_their_contact() -> None:
    settings = load_settings()
    period = Period("monthly", 2026, 9)
    agents = pd.DataFrame(
        {s.AGENT_ID: ["A1", "A2"], s.TEAM: ["Alpha", "Bravo"], s.TIER: ["senior", "junior"],
         s.SITE: [None, None], s.HIRED_ON: pd.to_datetime(["2020-01-01", "2026-01-01"]),
         s.LEFT_ON: [pd.NaT, pd.NaT]}
    )  # fmt: skip
    clean_contacts = pd.DataFrame(
        {s.CONTACT_ID: ["c1"], s.CHANNEL: ["chat"], s.CATEGORY: ["returns"], s.AGENT_ID: ["A1"],
         s.CREATED_AT: pd.to_datetime(["2026-09-03 21:00"]).tz_localize(ZONE)}
    )  # fmt: skip
    quarantine = {
        "contacts": pd.DataFrame(
            {s.CONTACT_ID: ["b1", "b2", "b3"], s.CHANNEL: ["phone", "phone", "phone"],
             s.CATEGORY: ["billing", "billing", "billing"], s.AGENT_ID: ["A2", "A2", "A2"],
             s.CREATED_AT: ["2026-09-02 10:00:00", "yesterday", "2026-10-02 10:00:00"],
             REASON: ["x", "y", "z"]}
        ),  # in the period / unreadable / another period
        "surveys": pd.DataFrame(
            {s.SURVEY_ID: ["s1"], s.CONTACT_ID: ["c1"], s.SUBMITTED_AT: ["2026-09-04 10:00:00"],
             s.CSAT: ["9"], REASON: ["csat is outside 1–5"]}
        ),
        "qa_evaluations": pd.DataFrame(
            {s.EVALUATION_ID: ["e1"], s.CONTACT_ID: ["b1"], s.AGENT_ID: ["A1"],
             s.REVIEWER_ID: ["R1"], s.SCORE: ["120"], REASON: ["score is outside 0–100"]}
        ),
    }  # fmt: skip
    clean = {s.CONTACTS.name: clean_contacts, s.AGENTS.name: agents}
    rows = rd.rejected_rows(quarantine, clean, period, settings)
    bad = rows["contacts"]
    assert bad[rd.PLACED].tolist() == [True, False]  # the October row is left out
    assert bad.loc[bad[rd.PLACED], [s.CATEGORY, s.TIER, f.HOUR_BAND]].values.tolist() == [
        ["billing", "junior", "08-12"]
    ]
    survey = rows["surveys"].iloc[0]
    assert (survey[s.CATEGORY], survey[s.TEAM], survey[f.HOUR_BAND]) == (
        "returns",
        "Alpha",
        "20-24",
    )
    evaluation = rows["qa"].iloc[0]  # its contact is quarantined; its own agent counts
    assert (evaluation[s.CATEGORY], evaluation[s.TIER]) == ("billing", "senior")


def test_quarantined_contacts_with_no_agent_are_placed_as_unassigned() -> None:
    """Abandoned calls carry no agent; when every quarantined contact is one, placing them
    must not fail (a real export's January once did)."""
    settings = load_settings()
    clean = typed_frames()
    quarantine = {
        "contacts": pd.DataFrame(
            {s.CONTACT_ID: ["b1", "b2"], s.CHANNEL: ["phone", "phone"],
             s.CATEGORY: ["billing", "returns"], s.AGENT_ID: [None, None],
             s.ABANDONED: ["1", "1"],
             s.CREATED_AT: ["2026-10-02 10:00:00", "2026-10-03 21:00:00"], REASON: ["x", "y"]}
        )
    }  # fmt: skip
    bad = rd.rejected_rows(quarantine, clean, OCTOBER, settings)["contacts"]
    assert bad[rd.PLACED].tolist() == [True, True]
    assert bad[s.TEAM].astype(str).tolist() == [f.UNASSIGNED, f.UNASSIGNED]
    assert bad[f.HOUR_BAND].astype(str).tolist() == ["08-12", "20-24"]


def test_contact_details_of_the_tiny_centre() -> None:
    # A1 (senior, hired 2020-01-01): 2 192 days to 2026 (two leap years) + 273 = 2 465 days on
    # 1 October 2026, QA 90, 70, 60 → 73.33;
    # A2 (junior, hired 2026-03-01): 214 days, QA 85. c5 and c9 are not resolved.
    settings = load_settings()
    clean = typed_frames()
    facts = k.build_facts(clean, OCTOBER, settings, fcr_provisional=False)
    found = rd.contact_details(facts, clean, OCTOBER, settings, None)
    found.index = facts.contacts[s.CONTACT_ID].to_numpy()
    assert found.loc[["c1", "c5", "c2", "c9"], rd.TENURE].tolist() == [2465, 2465, 214, 214]
    assert found.loc[["c1", "c2"], rd.AGENT_QA].tolist() == [pytest.approx(220 / 3), 85.0]
    assert found.loc[["c1", "c5", "c2", "c9", "c3"], rd.UNRESOLVED].tolist() == [0, 1, 0, 1, 0]
    assert math.isnan(found.loc["c3", rd.TENURE])  # abandoned: no agent
    assert found.loc["c1", rd.DAY] == pd.Timestamp("2026-10-05")
    assert found[rd.UNDERSTAFFED].isna().all()  # no staffing view given


def test_without_a_rota_the_erlang_gaps_are_not_testable() -> None:
    """With no shifts every interval looks understaffed (0 agents on shift): that is absent
    data, not a cause."""
    settings = load_settings()
    clean = typed_frames()
    facts = k.build_facts(clean, OCTOBER, settings, fcr_provisional=False)
    plan = pd.DataFrame(
        {st.INTERVAL_START: [pd.Timestamp("2026-10-05 10:00", tz=ZONE)], st.UNDERSTAFFED: [True]}
    )
    with_rota = rd.review_data(facts, clean, OCTOBER, settings, staffing=plan)
    no_rota = {**clean, s.SHIFTS.name: clean[s.SHIFTS.name].iloc[0:0]}
    without = rd.review_data(facts, no_rota, OCTOBER, settings, staffing=plan)
    assert (with_rota.has_staffing, without.has_staffing) == (True, False)
