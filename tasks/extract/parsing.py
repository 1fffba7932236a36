"""Parsing: rows as read turned into the contract's types, on the centre's local clock.

Every reader (database, parquet, CSV) hands its rows here, so a value means the same whatever
the source.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csreview import schema as s

ROW = s.ROW
_ZONED = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"
# A naive ISO-8601 local time whose fields are all in range (a day past its month's end
# aside): the usual export. Arrow parses these in a fraction of pandas' time, to the values
# and unit pandas gives; anything else (zones, other layouts, garbage) takes pandas' parser.
ISO_LOCAL = (
    r"^[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?$"
)


def parse_timestamps(values: pd.Series, zone: ZoneInfo) -> pd.Series:
    """Timestamps on the centre's local clock; naive values are local, zoned ones converted."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        converted: pd.Series = values.dt.tz_convert(zone)
        return converted
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        localized: pd.Series = values.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        return localized
    text = values.astype("string").str.strip()
    fast = _iso_local(text, zone)
    return fast if fast is not None else _text_timestamps(text, zone)


def _iso_local(text: pd.Series, zone: ZoneInfo) -> pd.Series | None:
    """The text's timestamps as `_text_timestamps` gives them, the values written as
    `ISO_LOCAL` parsed by Arrow and only the others by pandas; None when no value is so
    written, or one so written is no day of the calendar (30 February)."""
    arrow = pa.array(text.array)
    strict = pc.fill_null(pc.match_substring_regex(arrow, ISO_LOCAL), False)
    picked = strict.to_numpy(zero_copy_only=False)
    if not picked.any():
        return None
    whole = int(picked.sum()) + arrow.null_count == len(arrow)  # nothing else to parse
    try:
        stamps = pc.cast(arrow if whole else arrow.filter(strict), pa.timestamp("us"))
    except pa.ArrowInvalid:
        return None
    naive = stamps.to_numpy(zero_copy_only=False)
    if not whole:
        naive = np.full(len(text), np.datetime64("NaT", "us"))
        naive[picked] = stamps.to_numpy(zero_copy_only=False)
    local: pd.Series = pd.Series(naive, index=text.index, name=text.name).dt.tz_localize(
        zone, ambiguous="NaT", nonexistent="NaT"
    )
    if whole:
        return local
    # pandas gives a column the finest unit any of its values needs (seconds when none
    # parses): the rest's unit, where finer than Arrow's microseconds, is the column's
    rest = _text_timestamps(text[~picked], zone)
    combined: pd.Series = local.dt.as_unit("ns" if rest.dt.unit == "ns" else "us")
    combined.iloc[np.flatnonzero(~picked)] = rest.dt.as_unit(combined.dt.unit).array
    return combined


def _text_timestamps(text: pd.Series, zone: ZoneInfo) -> pd.Series:
    """Timestamps written as text, by pandas' general parser: naive values are local,
    zoned ones converted."""
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
