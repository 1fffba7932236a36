"""The stable order of rows as read: by the table's key, and by every column where keys tie
or are missing, whichever way the keys are sorted (Arrow for text and integers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csreview import schema as s
from tasks.extract.order import stable_order

KEYS = {
    "unique text": ["C3", "C1", "C2", "C10"],
    "ties and missing": ["C2", None, "C1", "C2", None, "C1"],
    "non-ascii": ["客服2", "é", "e", "客服1"],
    "integers": [3, 1, 2, 1],
    "floats (pandas' way)": [2.0, None, 1.0, 2.0],
    "spaces and case": [" C1", "c1", "C1", "C1 "],
}


@pytest.mark.parametrize("keys", KEYS.values(), ids=KEYS.keys())
@pytest.mark.parametrize("storage", ["object", "str"])
def test_rows_are_ordered_by_key_then_every_column(keys: list[object], storage: str) -> None:
    n = len(keys)
    frame = pd.DataFrame(
        {
            s.CONTACT_ID: pd.Series(keys, dtype=storage if isinstance(keys[0], str) else None),
            s.CUSTOMER_ID: pd.Series(
                [f"u{n - i}" for i in range(n)], dtype=storage
            ),  # ties: reversed
            s.CHANNEL: pd.Series(["chat", "phone"] * (n // 2), dtype=storage),
        }
    )
    every = list(frame.columns)
    expected = (
        frame.reset_index(drop=True)
        .sort_values(every, kind="stable", na_position="last")
        .index.to_numpy()
    )
    np.testing.assert_array_equal(stable_order(s.CONTACTS, frame), expected)


def test_keys_mixing_text_and_numbers_are_ordered_by_kind_then_value() -> None:
    """An untyped SQLite column keeps each value as stored: text and integers side by side,
    which Python cannot compare. Numbers come first (by the type's name), then text."""
    frame = pd.DataFrame(
        {
            s.CONTACT_ID: pd.Series(["C2", 3, None, "C1", 1, 3], dtype=object),
            s.CUSTOMER_ID: pd.Series(["u", 2, "b", "u", "u", "a"], dtype=object),
        }
    )
    order = stable_order(s.CONTACTS, frame)
    # 1, then the two 3s by customer (the integer 2 before the text "a"), C1, C2, missing
    np.testing.assert_array_equal(order, [4, 1, 5, 3, 0, 2])
