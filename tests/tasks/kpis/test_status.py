"""A KPI's status against its target band: ok, warn, breach, low sample or not available."""

from __future__ import annotations

import pytest

from csreview.settings import Band
from tasks.kpis.status import status_of


@pytest.mark.parametrize(
    ("value_", "denominator", "direction", "expected"),
    [
        (0.85, 100, "higher", "ok"),
        (0.77, 100, "higher", "warn"),
        (0.70, 100, "higher", "breach"),
        (0.04, 100, "lower", "ok"),
        (0.06, 100, "lower", "warn"),
        (0.09, 100, "lower", "breach"),
        (0.70, 10, "higher", "low_sample"),
        (float("nan"), 100, "higher", "na"),
        (0.5, 100, "none", "na"),
    ],
)
def test_status(value_: float, denominator: float, direction: str, expected: str) -> None:
    band = Band(target=0.8, warn=0.75) if direction == "higher" else Band(target=0.05, warn=0.08)
    assert status_of(value_, denominator, band, direction, 30) == expected


@pytest.mark.parametrize(
    ("scores", "direction", "expected"),
    [  # one-decimal scores averaging exactly 85: (90.3, 80.1, 84.6) sums to 254.99999999999997
        ((90.3, 80.1, 84.6), "higher", "ok"),
        ((80.1, 84.6, 90.3), "higher", "ok"),
        ((85.0, 85.0, 84.99999), "higher", "warn"),  # truly short of the target
        ((80.0, 80.0, 80.0), "higher", "warn"),
        ((80.0, 80.0, 79.99999), "higher", "breach"),
        ((88.4, 81.2, 85.4), "lower", "ok"),  # sums to 255.00000000000003
        ((85.0, 85.0, 85.00001), "lower", "warn"),
    ],
)
def test_status_at_a_band_edge_does_not_depend_on_summation_order(
    scores: tuple[float, ...], direction: str, expected: str
) -> None:
    total = 0.0
    for score in scores:  # in this order, as a sum over rows does
        total += score
    band = Band(target=85.0, warn=80.0) if direction == "higher" else Band(target=85.0, warn=90.0)
    assert status_of(total / len(scores), 30, band, direction, 30) == expected
