"""Reading a period from a folder: parquet files asked for the period's rows (pyarrow
filters, pushed down to the row groups), CSV files streamed in chunks keeping only them.

What is kept is a superset of the period's rows (parquet) or exactly them (CSV); the exact
cut is made in pandas afterwards, as for every source, knowing every contact id of the
folder (a survey of no contact in the source is kept so that validation quarantines it).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any, Final

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from csreview import schema as s
from tasks.extract.parsing import parse_flags, parse_text, parse_timestamps
from tasks.extract.scope import (
    TIMESTAMP_SHAPE,
    ReadScope,
    contacts_needed,
    dependents_needed,
    shifts_needed,
)

CSV_CHUNK_ROWS: Final = 200_000
_BLOCK: Final = 1 << 20


@dataclass
class FolderRead:
    """A folder's tables as read for a period, the contact ids of the whole folder (typed),
    each CSV file's encoding, and how each table was asked for its rows."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    known_contacts: pd.Series | None = None
    known_raw: pd.Series | None = None  # every contact id of a parquet file, as stored
    chosen: pd.Series | None = None  # the ids of the contacts read, typed
    encodings: dict[str, str] = field(default_factory=dict)
    asked: dict[str, str] = field(default_factory=dict)


def read_folder(folder: Path, scope: ReadScope | None) -> FolderRead:
    """The contract tables of a folder: every row when `scope` is None, else the rows the
    period may need. Contacts come first: the tables referring to them follow them."""
    read = FolderRead()
    for table in sorted(s.TABLES, key=lambda t: t.name != s.CONTACTS.name):
        parquet, csv = folder / f"{table.name}.parquet", folder / f"{table.name}.csv"
        try:
            if parquet.is_file():
                _read_parquet(read, table, parquet, scope)
            elif csv.is_file():
                _read_csv(read, table, csv, scope)
        except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
            name = parquet if parquet.is_file() else csv
            detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise SourceReadError(f"cannot read {name}: {detail}") from err
    read.tables = {t.name: read.tables[t.name] for t in s.TABLES if t.name in read.tables}
    return read


class SourceReadError(Exception):
    """A file of the folder cannot be read."""


# ---------------------------------------------------------------- parquet
def _read_parquet(read: FolderRead, table: s.Table, path: Path, scope: ReadScope | None) -> None:
    schema = pq.read_schema(path)
    names = set(schema.names)
    condition = None if scope is None else _parquet_condition(read, table, schema, scope)
    read.tables[table.name] = pd.read_parquet(path, filters=condition)
    if scope is not None:
        read.asked[table.name] = "every row" if condition is None else f"parquet filter {condition}"
    if table is s.CONTACTS and scope is not None and s.CONTACT_ID in names:
        read.known_raw = pd.read_parquet(path, columns=[s.CONTACT_ID])[s.CONTACT_ID]
        read.known_contacts = parse_text(read.known_raw)


def _parquet_condition(
    read: FolderRead, table: s.Table, schema: pa.Schema, scope: ReadScope
) -> ds.Expression | None:
    names = set(schema.names)
    if table is s.CONTACTS and {s.CREATED_AT, s.CLOSED_AT, s.ABANDONED} <= names:
        created, closed = s.CREATED_AT, s.CLOSED_AT
        in_window = (_at_least(schema, created, scope.from_day)) & _before(
            schema, created, scope.window_until_day
        )
        still_open = (
            _before(schema, created, scope.open_before_day)
            & _not_abandoned(schema)
            & (_unplaced(schema, closed) | _at_least(schema, closed, scope.from_day))
        )
        return in_window | still_open | _unplaced(schema, created)
    if table is s.SHIFTS and {s.STARTS_AT, s.ENDS_AT} <= names:
        overlaps = _before(schema, s.STARTS_AT, scope.shifts_until_day) & _at_least(
            schema, s.ENDS_AT, scope.from_day
        )
        return overlaps | _unplaced(schema, s.STARTS_AT) | _unplaced(schema, s.ENDS_AT)
    contacts = read.tables.get(s.CONTACTS.name)
    if (
        table in (s.QA_EVALUATIONS, s.SURVEYS)
        and contacts is not None
        and read.known_contacts is not None
        and s.CONTACT_ID in names
    ):
        own = schema.field(s.CONTACT_ID).type
        chosen = _ids(contacts[s.CONTACT_ID], own)
        every = _ids(read.known_raw, own)
        if chosen is None or every is None:
            return None
        field_ = ds.field(s.CONTACT_ID)
        return field_.isin(chosen) | field_.is_null() | ~field_.isin(every)
    return None


