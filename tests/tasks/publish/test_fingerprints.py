"""The input fingerprints hash the canonical CSV of the rows read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tasks.publish import fingerprints
from tasks.publish.files import sha256

TRICKY = pd.DataFrame(
    {
        "text": pd.array(
            ["a,b", 'say "hi"', "two\nlines", "cr\rhere", "", None, " é ", "\t", "plain"],
            dtype="str",
        ),
        "number": [1.5, np.nan, 1e-5, 1e20, 0.1, -0.0, 3.0, np.inf, 123456789.123],
        "flag": [True, False, True, False, True, False, True, False, True],
        "nothing": [None] * 9,
        "count": np.arange(9) - 4,
        # nothing to quote: written as they are, missing empty
        "id": pd.array(["C1", None, "C3", "", "C-5", "C 6", "七", "C8", "C9"], dtype="str"),
        # whole numbers go through an integer cast, up to 10^15
        "seconds": [384.0, -5.0, 0.0, 999_999_999_999_999.0, 1e15, 2.0**53, np.nan, -1e300, 7.0],
        # narrower floats: numpy writes their own shortest repr (1e+08, not 100000000.0)
        "single": np.array([1e8, 3.0, 123456.0, 1e6, 1234567.0, np.nan, -0.0, 0.5, 7.0], "f4"),
        "half": np.array([2048, 65504, 1, 0.5, np.nan, 3, 1000, -2, 9], "f2"),
    }
)


@pytest.mark.parametrize("piece", [1, 4, 250_000])
def test_input_fingerprint_is_the_sha256_of_the_canonical_csv(
    piece: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fingerprints, "_ROWS_PER_PIECE", piece)
    # an object column Arrow cannot write, given only in the last piece: pandas' route
    late = TRICKY.assign(late=pd.Series([None] * 8 + [12.5], dtype=object))
    for frame in (
        TRICKY,
        TRICKY.iloc[:0],
        TRICKY[["text"]],
        TRICKY.astype({"count": "Int64"}),
        late,
    ):
        assert fingerprints.raw_rows_sha256(frame) == sha256(fingerprints.raw_rows_csv(frame))
