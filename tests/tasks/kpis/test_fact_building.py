"""Facts of a period: FCR provisional until the repeat window closes, repeats by definition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csreview.settings import Settings
from tasks.kpis.fact_building import (
    build_facts,
    by_who_then_time,
    fcr_is_provisional,
    repeated_contacts,
)
from tests.conftest import AFTER_WINDOW, OCTOBER, ZONE, typed_frames


def test_fcr_provisional_until_window_closes(settings: Settings) -> None:
    from datetime import datetime

    early = datetime(2026, 11, 3, tzinfo=ZONE)
    assert fcr_is_provisional(OCTOBER, settings, early)
    assert not fcr_is_provisional(OCTOBER, settings, AFTER_WINDOW)
    assert build_facts(typed_frames(), OCTOBER, settings, fcr_provisional=True).fcr_provisional


def test_repeat_needs_strictly_later_contact() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["U", "U", "U"],
            "category": ["x", "x", "x"],
            "created_at": pd.to_datetime(
                ["2026-10-01 10:00", "2026-10-01 10:00", "2026-10-08 10:00"]
            ),
        }
    )
    # the two simultaneous contacts are not repeats of each other; the third is exactly 7 days later
    assert repeated_contacts(frame).tolist() == [True, True, False]


def test_repeats_on_random_contacts_match_the_definition() -> None:
    """Against the definition read literally: for each contact, the first later contact of
    the same customer and category (missing keys and times never repeat)."""
    rng = np.random.default_rng(3)
    for _ in range(10):
        n = 60
        frame = pd.DataFrame(
            {
                "customer_id": pd.Series(rng.choice(["U1", "U2", "U3", None], n), dtype="string"),
                "category": pd.Series(rng.choice(["x", "y"], n), dtype="string"),
                "created_at": pd.Series(
                    pd.Timestamp("2026-10-01", tz=ZONE)
                    + pd.to_timedelta(rng.integers(0, 20, n), unit="D")
                ).where(rng.random(n) > 0.1),
            }
        )
        expected = []
        for _, row in frame.iterrows():
            if pd.isna(row.customer_id) or pd.isna(row.created_at):
                expected.append(False)
                continue
            same = frame[
                (frame.customer_id == row.customer_id).fillna(False)
                & (frame.category == row.category)
                & (frame.created_at > row.created_at)
            ]
            later = same.created_at.min() if len(same) else pd.NaT
            expected.append(
                bool(pd.notna(later) and later - row.created_at <= pd.Timedelta(days=7))
            )
        assert repeated_contacts(frame).tolist() == expected


@pytest.mark.parametrize("largest", [5, 2**62])  # one key; two where one would overflow
def test_rows_are_ordered_by_customer_and_category_then_time(largest: int) -> None:
    who = np.array([largest, 0, largest, 3, 0], dtype=np.int64)
    rank = np.array([1, 2, 0, 0, 2], dtype=np.int64)
    order = by_who_then_time(who, rank, 3)
    assert order.tolist() == np.lexsort((rank, who)).tolist() == [1, 4, 3, 2, 0]
