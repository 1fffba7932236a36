"""Small DataFrame helpers the steps share."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd


def among(values: pd.Series, ids: Collection[object] | pd.Series) -> pd.Series:
    """`values.isin(ids)` for large sets of text ids, in C: pandas' Arrow-string `isin`
    converts the ids one by one in Python (seconds for a million contacts)."""
    if len(ids) == 0:
        return pd.Series(False, index=values.index)
    wanted = (
        ids.dropna().to_numpy(dtype=object)
        if isinstance(ids, pd.Series)
        else np.fromiter(ids, dtype=object, count=len(ids))
    )
    found = pd.Index(values.to_numpy(dtype=object), dtype=object).isin(wanted)
    return pd.Series(found, index=values.index)
