"""Extract: read a period's rows from a database or a folder, as read and as typed.

The period extract holds the period's contacts, the 7 days after it (the FCR repeat window),
every contact still open at its start (the backlog), and the rows that depend on those.
"""

from __future__ import annotations

import codecs
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import sqlalchemy as sa

from csreview import schema as s
from csreview.frames import shared_codes
from csreview.periods import REPEAT_WINDOW, Period
from csreview.settings import check_no_literal_secret, expand_env, redact_url

ROW = s.ROW


class SourceError(Exception):
    """The source cannot be opened or read (missing folder, refused connection, bad password)."""


@dataclass(frozen=True)
class Extract:
    """A period's input: `raw` rows exactly as read, `typed` the same rows parsed."""

    period: Period
    read_at: datetime
    raw: dict[str, pd.DataFrame]
    typed: dict[str, pd.DataFrame]
    missing_tables: tuple[str, ...] = ()  # required tables absent: the run blocks
    encodings: dict[str, str] = field(default_factory=dict)
    absent_tables: tuple[str, ...] = ()  # optional tables absent, read as empty (v2 §1b)


# ---------------------------------------------------------------- sources
def is_database_url(source: str) -> bool:
    return "://" in source


def describe_source(source: str) -> str:
    """The source as it may be shown or recorded: credentials removed."""
    return redact_url(source) if is_database_url(source) else str(Path(source))


def check_source(source: str) -> None:
    """Fail with SourceError, before any run starts, when the source cannot be opened (and
    with ConfigError when its URL holds a password in clear)."""
    if is_database_url(source):
        check_no_literal_secret(source, "source")
        if source.startswith("sqlite") and not _sqlite_file_exists(expand_env(source)):
            raise SourceError(f"no SQLite database at {describe_source(source)}")
        try:
            engine = sa.create_engine(expand_env(source))
        except (sa.exc.ArgumentError, ImportError, ValueError) as err:
            raise SourceError(f"cannot use database URL {describe_source(source)}: {err}") from err
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as err:
            orig = getattr(err, "orig", None)
            reason = str(orig) if orig is not None else str(err)
            raise SourceError(
                f"cannot connect to {describe_source(source)}: {reason.strip().splitlines()[0]}"
            ) from err
        finally:
            engine.dispose()
        return
    path = Path(source)
    if not path.is_dir():
        raise SourceError(f"source folder {path} does not exist")


def _sqlite_file_exists(url: str) -> bool:
    database = sa.make_url(url).database
    return database in (None, "", ":memory:") or Path(database).is_file()


def read_tables(source: str) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Every contract table present in the source, as read (extra columns kept), in the
    source's stable order."""
    tables, orders, encodings = _read_source(source)
    absent = tuple(
        t.name for t in s.TABLES if t.name not in tables and t.name not in s.REQUIRED_NONEMPTY
    )
    for name in absent:  # an optional table may be absent: what needs it is not assessed
        tables[name] = pd.DataFrame(columns=list(s.TABLES_BY_NAME[name].column_names))
        orders[name] = np.arange(0)
    return {n: f.take(orders[n]).reset_index(drop=True) for n, f in tables.items()}, encodings


def _read_source(
    source: str,
) -> tuple[dict[str, pd.DataFrame], dict[str, np.ndarray], dict[str, str]]:
    """The tables as stored, with for each the positions that put its rows in a stable
    order (a folder's files are read in file order), and the encodings of CSV files."""
    if is_database_url(source):
        check_no_literal_secret(source, "source")
        tables = _read_database(expand_env(source))
        return tables, {n: _stable_order(s.TABLES_BY_NAME[n], f) for n, f in tables.items()}, {}
    tables, encodings = _read_folder(Path(source))
    return tables, {n: np.arange(len(f)) for n, f in tables.items()}, encodings


def _read_database(url: str) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
            return {t.name: _read_table(conn, t.name) for t in s.TABLES if t.name in present}
    except (sa.exc.SQLAlchemyError, sqlite3.Error) as err:
        raise SourceError(f"cannot read {redact_url(url)}: {err}") from err
    finally:
        engine.dispose()


def _read_table(conn: sa.Connection, name: str) -> pd.DataFrame:
    """Every row of a table as the driver returns it. SQLite's own connection is handed to
    pandas (which reads it natively): the same frame, without SQLAlchemy building a row
    object per row (seconds for a million contacts)."""
    query = f'SELECT * FROM "{name}"'
    driver = conn.connection.driver_connection
    if isinstance(driver, sqlite3.Connection):
        return pd.read_sql_query(query, driver)
    return pd.read_sql_query(sa.text(query), conn)


def _stable_order(table: s.Table, frame: pd.DataFrame) -> np.ndarray:
    """Positions of the rows in an order that does not depend on the database: a server
    returns rows in storage order (PostgreSQL's changes with updates and VACUUM), which would
    change sums in their last bit and the fingerprint of the rows read. Sorted in pandas, by
    the table's key (or its contract columns) then every column, so no collation is
    involved."""
    first = [c for c in ((table.key,) if table.key else table.column_names) if c and c in frame]
    every = [*first, *(c for c in frame.columns if c not in first)]
    if table.key not in first:
        return _sorting(frame, every)
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


