"""Segments are categories in text order, and a segment of several dimensions selects rows."""

from __future__ import annotations

import numpy as np

from csreview import facts as f
from csreview.settings import Settings
from tasks.kpis.fact_building import build_facts
from tasks.kpis.segments import in_segment, in_text_order, segments
from tests.conftest import OCTOBER, typed_frames


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
