"""A period's rows read in slices, one per day of its widened read and one for the rest,
each by a worker of its own, typed and cut there exactly as the extract cuts them.

A slice's rows travel as one frame per table: the typed columns, the columns as read
(prefixed `raw:`, as objects) and each row's contact-id hash (`_key`), so a Dask shuffle can
bring every row of a contact id to one partition, where the gate sees them all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from csreview import schema as s
from csreview.settings import check_no_literal_secret, expand_env, redact_url
from tasks.extract import database, sqlite_arrow
from tasks.extract.order import stable_order
from tasks.extract.parsing import parse_table
from tasks.extract.scope import ReadScope, contacts_needed, dependents_needed, shifts_needed
from tasks.extract.sqlite_arrow import SqliteArrowReader

RAW = "raw:"  # prefix of a column as read
KEY = "_key"  # the row's contact-id hash
SLICED = (s.CONTACTS, s.QA_EVALUATIONS, s.SURVEYS)  # the tables read in slices


@dataclass(frozen=True)
class Slice:
    """The contacts created on the days [first, until), or (both None) those created before
    the widened period and still open, or not placed in time; each with its dependents."""

    first: date | None = None
    until: date | None = None


def period_slices(scope: ReadScope, days: int = 1) -> list[Slice]:
    """The slices of a period's read: the rest, then DAYS days at a time up to the end of
    the repeat window (widened), disjoint and together the extract's selection."""
    out = [Slice()]
    day = scope.from_day
    while day < scope.window_until_day:
        until = min(day + timedelta(days=days), scope.window_until_day)
        out.append(Slice(day, until))
        day = until
    return out


@contextmanager
def _connected(source: str) -> Iterator[tuple[sa.Connection, SqliteArrowReader | None]]:
    """A connection to a database URL (`${ENV}` expanded here, from the reader's own
    environment) in one snapshot, and its Arrow reader where it has one."""
    check_no_literal_secret(source, "source")
    url = expand_env(source)
    engine = sa.create_engine(url)
    try:
        with (
            engine.connect() as conn,
            database.snapshot(conn),
            sqlite_arrow.reader(engine.url) as arrow,
        ):
            yield conn, arrow
    except (sa.exc.SQLAlchemyError, sqlite3.Error) as err:
        raise OSError(f"cannot read {redact_url(url)}: {err}") from err
    finally:
        engine.dispose()


def read_slice(source: str, scope: ReadScope, part: Slice) -> dict[str, pd.DataFrame]:
    """The rows of one slice as read from a database URL."""
    with _connected(source) as (conn, arrow):
        return database.read_slice(conn, scope, part.first, part.until, arrow)


def read_agents(source: str) -> pd.DataFrame:
    """Every agent as read (a small table, which every partition's gate sees whole)."""
    with _connected(source) as (conn, _):
        tables = database.read_whole(conn, (s.AGENTS.name,))
    return tables.get(s.AGENTS.name, empty_raw(s.AGENTS))


def read_shifts(source: str, scope: ReadScope) -> pd.DataFrame:
    """The shifts overlapping the period as read, cut as the extract cuts them
    (`shifts_needed`): agent × day rows, which one worker reads for the staffing plan."""
    with _connected(source) as (conn, arrow):
        shifts = database.read_shifts(conn, scope, arrow)
    if shifts is None:
        return empty_raw(s.SHIFTS)
    keep = shifts_needed(parse_table(s.SHIFTS, shifts, scope.zone), scope)
    return shifts.loc[keep].reset_index(drop=True)


def contact_keys(ids: pd.Series) -> np.ndarray:
    """Each contact id's hash (the same in every process; a missing id hashes as empty)."""
    text = ids.astype("string").fillna("")
    hashed: np.ndarray = pd.util.hash_pandas_object(text, index=False).to_numpy()
    return (hashed >> np.uint64(1)).astype(np.int64)


def typed_slice(raw: dict[str, pd.DataFrame], scope: ReadScope) -> dict[str, pd.DataFrame]:
    """A slice's rows typed and cut as the extract cuts them (`select_period`: the contacts
    the period needs, and the rows of those or of no contact read), packed one frame per
    table: typed columns, the columns as read, and the contact-id hash."""
    tables = {t.name: raw.get(t.name, empty_raw(t)) for t in SLICED}
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, scope.zone) for n, f in tables.items()}
    contacts = typed[s.CONTACTS.name]
    keep = {s.CONTACTS.name: contacts_needed(contacts, scope)}
    chosen = contacts[s.CONTACT_ID][keep[s.CONTACTS.name]]
    for table in (s.QA_EVALUATIONS, s.SURVEYS):
        ids = typed[table.name][s.CONTACT_ID]
        keep[table.name] = dependents_needed(ids, chosen, contacts[s.CONTACT_ID])
    return {name: packed(tables[name], typed[name], keep[name]) for name in tables}


def empty_raw(table: s.Table) -> pd.DataFrame:
    """A table with no row (absent from the source, or a frame's shape)."""
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in table.column_names})


def packed(raw: pd.DataFrame, typed: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The kept rows as one frame: typed columns, columns as read (as objects), the key."""
    as_read = raw.loc[keep].astype(object).add_prefix(RAW)
    kept = typed.loc[keep].drop(columns=[s.ROW])
    return (
        pd.concat([kept, as_read], axis=1)
        .assign(**{KEY: contact_keys(kept[s.CONTACT_ID])})
        .reset_index(drop=True)
    )


def unpacked(frame: pd.DataFrame, table: s.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A packed frame's rows as read and typed, in the extract's stable order, numbered."""
    raw_columns = [c for c in frame.columns if c.startswith(RAW)]
    raw = frame[raw_columns].rename(columns=lambda c: c.removeprefix(RAW))
    order = stable_order(table, raw.reset_index(drop=True))
    raw = raw.iloc[order].reset_index(drop=True)
    typed = frame[list(table.column_names)].iloc[order].reset_index(drop=True)
    return raw, typed.assign(**{s.ROW: np.arange(len(typed))})
