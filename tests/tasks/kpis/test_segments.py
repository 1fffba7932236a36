"""Segments are categories in text order, and a segment of several dimensions selects rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview.settings import Settings
from tasks.kpis.fact_building import build_facts
from tasks.kpis.segments import in_segment, in_text_order, local_days, segments
from tests.conftest import OCTOBER, ZONE, typed_frames


def test_segments_are_categories_in_text_order(settings: Settings) -> None:
    facts = build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=False)
    for dimension in f.DIMENSIONS:
        categories = list(facts.contacts[dimension].cat.categories)
        assert categories == sorted(categories), dimension
    inside = in_segment(facts.contacts, (("channel", "phone"), ("weekday", "mon")))
    assert sorted(facts.contacts[inside]["contact_id"]) == ["c1", "c2"]


def test_rows_with_no_agent_at_all_fall_in_unassigned() -> None:
    """Quarantined abandoned calls carry no agent: placing them must not fail."""
    typed = typed_frames()
    contacts = typed["contacts"]
    no_agent = contacts[contacts["agent_id"].isna()].head(2)
    seg = segments(no_agent, typed["agents"], (0, 8, 20, 24), ("phone", "chat", "app"))
    assert list(seg["team"].astype(str)) == [f.UNASSIGNED] * 2
    assert list(seg[f.AGENT].astype(str)) == [f.UNASSIGNED] * 2
    assert list(seg[f.HOUR_BAND].astype(str)) == ["20-24", "20-24"]


def test_no_readable_labels_give_missing_segments() -> None:
    codes = np.array([-1, -1])
    assert in_text_order(codes, []).isna().all()


def test_a_date_segment_is_the_local_day_and_an_interval_takes_its_days_inclusive() -> None:
    created = pd.Series(
        pd.to_datetime(
            ["2026-10-08 23:59", "2026-10-09 00:00", "2026-10-10 12:00", "2026-10-11 23:00",
             "2026-10-12 00:00", None]
        ).tz_localize(ZONE)
    )  # fmt: skip
    frame = pd.DataFrame({f.DATE: local_days(created)})
    assert list(frame[f.DATE].astype(str)[:5]) == [
        "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-11", "2026-10-12"
    ]  # fmt: skip
    assert pd.isna(frame[f.DATE].iloc[5])
    one_day = in_segment(frame, ((f.DATE, "2026-10-09"),))
    assert list(one_day) == [False, True, False, False, False, False]
    interval = in_segment(frame, ((f.DATE, "2026-10-09/2026-10-11"),))
    assert list(interval) == [False, True, True, True, False, False]