def _sorting(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The positions that sort a frame by these columns (stable, missing values last)."""
    ordered = (
        frame.loc[:, columns]
        .reset_index(drop=True)
        .sort_values(columns, kind="stable", na_position="last")
    )
    return ordered.index.to_numpy()


def _read_folder(folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    frames: dict[str, pd.DataFrame] = {}
    encodings: dict[str, str] = {}
    for table in s.TABLES:
        parquet, csv = folder / f"{table.name}.parquet", folder / f"{table.name}.csv"
        try:
            if parquet.is_file():
                frames[table.name] = pd.read_parquet(parquet)
            elif csv.is_file():
                encoding = detect_encoding(csv.read_bytes())
                frames[table.name] = _read_csv(csv, encoding)
                encodings[table.name] = encoding
        except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
            name = parquet if parquet.is_file() else csv
            detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise SourceError(f"cannot read {name}: {detail}") from err
    return frames, encodings


def _read_csv(path: Path, encoding: str) -> pd.DataFrame:
    """Every value as text, blanks as missing; a file with no header has no columns."""
    try:
        return pd.read_csv(
            path, dtype=str, encoding=encoding, keep_default_na=False, na_values=[""]
        )
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as such, else GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


# ---------------------------------------------------------------- parsing
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


# ---------------------------------------------------------------- the period
def select_period(
    typed: dict[str, pd.DataFrame], period: Period, zone: ZoneInfo
) -> dict[str, np.ndarray]:
    """Positions of the rows each table contributes to the period's extract; rows whose
    period cannot be told (unreadable timestamp or key) are kept so validation sees them."""
    start, end = pd.Timestamp(period.start(zone)), pd.Timestamp(period.end(zone))
    picks = {name: np.arange(len(frame)) for name, frame in typed.items()}
    contacts = typed.get(s.CONTACTS.name)
    if contacts is None:
        return picks
    created = contacts[s.CREATED_AT]
    in_window = (created >= start) & (created < end + REPEAT_WINDOW)
    open_at_start = (
        (created < start)
        & (contacts[s.CLOSED_AT].isna() | (contacts[s.CLOSED_AT] >= start))
        & ~contacts[s.ABANDONED].fillna(False).astype(bool)
    )
    keep = (in_window | open_at_start | created.isna()).to_numpy()
    picks[s.CONTACTS.name] = np.flatnonzero(keep)
    dependent = [t.name for t in (s.QA_EVALUATIONS, s.SURVEYS) if t.name in typed]
    contact_codes, *codes = shared_codes(
        contacts[s.CONTACT_ID], *(typed[name][s.CONTACT_ID] for name in dependent)
    )
    size = int(max((c.max(initial=-1) for c in (contact_codes, *codes)), default=-1)) + 2
    known = np.zeros(size, dtype=bool)  # by code; the last slot, code -1, is a missing id
    chosen = np.zeros(size, dtype=bool)
    known[contact_codes[contact_codes >= 0]] = True
    chosen[contact_codes[(contact_codes >= 0) & keep]] = True
    for name, ids in zip(dependent, codes, strict=True):
        follows = chosen[ids] | ~known[ids] | (ids < 0)
        picks[name] = np.flatnonzero(follows)
    if s.SHIFTS.name in typed:
        begin, finish = typed[s.SHIFTS.name][s.STARTS_AT], typed[s.SHIFTS.name][s.ENDS_AT]
        overlaps = ((begin < end) & (finish > start)) | begin.isna() | finish.isna()
        picks[s.SHIFTS.name] = np.flatnonzero(overlaps.to_numpy())
    return picks


def extract_period(source: str, period: Period, zone: ZoneInfo, read_at: datetime) -> Extract:
    """Read the source and keep the period's rows, both as read and typed. Rows are parsed
    and picked as stored, then taken once in the source's stable order."""
    check_source(source)  # a missing SQLite file is an error, never a new empty database
    tables, orders, encodings = _read_source(source)
    absent = tuple(
        t.name for t in s.TABLES if t.name not in tables and t.name not in s.REQUIRED_NONEMPTY
    )
    for name in absent:  # an optional table may be absent: what needs it is not assessed
        tables[name] = pd.DataFrame(columns=list(s.TABLES_BY_NAME[name].column_names))
        orders[name] = np.arange(0)
    typed_all = {
        name: parse_table(s.TABLES_BY_NAME[name], frame, zone) for name, frame in tables.items()
    }
    picks = select_period(typed_all, period, zone)
    raw, typed = {}, {}
    for name, order in orders.items():
        picked = np.zeros(len(order), dtype=bool)
        picked[picks[name]] = True
        rows = order[picked[order]]  # the picked rows, in stable order
        raw[name] = tables.pop(name).take(rows).reset_index(drop=True)
        typed[name] = (
            typed_all.pop(name)
            .take(rows)
            .reset_index(drop=True)
            .assign(**{ROW: np.arange(len(rows))})
        )
    missing = tuple(t.name for t in s.TABLES if t.name not in orders)
    return Extract(period, read_at, raw, typed, missing, encodings, absent)
