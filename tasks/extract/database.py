"""Reading a period from a database: SQLAlchemy Core selections of the rows the period may
need, run in one snapshot, on SQLite (the default) and PostgreSQL (production).

The selections are a superset of the period's rows (see `scope.py`); the exact cut is made
in pandas afterwards, as for every source.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from csreview import schema as s
from csreview.frames import taken_from
from tasks.extract.order import stable_order
from tasks.extract.scope import TIMESTAMP_GLOBS, TIMESTAMP_SHAPE, ReadScope
from tasks.extract.sqlite_arrow import SqliteArrowReader

Columns = Mapping[str, Any]  # a table's columns: name → reflected SQL type
IDS_PLACEHOLDER = ":contact_ids_read_and_ids_of_no_contact"
LOOKUP = IDS_PLACEHOLDER.removeprefix(":")  # the temporary table of those ids (SQLite files)


def _terms_of(conn: sa.Connection) -> _Terms:
    """The selection's terms over the contract tables the source holds, as they are typed."""
    inspector = sa.inspect(conn)
    present = set(inspector.get_table_names())
    columns = {
        t.name: {c["name"]: c["type"] for c in inspector.get_columns(t.name)}
        for t in s.TABLES
        if t.name in present
    }
    return _Terms(conn.dialect, columns)


