"""Extract: read a period's rows from a database or a folder, as read and as typed.

The period extract holds the period's contacts, the 7 days after it (the FCR repeat window),
every contact still open at its start (the backlog), and the rows that depend on those. The
source is asked for those rows only (`scope`, `database`, `folder`): a review costs what its
period holds, not what the source has kept.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import sqlalchemy as sa

from csreview import schema as s
from csreview.frames import taken_from
from csreview.memory import give_back
from csreview.periods import Period
from csreview.settings import check_no_literal_secret, expand_env, redact_url
from tasks.extract import database, folder, sqlite_arrow
from tasks.extract.folder import detect_encoding
from tasks.extract.parsing import (
    parse_dates,
    parse_flags,
    parse_numbers,
    parse_table,
    parse_text,
    parse_timestamps,
    parse_whole_numbers,
)
from tasks.extract.scope import ReadScope, select_period

__all__ = [
    "Extract",
    "SourceError",
    "check_source",
    "describe_source",
    "detect_encoding",
    "extract_period",
    "is_database_url",
    "parse_dates",
    "parse_flags",
    "parse_numbers",
    "parse_table",
    "parse_text",
    "parse_timestamps",
    "parse_whole_numbers",
    "read_tables",
    "select_period",
]

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
    scope: dict[str, Any] = field(default_factory=dict)  # what the source was asked for


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
    tables, encodings, _, _ = _read_source(source, None)
    for name in _absent(tables):  # an optional table may be absent: what needs it is not assessed
        tables[name] = pd.DataFrame(columns=list(s.TABLES_BY_NAME[name].column_names))
    return tables, encodings


def _absent(tables: dict[str, pd.DataFrame]) -> tuple[str, ...]:
    return tuple(
        t.name for t in s.TABLES if t.name not in tables and t.name not in s.REQUIRED_NONEMPTY
    )


def _read_source(
    source: str, scope: ReadScope | None
) -> tuple[dict[str, pd.DataFrame], dict[str, str], pd.Series | None, dict[str, str]]:
    """The tables in the source's stable order (a folder's files in file order): every row
    when `scope` is None, else those the period may need; the encodings of CSV files; the
    typed ids of every contact when fewer contacts were read than the source holds and the
    read cannot tell orphans itself; and how each table was asked for its rows."""
    if is_database_url(source):
        check_no_literal_secret(source, "source")
        url = expand_env(source)
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn, database.snapshot(conn):
                if scope is None:
                    return database.read_whole(conn), {}, None, {}
                with sqlite_arrow.reader(engine.url) as arrow:
                    tables, sql = database.read_database(conn, scope, arrow)
                return tables, {}, None, sql
        except (sa.exc.SQLAlchemyError, sqlite3.Error) as err:
            raise SourceError(f"cannot read {redact_url(url)}: {err}") from err
        finally:
            engine.dispose()
    try:
        read = folder.read_folder(Path(source), scope)
    except folder.SourceReadError as err:
        raise SourceError(str(err)) from err
    return read.tables, read.encodings, read.known_contacts, read.asked


def extract_period(source: str, period: Period, zone: ZoneInfo, read_at: datetime) -> Extract:
    """Ask the source for the rows the period may need, and keep exactly the period's rows,
    both as read and typed, in the source's stable order."""
    check_source(source)  # a missing SQLite file is an error, never a new empty database
    scope = ReadScope(period, zone)
    tables, encodings, known_contacts, asked = _read_source(source, scope)
    give_back()  # what reading held beside the rows (Arrow's batches, the rows as returned)
    absent = _absent(tables)
    for name in absent:  # an optional table may be absent: what needs it is not assessed
        tables[name] = pd.DataFrame(columns=list(s.TABLES_BY_NAME[name].column_names))
    typed_all = {
        name: parse_table(s.TABLES_BY_NAME[name], frame, zone) for name, frame in tables.items()
    }
    give_back()  # what parsing held beside the typed rows
    picks = select_period(typed_all, period, zone, known_contacts)
    raw, typed = {}, {}
    for name in list(tables):  # each frame let go column by column as its picks are made
        rows = picks[name]  # ascending: the picked rows keep the stable order
        raw[name] = taken_from(tables, name, rows)
        typed[name] = taken_from(typed_all, name, rows).assign(**{ROW: np.arange(len(rows))})
    give_back()  # what the source's rows as returned and as parsed held
    missing = tuple(t.name for t in s.TABLES if t.name not in raw)
    described = scope.describe() | {"asked": asked}  # the source's own queries or filters
    return Extract(period, read_at, raw, typed, missing, encodings, absent, described)
