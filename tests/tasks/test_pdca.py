"""Check and act: approved actions measured again, by the contract's definitions."""

from __future__ import annotations

from datetime import date

import pytest

from csreview.settings import load_settings
from tasks import kpis as k
from tasks import pdca
from tests.conftest import AFTER_WINDOW, OCTOBER, typed_frames


def test_segments_parse_back_from_their_labels() -> None:
    assert pdca.parse_segment("category=billing;hour_band=20-24") == (
        ("category", "billing"),
        ("hour_band", "20-24"),
    )
    assert pdca.parse_segment("") == ()


def test_segment_value_uses_the_contract_definition() -> None:
    settings = load_settings()
    facts = k.build_facts(typed_frames(), OCTOBER, settings, AFTER_WINDOW)
    # phone contacts of October: c1 (10 s), c2 (30 s), c9 (5 s), c3 a short abandon:
    # 2 within 20 s of 3 counted
    assert pdca.segment_value(facts, "service_level", "channel=phone", settings) == 2 / 3
    assert pdca.segment_value(facts, "service_level", "", settings) == pytest.approx(3 / 5)


@pytest.mark.parametrize(
    ("kpi", "current", "target", "due", "verdict"),
    [
        ("service_level", 0.82, 0.80, date(2026, 12, 30), "effective"),
        ("service_level", 0.70, 0.80, date(2026, 12, 30), "too_early"),
        ("service_level", 0.70, 0.80, date(2026, 11, 15), "not_effective"),
        ("abandon_rate", 0.04, 0.05, date(2026, 11, 15), "effective"),
        ("abandon_rate", float("nan"), 0.05, date(2026, 12, 30), "too_early"),
    ],
)
def test_verdicts(kpi: str, current: float, target: float, due: date, verdict: str) -> None:
    assert pdca.verdict(kpi, current, target, due, period_end=date(2026, 12, 1)) == verdict
