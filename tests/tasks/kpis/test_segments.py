"""Segments are categories in text order, and a segment of several dimensions selects rows."""

from __future__ import annotations

from csreview import facts as f
from csreview.settings import Settings
from tasks.kpis.fact_building import build_facts
from tasks.kpis.segments import in_segment
from tests.conftest import OCTOBER, typed_frames


def test_segments_are_categories_in_text_order(settings: Settings) -> None:
    facts = build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=False)
    for dimension in f.DIMENSIONS:
        categories = list(facts.contacts[dimension].cat.categories)
        assert categories == sorted(categories), dimension
    inside = in_segment(facts.contacts, (("channel", "phone"), ("weekday", "mon")))
    assert sorted(facts.contacts[inside]["contact_id"]) == ["c1", "c2"]
