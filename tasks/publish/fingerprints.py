"""Input fingerprints: the sha256 of each input table's rows as read, in a canonical CSV.

Equal inputs give equal fingerprints, so an auditor can tell which data a review read.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tasks.publish.files import sha256
from tasks.publish.tables import csv_bytes


def raw_rows_csv(frame: pd.DataFrame) -> bytes:
    """The canonical form of rows as read (see docs/outputs.md): CSV, UTF-8, columns and rows
    in the order read, missing values empty, other values as their text."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", na_rep="")
    return buffer.getvalue().encode("utf-8")


def input_fingerprints(raw: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    return {name: raw_rows_sha256(frame) for name, frame in raw.items()}


_ROWS_PER_PIECE: Final = 250_000
_QUOTED: Final = '[,"\n]'  # what csv's minimal quoting quotes (delimiter, quote, line end)


def raw_rows_sha256(frame: pd.DataFrame) -> str:
    """`sha256(raw_rows_csv(frame))`, with the CSV text built column by column in Arrow and
    hashed piece by piece: seconds less for a million rows, and never the whole text in
    memory. Columns whose text Arrow cannot write exactly as pandas does (and one-column
    frames, where csv quotes an empty row) take the pandas route."""
    if len(frame.columns) < 2:
        return sha256(raw_rows_csv(frame))
    digest = hashlib.sha256(csv_bytes(list(frame.columns), []))
    for start in range(0, len(frame), _ROWS_PER_PIECE):
        columns = _csv_columns(frame.iloc[start : start + _ROWS_PER_PIECE])
        if columns is None:  # a column Arrow cannot write as pandas does: pandas' CSV
            return sha256(raw_rows_csv(frame))
        lines = pc.binary_join_element_wise(
            pc.binary_join_element_wise(*columns, _text(",")), _text(""), _text("\n")
        )
        digest.update(_text_bytes(lines))
    return digest.hexdigest()


def _csv_columns(frame: pd.DataFrame) -> list[pa.Array] | None:
    """Each column as the text pandas' `to_csv` writes for it, or None if one is of a kind
    this does not know."""
    out = []
    for _, values in frame.items():
        text = _csv_text(values)
        if text is None:
            return None
        out.append(text)
    return out


def _csv_text(values: pd.Series) -> pa.Array | None:
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        text = pa.array(values.array)
        text = (text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text).cast(
            pa.large_string()
        )
        if not _may_need_quotes(text):
            return text.fill_null("")
        quote = _text('"')
        quoted = pc.binary_join_element_wise(
            quote, pc.replace_substring(text, '"', '""'), quote, _text("")
        )
        return pc.if_else(pc.match_substring_regex(text, _QUOTED), quoted, text).fill_null("")
    if not isinstance(dtype, np.dtype):
        return None
    array = values.to_numpy()
    if dtype.kind == "b":
        return pa.array(np.where(array, "True", "False"), type=pa.large_string())
    if dtype.kind in "iu":
        return pa.array(array).cast(pa.large_string())
    if dtype == np.float64:
        return _float_text(array)
    if dtype.kind == "f":  # numpy's shortest repr of its own width, as pandas writes it
        text = np.where(np.isnan(array), "", array.astype(str))
        return pa.array(text, type=pa.large_string())
    if dtype.kind == "O" and values.isna().all():
        return pa.array([""] * len(array), type=pa.large_string())
    return None


def _may_need_quotes(text: pa.Array) -> bool:
    """Whether any value holds a character csv quotes: one search of the column's bytes
    (in C), so columns of ids, codes and dates skip the regex value by value."""
    chars = bytes(_text_bytes(text))
    return any(char in chars for char in (b",", b'"', b"\n"))


def _float_text(array: np.ndarray) -> pa.Array:
    """Float64s as pandas writes them, numpy's shortest repr (NaN empty): whole numbers below
    10^15 read "384.0" and are written through an integer cast, the others (and −0.0) one
    by one."""
    missing = np.isnan(array)
    whole = (
        ~missing
        & (np.abs(array) < 1e15)
        & (array == np.trunc(array))
        & ~((array == 0) & np.signbit(array))
    )
    integers = pa.array(np.where(whole, array, 0).astype(np.int64)).cast(pa.large_string())
    text = pc.binary_join_element_wise(integers, _text(".0"), _text(""))
    other = ~whole & ~missing
    for where, values in ((other, array[other].astype(str)), (missing, [""] * missing.sum())):
        if where.any():
            text = pc.replace_with_mask(
                text, pa.array(where), pa.array(values, type=pa.large_string())
            )
    return text


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, type=pa.large_string())


def _text_bytes(text: pa.Array) -> memoryview:
    """The characters of a string array, its values back to back."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset :]
    data = text.buffers()[2]
    return (
        memoryview(data)[offsets[0] : offsets[len(text)]] if data is not None else memoryview(b"")
    )
