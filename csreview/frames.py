"""Small DataFrame helpers the steps share."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Final, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csreview.memory import give_back

Rows = TypeVar("Rows", pd.DataFrame, pd.Series)


def _arrow_text(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"


def _arrow_array(values: pd.Series) -> pa.Array:
    array = pa.array(values.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def among(values: pd.Series, ids: Collection[object] | pd.Series) -> pd.Series:
    """`values.isin(ids)` for large sets of text ids, in C: pandas' Arrow-string `isin`
    converts the ids one by one in Python (seconds for a million contacts). Two Arrow text
    columns are matched by Arrow itself; anything else through an object index. A missing
    value is never among the ids."""
    if len(ids) == 0:
        return pd.Series(False, index=values.index)
    if isinstance(ids, pd.Series) and _arrow_text(values) and _arrow_text(ids):
        if len(values) < len(ids):
            return pd.Series(_among_by_the_values(values, ids), index=values.index)
        found = pc.is_in(_arrow_array(values), value_set=_arrow_array(ids), skip_nulls=True)
        return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index)
    wanted = (
        ids.dropna().to_numpy(dtype=object)
        if isinstance(ids, pd.Series)
        else np.fromiter(ids, dtype=object, count=len(ids))
    )
    found = pd.Index(values.to_numpy(dtype=object), dtype=object).isin(wanted)
    return pd.Series(found, index=values.index)


def _among_by_the_values(values: pd.Series, ids: pd.Series) -> np.ndarray:
    """`among` with the fewer values hashed instead of the ids (half the time for the
    surveys of a million contacts): each id marks its distinct value, if any."""
    encoded = _arrow_array(values).dictionary_encode()
    slots = pc.index_in(_arrow_array(ids), value_set=encoded.dictionary).drop_null()
    found = np.zeros(len(encoded.dictionary) + 1, dtype=bool)  # the last slot: missing
    found[slots.to_numpy()] = True
    hit: np.ndarray = found[encoded.indices.fill_null(-1).to_numpy()]
    return hit


def repeated(values: pd.Series) -> np.ndarray:
    """Rows whose value is given and on another row too (`notna() & duplicated(keep=False)`),
    Arrow text hashed by Arrow: a fifth less time on a million ids."""
    if not _arrow_text(values):
        shared: np.ndarray = (values.notna() & values.duplicated(keep=False)).to_numpy(bool)
        return shared
    encoded = _arrow_array(values).dictionary_encode()
    missing = len(encoded.dictionary)
    codes = encoded.indices.fill_null(missing).to_numpy()
    counts = np.bincount(codes, minlength=missing + 1)
    counts[missing] = 0  # a missing value is never shared
    out: np.ndarray = counts[codes] > 1
    return out


def may_hold_more_bytes(values: pd.Series, limit: int) -> bool:
    """Whether a text may hold more than LIMIT bytes: for Arrow text, read from its offsets
    without looking at a character; anything else may."""
    if not _arrow_text(values) or len(values) == 0:
        return True
    most = pc.max(pc.binary_length(_arrow_array(values))).as_py()
    return most is not None and most > limit


def shared_codes(*columns: pd.Series) -> list[np.ndarray]:
    """Integer codes of several id columns in one numbering (equal ids, equal codes; a
    missing id is -1): membership between tables becomes array indexing, hashed once."""
    lengths = [len(c) for c in columns]
    codes, _ = pd.concat(columns, ignore_index=True).factorize()
    return list(np.split(codes, np.cumsum(lengths)[:-1]))


def positions(values: pd.Series, ids: pd.Series) -> np.ndarray:
    """For each value, the position of the equal id in `ids` (ids are expected unique), or
    -1 when there is none or the value is missing: a lookup hashed once, in C."""
    if _arrow_text(values) and _arrow_text(ids):
        if len(values) >= len(ids):
            index = pc.index_in(_arrow_array(values), value_set=_arrow_array(ids), skip_nulls=True)
            at: np.ndarray = index.fill_null(-1).to_numpy().astype(np.int64)
            return at
        return _positions_by_the_values(_arrow_array(values), _arrow_array(ids))
    id_codes, value_codes = shared_codes(ids, values)
    size = int(max(id_codes.max(initial=-1), value_codes.max(initial=-1))) + 2
    where = np.full(size, -1, dtype=np.int64)  # by code; the last slot, code -1, stays -1
    valid = id_codes >= 0
    where[id_codes[valid]] = np.flatnonzero(valid)
    looked_up: np.ndarray = where[value_codes]
    return looked_up


def _positions_by_the_values(values: pa.Array, ids: pa.Array) -> np.ndarray:
    """`positions` with the fewer values hashed instead of the ids (a third of the time for
    the surveys of a million contacts): each id finds its distinct value, and each value
    then the first id that found it."""
    encoded = values.dictionary_encode()
    slot = pc.index_in(ids, value_set=encoded.dictionary).fill_null(-1).to_numpy()
    first_id = np.full(len(encoded.dictionary) + 1, -1, dtype=np.int64)  # last slot: missing
    found = np.flatnonzero(slot >= 0)
    distinct, first = np.unique(slot[found], return_index=True)  # of equal ids, the first
    first_id[distinct] = found[first]
    at: np.ndarray = first_id[encoded.indices.fill_null(-1).to_numpy()]
    return at


def positions_of_rows(rows: pd.DataFrame, table: pd.DataFrame, key: str) -> np.ndarray:
    """`positions(rows[key], table[key])` for ROWS taken from TABLE with their labels kept
    (a period's contacts picked from all contacts): each row's label is its position, and
    one comparison of the keys confirms it, instead of hashing millions of text ids; any
    other rows are looked up by key. TABLE's keys are expected unique, as for `positions`."""
    if table.index.is_unique and len(rows) <= len(table):
        at = table.index.get_indexer(rows.index)
        if (at >= 0).all():
            kept = table[key].iloc[at].reset_index(drop=True)
            if kept.equals(rows[key].reset_index(drop=True)) and not kept.isna().any():
                return np.asarray(at, dtype=np.int64)
    return positions(rows[key], table[key])


def rows_at(values: Rows, at: np.ndarray, index: pd.Index) -> Rows:
    """The rows of VALUES at the positions AT (as `positions` gives them), labelled INDEX;
    missing where a position is −1: a left join by position."""
    picked: Rows = values.iloc[np.maximum(at, 0)].set_axis(index)
    joined: Rows = picked.where(pd.Series(at >= 0, index=index), axis=0)
    return joined


def positions_in(ids: pd.Series, *values: pd.Series) -> list[np.ndarray]:
    """`positions(v, ids)` for each of VALUES, with the ids hashed once for all of them."""
    at = positions(pd.concat(values, ignore_index=True), ids)
    return list(np.split(at, np.cumsum([len(v) for v in values])[:-1]))


def rows_where(frame: pd.DataFrame, mask: np.ndarray, consume: bool = False) -> pd.DataFrame:
    """`frame[mask].reset_index(drop=True)`, filtered column by column: Arrow filters text in
    runs of kept rows, three times faster than pandas' take when few rows are dropped. With
    CONSUME, FRAME (one no one else holds, its column names unique) gives up each column as
    its kept one is made, so its rows are never held twice."""
    names = frame.columns
    if consume:
        columns = _each_taken([frame.pop(name).array for name in list(names)], lambda v: v[mask])
    else:
        columns = {n: frame.iloc[:, n].array[mask] for n in range(frame.shape[1])}
    index = pd.RangeIndex(int(np.count_nonzero(mask)))
    kept = pd.DataFrame(columns, index=index, copy=False).set_axis(names, axis=1)
    kept.attrs = dict(frame.attrs)
    return kept


def exact_copies(
    frame: pd.DataFrame, key: str | None = None, candidates: np.ndarray | None = None
) -> np.ndarray:
    """Rows equal in every column to an earlier row. With a key column, only rows whose key
    is missing or shared can be copies: only those (or the CANDIDATES given, any rows that
    include them) are compared column by column."""
    if key is None or key not in frame.columns:
        return frame.duplicated(keep="first").to_numpy(dtype=bool)
    if candidates is None:
        keys = frame[key]
        candidates = keys.isna().to_numpy(dtype=bool) | repeated(keys)
    copies = np.zeros(len(frame), dtype=bool)
    if candidates.any():
        copies[candidates] = frame[candidates].duplicated(keep="first").to_numpy(dtype=bool)
    return copies


def taken(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """The frame's rows at ROWS, numbered from 0; the frame itself when ROWS are all its rows
    in order (a million-row copy that would change nothing)."""
    if _every_row_in_order(rows, len(frame)):
        return frame.reset_index(drop=True)  # copy-on-write: the same columns, not copied
    return frame.take(rows).reset_index(drop=True)


def _every_row_in_order(rows: np.ndarray, n: int) -> bool:
    return len(rows) == n and bool((rows == np.arange(n)).all())


def taken_from(frames: dict[str, pd.DataFrame], name: str, rows: np.ndarray) -> pd.DataFrame:
    """`taken(frames.pop(name), rows)`, column by column: each column is let go once its
    rows are taken, so a frame is never held twice (a quarter's contacts as read are a
    gigabyte). The frame is removed from FRAMES, which must hold its only reference."""
    frame = frames.pop(name)
    if _every_row_in_order(rows, len(frame)):
        return taken(frame, rows)
    at = rows.astype(np.int64, copy=False)  # positions may come unsigned
    in_order = len(at) > 0 and bool((np.diff(at) > 0).all())
    if in_order and at[-1] - at[0] == len(at) - 1:  # one run of rows: not copied
        return frame.iloc[at[0] : at[-1] + 1].reset_index(drop=True)
    mask = None
    if in_order:  # a period's rows of a widened read: long runs, each copied at once
        mask = np.zeros(len(frame), dtype=bool)
        mask[rows] = True
    labels, attrs = frame.columns, dict(frame.attrs)
    arrays = [frame.iloc[:, n].array for n in range(frame.shape[1])]
    del frame
    kept = _each_taken(arrays, lambda v: v[mask] if mask is not None else v.take(rows))
    whole = pd.DataFrame(kept, index=pd.RangeIndex(len(rows)), copy=False).set_axis(labels, axis=1)
    whole.attrs = attrs
    return whole


LARGE_COLUMN: Final = 32 << 20  # bytes: a column this large is given back as it goes


def _each_taken(arrays: list[Any], take: Callable[[Any], Any]) -> dict[int, Any]:
    """TAKE of each of ARRAYS, by position, each let go once taken (the list holds its last
    reference) and a large one's pages given back to the system at once.

    Freed, they stay in Arrow's pool or the C heap, which the next column, of another size,
    seldom reuses: taking a 3.7 M-contact quarter's contacts column by column held the old
    and the new columns all the same (0.4 GiB above either frame, the extract's peak).
    Given back after each large column, the take peaks 0.1-0.2 GiB above (8 ms of trims)."""
    kept: dict[int, Any] = {}
    while arrays:
        values = arrays.pop(0)
        kept[len(kept)] = take(values)
        large = int(getattr(values, "nbytes", 0)) >= LARGE_COLUMN
        del values
        if large:
            give_back()
    return kept


def sums_added(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Two tables of sums by key added, key by key, in key order (a key in one only keeps
    its sums): how mergeable parts of a period add their counts."""
    if b.empty:
        return a
    if a.empty:
        return b
    both = a.index.union(b.index).sort_values()
    return a.reindex(both, fill_value=0) + b.reindex(both, fill_value=0)
