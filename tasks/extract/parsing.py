"""Parsing: rows as read turned into the contract's types, on the centre's local clock.

Every reader (database, parquet, CSV) hands its rows here, so a value means the same whatever
the source.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from csreview import schema as s

ROW = s.ROW
_ZONED = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"


def parse_timestamps(values: pd.Series, zone: ZoneInfo) -> pd.Series:
    """Timestamps on the centre's local clock; naive values are local, zoned ones converted."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        converted: pd.Series = values.dt.tz_convert(zone)
        return converted
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        localized: pd.Series = values.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        return localized
    text = values.astype("string").str.strip()
    zoned = text.str.contains(_ZONED, regex=True).fillna(False).astype(bool)

    def naive() -> pd.Series:
        local: pd.Series = _to_datetime(text.where(~zoned)).dt.tz_localize(
            zone, ambiguous="NaT", nonexistent="NaT"
        )
        return local

    def aware() -> pd.Series:
        converted: pd.Series = _to_datetime(text.where(zoned), utc=True).dt.tz_convert(zone)
        return converted

    # one kind only (the usual export) is parsed once: the same values, the same unit (text
    # with nothing to parse comes out in seconds, the coarsest unit, which never wins)
    if not zoned.any():
        return naive()
    if zoned.all():
        return aware()
    combined: pd.Series = naive().where(~zoned, aware())
    return combined


def _to_datetime(text: pd.Series, utc: bool = False) -> pd.Series:
    parsed: pd.Series = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=utc)
    retry = parsed.isna() & text.notna()
    if retry.any():
        again = pd.to_datetime(text[retry], errors="coerce", format="mixed", utc=utc)
        parsed = parsed.where(~retry, again)
    return parsed


def parse_dates(values: pd.Series) -> pd.Series:
    """Calendar dates (no clock, no zone) as midnight timestamps."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        naive: pd.Series = values.dt.tz_localize(None) if values.dt.tz is not None else values
        return naive
    dates: pd.Series = _to_datetime(values.astype("string").str.strip()).dt.normalize()
    return dates


def parse_flags(values: pd.Series) -> pd.Series:
    """The contract's flag words (true/false, 1/0, t/f, y/n, yes/no, 是/否) as nullable booleans."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    if pd.api.types.is_numeric_dtype(values.dtype):  # the words 1 and 0, as numbers
        out[(values == 1).fillna(False).to_numpy(dtype=bool)] = True
        out[(values == 0).fillna(False).to_numpy(dtype=bool)] = False
        return out
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        text = values.astype("string").str.strip().str.lower()
    else:  # a mix of numbers and words: each value as its text
        text = values.map(_flag_text, na_action="ignore").astype("string").str.strip().str.lower()
    out[text.isin(list(s.TRUE_WORDS)).fillna(False).astype(bool)] = True
    out[text.isin(list(s.FALSE_WORDS)).fillna(False).astype(bool)] = False
    return out


def _flag_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_text(values: pd.Series) -> pd.Series:
    """Text as compared by the contract (ids are text): integral numbers lose their `.0`."""
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values.dropna()
        if (finite == np.floor(finite)).all():
            return values.astype("Int64").astype("string")
    return values.astype("string").str.strip()


def parse_numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("float64")


def parse_whole_numbers(values: pd.Series) -> pd.Series:
    """Numbers that must be whole: 12.5 is not a valid count of seconds or a survey answer."""
    numbers = parse_numbers(values)
    return numbers.where(np.isinf(numbers) | (numbers == np.floor(numbers)))


def parse_table(table: s.Table, raw: pd.DataFrame, zone: ZoneInfo) -> pd.DataFrame:
    """Every contract column of a table, typed; a column absent from the source is all empty
    (validation blocks on absent required columns, which it reads from the raw frame)."""
    parsers = {
        "text": parse_text,
        "timestamp": lambda v: parse_timestamps(v, zone),
        "date": parse_dates,
        "flag": parse_flags,
        "int": parse_whole_numbers,
        "number": parse_numbers,
    }
    absent = pd.Series([None] * len(raw), index=raw.index, dtype="object")
    columns = {
        c.name: parsers[c.kind](raw[c.name] if c.name in raw.columns else absent)
        for c in table.columns
    }
    return pd.DataFrame(columns, index=raw.index).assign(**{ROW: np.arange(len(raw))})