def _ids(values: pd.Series | None, kind: pa.DataType) -> pa.Array | None:
    """Raw ids as an Arrow array of the column's type, or None if they cannot be."""
    if values is None:
        return None
    try:
        return pa.array(values.dropna(), type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _bound(schema: pa.Schema, column: str, day: Any) -> pa.Scalar:
    kind = schema.field(column).type
    if pa.types.is_timestamp(kind):
        moment = datetime.combine(day, time())
        return pa.scalar(moment.replace(tzinfo=UTC) if kind.tz else moment, type=kind)
    if pa.types.is_date(kind):
        return pa.scalar(day, type=kind)
    return pa.scalar(day.isoformat(), type=kind)


def _comparable(schema: pa.Schema, column: str) -> bool:
    kind = schema.field(column).type
    return bool(
        pa.types.is_timestamp(kind)
        or pa.types.is_date(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
    )


def _at_least(schema: pa.Schema, column: str, day: Any) -> ds.Expression:
    if not _comparable(schema, column):
        return ds.scalar(True)
    return ds.field(column) >= _bound(schema, column, day)


def _before(schema: pa.Schema, column: str, day: Any) -> ds.Expression:
    if not _comparable(schema, column):
        return ds.scalar(True)
    return ds.field(column) < _bound(schema, column, day)


def _unplaced(schema: pa.Schema, column: str) -> ds.Expression:
    """Missing, or text not shaped as a timestamp (anything else of a type not compared)."""
    kind = schema.field(column).type
    value = ds.field(column)
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return value.is_null()
    if not _comparable(schema, column):
        return ds.scalar(True)
    return value.is_null() | ~pc.match_substring_regex(value, TIMESTAMP_SHAPE)


def _not_abandoned(schema: pa.Schema) -> ds.Expression:
    kind = schema.field(s.ABANDONED).type
    value = ds.field(s.ABANDONED)
    if pa.types.is_boolean(kind):
        return value.is_null() | (value == pa.scalar(False))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        flag = pc.utf8_lower(pc.utf8_trim_whitespace(value))
        return value.is_null() | ~flag.isin(pa.array(sorted(s.TRUE_WORDS), type=kind))
    return ds.scalar(True)


# ---------------------------------------------------------------- CSV
def _read_csv(read: FolderRead, table: s.Table, path: Path, scope: ReadScope | None) -> None:
    encoding = detect_file_encoding(path)
    read.encodings[table.name] = encoding
    if scope is None:
        read.tables[table.name] = pd.concat(list(_chunks(path, encoding)), ignore_index=True)
        return
    kept, known = [], []
    for chunk in _chunks(path, encoding):
        needed, ids = _csv_rows_needed(read, table, chunk, scope)
        kept.append(chunk[needed] if needed is not None else chunk)
        if ids is not None:
            known.append(ids)
    read.tables[table.name] = pd.concat(kept, ignore_index=True)
    read.asked[table.name] = "streamed, the period's rows kept"
    if known:
        read.known_contacts = pd.concat(known, ignore_index=True)


def _csv_rows_needed(
    read: FolderRead, table: s.Table, chunk: pd.DataFrame, scope: ReadScope
) -> tuple[Any, pd.Series | None]:
    """Which rows of a chunk the period needs (None: all), and for contacts their ids."""
    if table is s.CONTACTS and {s.CONTACT_ID, s.CREATED_AT, s.CLOSED_AT, s.ABANDONED} <= set(
        chunk.columns
    ):
        typed = pd.DataFrame(
            {
                s.CREATED_AT: parse_timestamps(chunk[s.CREATED_AT], scope.zone),
                s.CLOSED_AT: parse_timestamps(chunk[s.CLOSED_AT], scope.zone),
                s.ABANDONED: parse_flags(chunk[s.ABANDONED]),
            },
            index=chunk.index,
        )
        return contacts_needed(typed, scope), parse_text(chunk[s.CONTACT_ID])
    if table is s.SHIFTS and {s.STARTS_AT, s.ENDS_AT} <= set(chunk.columns):
        typed = pd.DataFrame(
            {c: parse_timestamps(chunk[c], scope.zone) for c in (s.STARTS_AT, s.ENDS_AT)},
            index=chunk.index,
        )
        return shifts_needed(typed, scope), None
    if table in (s.QA_EVALUATIONS, s.SURVEYS) and s.CONTACT_ID in chunk.columns:
        contacts = read.tables.get(s.CONTACTS.name)
        if read.chosen is None and contacts is not None and s.CONTACT_ID in contacts.columns:
            read.chosen = parse_text(contacts[s.CONTACT_ID])
        if read.chosen is not None:
            ids = parse_text(chunk[s.CONTACT_ID])
            return dependents_needed(ids, read.chosen, read.known_contacts), None
    return None, None


def _chunks(path: Path, encoding: str) -> Iterator[pd.DataFrame]:
    """The file's rows, every value as text, blanks as missing, in chunks; a file with no
    header has no columns."""
    try:
        yield from pd.read_csv(
            path,
            dtype=str,
            encoding=encoding,
            keep_default_na=False,
            na_values=[""],
            chunksize=CSV_CHUNK_ROWS,
        )
    except pd.errors.EmptyDataError:
        yield pd.DataFrame()


def detect_file_encoding(path: Path) -> str:
    """`detect_encoding` of a file, read block by block (never whole in memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as file:
        first = file.read(_BLOCK)
        if first.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        block = first
        try:
            while block:
                decoder.decode(block)
                block = file.read(_BLOCK)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as such, else GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"