def read_database(
    conn: sa.Connection, scope: ReadScope, arrow: SqliteArrowReader | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The rows each contract table present may contribute to the period, and the SQL each
    was read with (bounds written out). Contacts come first; the surveys and evaluations
    then follow the contact ids read, or name no contact of the source. Call inside
    `snapshot`; with ARROW (a SQLite file) the rows are read through it, in its snapshot."""
    terms = _terms_of(conn)
    queries = period_queries(terms, scope)
    frames = {}
    sql = {name: compiled_sql(query, conn.dialect) for name, query in queries.items()}
    for name, query in queries.items():
        frames[name] = _read(conn, name, query, arrow)
    dependents = [t.name for t in (s.QA_EVALUATIONS, s.SURVEYS) if terms.follows(t.name)]
    if dependents:
        read_ids = frames[s.CONTACTS.name][s.CONTACT_ID].dropna().tolist()
        for name, query in _dependents(conn, terms, dependents, read_ids, arrow, sql).items():
            frames[name] = _read(conn, name, query, arrow)
    return {t.name: frames[t.name] for t in s.TABLES if t.name in frames}, sql


def _dependents(
    conn: sa.Connection,
    terms: _Terms,
    names: list[str],
    read_ids: list[Any],
    arrow: SqliteArrowReader | None,
    sql: dict[str, str],
) -> dict[str, sa.Select[Any]]:
    """The selection of each table that follows contacts: rows with no contact id, or with
    one of READ_IDS or of no contact of the source (the SQL of each, and of the ids of no
    contact, noted in SQL). Through ARROW those ids are put once in a temporary lookup
    table that every selection reads; otherwise they are listed in each."""
    if arrow is None:
        orphans = terms.ids_of_no_contact(names)
        sql["ids_of_no_contact"] = compiled_sql(orphans, conn.dialect)
        sql |= {n: compiled_sql(terms.of_contacts_as_shown(n), conn.dialect) for n in names}
        ids = [*read_ids, *_rows(conn, orphans, arrow).iloc[:, 0].dropna().tolist()]
        return {n: sa.select(terms.table(n)).where(terms.of_contacts(n, ids)) for n in names}
    beyond = terms.ids_of_no_contact_beyond(names, LOOKUP)
    arrow.lookup(LOOKUP, json.dumps(read_ids), *_compiled(conn, beyond))
    queries = {n: sa.select(terms.table(n)).where(terms.of_lookup(n, LOOKUP)) for n in names}
    sql["ids_of_no_contact"] = compiled_sql(beyond, conn.dialect)
    sql |= {n: compiled_sql(query, conn.dialect) for n, query in queries.items()}
    return queries


def read_slice(
    conn: sa.Connection,
    scope: ReadScope,
    first: date | None,
    until: date | None,
    arrow: SqliteArrowReader | None = None,
) -> dict[str, pd.DataFrame]:
    """One slice of a period's contacts (`_Terms.contacts_of_days`) with their evaluations
    and surveys, as read: what one Dask worker reads (the slices of a period are disjoint,
    but for a contact id stored twice, whose rows follow each of its contacts)."""
    terms = _terms_of(conn)
    contacts = terms.contacts_of_days(scope, first, until)
    frames = {
        s.CONTACTS.name: _read(
            conn, s.CONTACTS.name, sa.select(terms.table(s.CONTACTS.name)).where(contacts), arrow
        )
    }
    for table in (s.QA_EVALUATIONS, s.SURVEYS):
        if terms.follows(table.name):
            rows = terms.dependents_of(table.name, contacts, orphans=first is None)
            query = sa.select(terms.table(table.name)).where(rows)
            frames[table.name] = _read(conn, table.name, query, arrow)
    return frames


def read_shifts(
    conn: sa.Connection, scope: ReadScope, arrow: SqliteArrowReader | None = None
) -> pd.DataFrame | None:
    """The shifts the period may need (those overlapping it) as read, in their stable order;
    None when the source has no shifts table. Agent × day rows: one reader reads them."""
    query = period_queries(_terms_of(conn), scope).get(s.SHIFTS.name)
    return None if query is None else _read(conn, s.SHIFTS.name, query, arrow)


def read_whole(
    conn: sa.Connection, names: tuple[str, ...] | None = None
) -> dict[str, pd.DataFrame]:
    """Every row of each contract table present (of NAMES, when given), in its stable order."""
    present = set(sa.inspect(conn).get_table_names())
    wanted = [t.name for t in s.TABLES if names is None or t.name in names]
    queries = {n: sa.select(sa.text("*")).select_from(sa.table(n)) for n in wanted}
    return {n: _read(conn, n, query) for n, query in queries.items() if n in present}


@contextmanager
def snapshot(conn: sa.Connection) -> Iterator[sa.Connection]:
    """One consistent view of the source for every query of an extract: a REPEATABLE READ,
    read-only transaction on PostgreSQL; on SQLite one read transaction, begun before the
    first SELECT (its driver would otherwise run each SELECT on its own)."""
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")
    try:
        yield conn
    finally:
        conn.rollback()  # nothing was written: ends the snapshot on every database


def compiled_sql(query: sa.Executable, dialect: sa.Dialect) -> str:
    """The query as the database runs it, its bounds written out (they are dates and fixed
    patterns made here, never data)."""
    compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
    return str(compiled)


def period_queries(terms: _Terms, scope: ReadScope) -> dict[str, sa.Select[Any]]:
    """For each table present but those that follow contacts, the SELECT of every row the
    period may need; a table lacking a column its selection needs is read whole
    (validation then blocks on it, as before)."""
    queries = {
        name: sa.select(terms.table(name)) for name in terms.columns if not terms.follows(name)
    }
    needed = terms.contacts_needed(scope)
    if needed is not None:
        queries[s.CONTACTS.name] = queries[s.CONTACTS.name].where(needed)
    overlap = terms.shifts_overlap(scope)
    if overlap is not None:
        queries[s.SHIFTS.name] = queries[s.SHIFTS.name].where(overlap)
    return queries


class _Terms:
    """The predicates of a period's selection, written for one database's dialect and the
    column types it reports (timestamps stored as text are compared as text, byte by byte)."""

    def __init__(self, dialect: sa.Dialect, columns: Mapping[str, Columns]) -> None:
        self.postgres = dialect.name == "postgresql"
        self.columns = columns
        self.tables = {n: sa.table(n, *(sa.column(c) for c in cs)) for n, cs in columns.items()}

    def table(self, name: str) -> sa.TableClause:
        return self.tables[name]

    def has(self, name: str, *wanted: str) -> bool:
        return name in self.columns and all(c in self.columns[name] for c in wanted)

    def _typed(self, name: str, column: str) -> bool:
        """Whether the database holds the column as dates or timestamps, never unparseable
        (SQLite stores any value whatever a column's declared type)."""
        return self.postgres and isinstance(self.columns[name][column], sa.Date | sa.DateTime)

    def _text(self, name: str, column: str) -> Any:
        value = self.table(name).c[column]
        if self.postgres and not self._typed(name, column):
            return sa.collate(value, "C")  # byte order, as SQLite compares text
        return value

    def not_a_timestamp(self, name: str, column: str) -> sa.ColumnElement[bool]:
        """Non-missing values that do not look like a timestamp: read whatever the period,
        so that validation quarantines them."""
        value = self.table(name).c[column]
        if self._typed(name, column):
            return sa.false()
        if self.postgres:
            return sa.and_(
                value.is_not(None), ~sa.cast(value, sa.Text).regexp_match(TIMESTAMP_SHAPE)
            )
        shaped = sa.or_(*(value.op("GLOB")(sa.literal(glob)) for glob in TIMESTAMP_GLOBS))
        return sa.and_(value.is_not(None), ~shaped)

    def unplaced(self, name: str, column: str) -> sa.ColumnElement[bool]:
        return sa.or_(self.table(name).c[column].is_(None), self.not_a_timestamp(name, column))

    def contacts_needed(self, scope: ReadScope) -> sa.ColumnElement[bool] | None:
        """Contacts created in the widened period and repeat window, still open at its
        start, or not placed in time; None when a column the selection needs is absent."""
        name = s.CONTACTS.name
        if not self.has(name, s.CREATED_AT, s.CLOSED_AT, s.ABANDONED):
            return None
        created, closed = self._text(name, s.CREATED_AT), self._text(name, s.CLOSED_AT)
        abandoned = self.table(name).c[s.ABANDONED]
        flag = sa.func.lower(sa.func.trim(sa.cast(abandoned, sa.Text)))
        not_abandoned = sa.func.coalesce(flag, "").not_in(sorted(s.TRUE_WORDS))
        in_window = sa.and_(created >= _day(scope.from_day), created < _day(scope.window_until_day))
        still_open = sa.and_(  # the cheaper and more selective terms first
            created < _day(scope.open_before_day),
            sa.or_(
                closed.is_(None),
                closed >= _day(scope.from_day),
                self.not_a_timestamp(name, s.CLOSED_AT),
            ),
            not_abandoned,
        )
        return sa.or_(in_window, still_open, self.unplaced(name, s.CREATED_AT))

    def contacts_of_days(
        self, scope: ReadScope, first: date | None, until: date | None
    ) -> sa.ColumnElement[bool]:
        """One slice of `contacts_needed`, the slices disjoint and together the whole: the
        contacts created on the days [FIRST, UNTIL) as timestamps; with FIRST None, those
        created before the widened period and still open, and those not placed in time."""
        name = s.CONTACTS.name
        created = self._text(name, s.CREATED_AT)
        if first is not None and until is not None:
            shaped = sa.not_(self.not_a_timestamp(name, s.CREATED_AT))
            return sa.and_(created >= _day(first), created < _day(until), shaped)
        needed = self.contacts_needed(scope)
        assert needed is not None, "contacts lack a column the period's selection needs"
        placed_before = sa.and_(created < _day(scope.from_day), needed)
        return sa.or_(placed_before, self.unplaced(name, s.CREATED_AT))

    def dependents_of(
        self, name: str, contacts: sa.ColumnElement[bool], orphans: bool
    ) -> sa.ColumnElement[bool]:
        """The rows of a table that follows contacts whose contact the CONTACTS predicate
        selects (and with ORPHANS, those with no contact id or one of no contact)."""
        own = self._contact_id(name)
        chosen = sa.select(self._contact_id(s.CONTACTS.name)).where(contacts)
        of_chosen: sa.ColumnElement[bool] = own.in_(chosen.scalar_subquery())
        if not orphans:
            return of_chosen
        lost = self.ids_of_no_contact([t for t in self.columns if self.follows(t)]).subquery()
        return sa.or_(
            of_chosen,
            self.table(name).c[s.CONTACT_ID].is_(None),
            own.in_(sa.select(lost.c[s.CONTACT_ID]).scalar_subquery()),
        )

    def follows(self, name: str) -> bool:
        """Whether a table is read by the ids of the contacts read (surveys, evaluations)."""
        return (
            name in (s.QA_EVALUATIONS.name, s.SURVEYS.name)
            and self.has(name, s.CONTACT_ID)
            and self.has(s.CONTACTS.name, s.CONTACT_ID, s.CREATED_AT, s.CLOSED_AT, s.ABANDONED)
        )

    def _contact_id(self, name: str) -> Any:
        """A table's contact id; as text when the tables' types differ (ids are text in the
        contract), so that they can be compared at all."""
        value = self.table(name).c[s.CONTACT_ID]
        types = {type(self.columns[t][s.CONTACT_ID]) for t in self.columns if self.follows(t)}
        types.add(type(self.columns[s.CONTACTS.name][s.CONTACT_ID]))
        return sa.cast(value, sa.Text) if self.postgres and len(types) > 1 else value

    def ids_of_no_contact(self, names: list[str]) -> sa.CompoundSelect[Any]:
        """The distinct contact ids of these tables that no contact of the source has (as
        stored): their rows are read whatever the period, so that validation sees them."""
        named = [
            sa.select(self._contact_id(n).label(s.CONTACT_ID)).where(
                self.table(n).c[s.CONTACT_ID].is_not(None)
            )
            for n in names
        ]
        referred = sa.union(*named).subquery() if len(named) > 1 else named[0].subquery()
        return sa.except_(
            sa.select(referred.c[s.CONTACT_ID]),
            sa.select(self._contact_id(s.CONTACTS.name)),
        )

    def ids_of_no_contact_beyond(self, names: list[str], lookup: str) -> sa.CompoundSelect[Any]:
        """`ids_of_no_contact` of the ids these tables refer to that the temporary table
        LOOKUP lacks (each table's ids looked up as its own selection will): the same ids
        beside LOOKUP's, found without probing every contact of the source (only the
        contacts that carry one of them are compared, a fraction of the time)."""
        named = [
            sa.select(self._contact_id(n).label(s.CONTACT_ID)).where(
                self.table(n).c[s.CONTACT_ID].is_not(None),
                self.table(n).c[s.CONTACT_ID].not_in(self._lookup(lookup)),
            )
            for n in names
        ]
        referred = (sa.union(*named) if len(named) > 1 else named[0]).cte("referred")
        own = self._contact_id(s.CONTACTS.name)
        return sa.except_(
            sa.select(referred.c[s.CONTACT_ID]),
            sa.select(own).where(own.in_(sa.select(referred.c[s.CONTACT_ID]).scalar_subquery())),
        )

    @staticmethod
    def _lookup(lookup: str) -> Any:
        values: sa.Select[Any] = sa.select(sa.column("value")).select_from(
            sa.table(lookup, schema="temp")
        )
        return values.scalar_subquery()

    def of_contacts(self, name: str, ids: list[Any] | None) -> sa.ColumnElement[bool]:
        """Rows with no contact id or with one of `ids`, as stored. With `ids` None the list
        is left as the named placeholder: the query as manifest.json's `read_scope` shows it."""
        own = self.table(name).c[s.CONTACT_ID]
        listed: Any = sa.literal_column(IDS_PLACEHOLDER)
        if self.postgres:  # a hashed list, the ids as text whatever the columns' types
            if ids is not None:
                listed = sa.bindparam("contact_ids", [_id_text(i) for i in ids], sa.ARRAY(sa.Text))
            return sa.or_(own.is_(None), sa.cast(own, sa.Text) == sa.func.any(listed))
        if ids is not None:  # SQLite: a JSON list, read once into a lookup table
            listed = sa.bindparam("contact_ids", json.dumps(ids), sa.Text)
        values: Any = sa.select(sa.literal_column("value")).select_from(sa.func.json_each(listed))
        return sa.or_(own.is_(None), own.in_(values.scalar_subquery()))

    def of_contacts_as_shown(self, name: str) -> sa.Select[Any]:
        """The selection of a table that follows contacts, its list of ids as the named
        placeholder: the query as manifest.json's `read_scope` shows it."""
        return sa.select(self.table(name)).where(self.of_contacts(name, None))

    def of_lookup(self, name: str, lookup: str) -> sa.ColumnElement[bool]:
        """Rows with no contact id or with one of the temporary table LOOKUP (SQLite)."""
        own = self.table(name).c[s.CONTACT_ID]
        return sa.or_(own.is_(None), own.in_(self._lookup(lookup)))

    def shifts_overlap(self, scope: ReadScope) -> sa.ColumnElement[bool] | None:
        """Shifts that may overlap the widened period, or are not placed in time."""
        name = s.SHIFTS.name
        if not self.has(name, s.STARTS_AT, s.ENDS_AT):
            return None
        begin, finish = self._text(name, s.STARTS_AT), self._text(name, s.ENDS_AT)
        overlaps = sa.and_(begin < _day(scope.shifts_until_day), finish >= _day(scope.from_day))
        return sa.or_(overlaps, self.unplaced(name, s.STARTS_AT), self.unplaced(name, s.ENDS_AT))


def _id_text(value: Any) -> str:
    """An id as PostgreSQL writes it as text (a whole float read from a column of integers
    with missing values is that integer)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _day(day: Any) -> sa.BindParameter[str]:
    """A whole-day bound as text (`YYYY-MM-DD`): text timestamps compare with it byte by
    byte; a database's own timestamp types read it as that day's midnight."""
    return sa.literal(day.isoformat(), sa.String())


def _read(
    conn: sa.Connection, name: str, query: sa.Select[Any], arrow: SqliteArrowReader | None = None
) -> pd.DataFrame:
    """The rows of a query as the driver returns them, put in the table's stable order (the
    rows as returned let go column by column as the ordered ones are made)."""
    read = {name: _rows(conn, query, arrow)}
    return taken_from(read, name, stable_order(s.TABLES_BY_NAME[name], read[name]))


def _rows(
    conn: sa.Connection,
    query: sa.Select[Any] | sa.CompoundSelect[Any],
    arrow: SqliteArrowReader | None,
) -> pd.DataFrame:
    """The rows of a query, in the order the database returns them. A SQLite file is read
    through Arrow (`sqlite_arrow`), else SQLite's own connection is handed to pandas (which
    reads it natively): the same frame, without SQLAlchemy building a row object per row
    (seconds for a million contacts)."""
    driver = conn.connection.driver_connection
    if arrow is None and not isinstance(driver, sqlite3.Connection):
        return pd.read_sql_query(query, conn)
    text, params = _compiled(conn, query)
    if arrow is not None:
        names = [c.name for c in query.selected_columns]
        table = _only_table(query)
        texts = arrow.text_columns(table) if table is not None else frozenset()
        return arrow.frame(text, params, names, texts)
    assert isinstance(driver, sqlite3.Connection)
    return pd.read_sql_query(text, driver, params=params)


def _only_table(query: sa.Select[Any] | sa.CompoundSelect[Any]) -> str | None:
    """The table every column of a plain SELECT is read straight from; None for a compound
    SELECT or one with an expression, a literal or columns of several tables."""
    if not isinstance(query, sa.Select):
        return None
    tables = {
        c.table.name
        if isinstance(c, sa.ColumnClause) and isinstance(c.table, sa.TableClause)
        else None
        for c in query.selected_columns
    }
    return next(iter(tables)) if len(tables) == 1 else None


def _compiled(
    conn: sa.Connection, query: sa.Select[Any] | sa.CompoundSelect[Any]
) -> tuple[str, list[Any]]:
    """A SQLite query's text and its positional parameters."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    return str(compiled), [compiled.params[key] for key in compiled.positiontup or ()]
