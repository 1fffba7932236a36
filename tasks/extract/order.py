"""The order the extract gives a table's rows: the same whatever order the database returns
them in, so that sums and the fingerprints of the rows read do not depend on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csreview import schema as s


def stable_order(table: s.Table, frame: pd.DataFrame) -> np.ndarray:
    """Positions of the rows in an order that does not depend on the database: a server
    returns rows in storage order (PostgreSQL's changes with updates and VACUUM), which would
    change sums in their last bit and the fingerprint of the rows read. Sorted here, by the
    table's key (or its contract columns) then every column, so no collation is involved
    (text keys byte by byte, by Arrow; other keys and the tied ones by pandas)."""
    first = [c for c in ((table.key,) if table.key else table.column_names) if c and c in frame]
    every = [*first, *(c for c in frame.columns if c not in first)]
    if table.key not in first:
        return _sorting(frame, every)
    by_key = _by_key(frame[table.key])
    if by_key is not None:
        order, tied = by_key
        if tied.any():  # each run of tied keys (and the missing ones) by every column
            rows = np.sort(order[tied])
            order[tied] = rows[_sorting(frame.iloc[rows], every)]
        return order
    # The same order, comparing every column only where keys tie (or are missing): those rows
    # are put in order first, and keep it through the stable sort by key.
    keys = frame[table.key]
    tied = (keys.isna() | keys.duplicated(keep=False)).to_numpy()
    rows = np.arange(len(frame))
    if tied.any():
        tied_rows = np.flatnonzero(tied)
        rows = np.concatenate(
            [np.flatnonzero(~tied), tied_rows[_sorting(frame.iloc[tied_rows], every)]]
        )
    ordered: np.ndarray = rows[_sorting(frame.loc[:, first].iloc[rows], first)]
    return ordered


def _by_key(keys: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """The positions that sort text or integer KEYS (stable, missing last) and which places
    of that order hold a key that ties with a neighbour or is missing, by Arrow: pandas'
    order in a fraction of its time (a million keys: no hashing for duplicates). None for
    other keys (a float is missing when NaN to pandas, not to Arrow)."""
    try:
        values = pa.array(keys.array)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    kind = values.type
    if not (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind)
    ):
        return None
    order = pc.sort_indices(values).to_numpy(zero_copy_only=False).copy()  # missing last
    ordered = values.take(order)
    tied = np.zeros(len(order), dtype=bool)
    if len(order) > 1:
        same = pc.fill_null(pc.equal(ordered[1:], ordered[:-1]), False).to_numpy(
            zero_copy_only=False
        )
        tied[1:] |= same
        tied[:-1] |= same
    tied[len(order) - values.null_count :] = True
    return order, tied


def _sorting(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The positions that sort a frame by these columns (stable, missing values last)."""
    ordered = (
        frame.loc[:, columns]
        .reset_index(drop=True)
        .sort_values(columns, kind="stable", na_position="last", key=_sortable)
    )
    return ordered.index.to_numpy()


def _sortable(column: pd.Series) -> pd.Series:
    """COLUMN as pandas can sort it: an untyped SQLite column may hold text and numbers
    (`sqlite_arrow` keeps each value as stored), which Python cannot compare, so such a column
    is sorted by each value's type name, then by value. Any other column is as it is."""
    if column.dtype != object:
        return column
    kinds = {type(v) for v in column.dropna()}
    if len(kinds) <= 1:
        return column
    return column.map(lambda v: (type(v).__name__, v), na_action="ignore")
