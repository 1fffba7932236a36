"""Reading a SQLite selection into pandas through Arrow (ADBC): the frame the `sqlite3`
module and `pandas.read_sql_query` would give, value for value, in a fraction of the time
and memory.

SQLite stores any value in any column, and ADBC types a column from its values: a column
that mixes storage classes (a number where text was expected, say) would come back as text
written its own way. So the columns of a selection are first asked which storage classes
they hold; a column of one class is read as it is, and a mixed column is read one class at a
time and put back together as the Python values `sqlite3` would give, then typed by pandas
exactly as `read_sql_query` types them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

STORAGE_CLASSES: Final = ("integer", "real", "text", "blob")
NUMBER_AS_TEXT: Final = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?Inf$"
ONE_ROW: Final = 1
TABLE_COLUMNS: Final = """
SELECT name, type FROM pragma_table_info(?)
WHERE EXISTS (
    SELECT 1 FROM sqlite_master
    WHERE type = 'table' AND name = ? AND upper(sql) NOT LIKE 'CREATE VIRTUAL%'
) AND NOT EXISTS (SELECT 1 FROM sqlite_temp_master WHERE name = ?)
"""


@contextmanager
def _as_sqlite_error() -> Iterator[None]:
    """ADBC's errors as the `sqlite3` module's, which the extract reports as a source error."""
    from adbc_driver_manager import Error

    try:
        yield
    except Error as err:
        raise sqlite3.DatabaseError(str(err)) from err


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteArrowReader:
    """One read transaction on a SQLite file through ADBC: every selection read by it sees
    the same snapshot (its first SELECT begins it; `close` ends it)."""

    def __init__(self, database: Path) -> None:
        import adbc_driver_sqlite.dbapi as adbc  # imported by the extract only

        with _as_sqlite_error():
            self._conn = adbc.connect(f"file:{quote(str(database.resolve()))}?mode=ro")
            self._conn.adbc_connection.set_autocommit(False)

    def close(self) -> None:
        self._conn.rollback()  # nothing was written: ends the snapshot
        self._conn.close()

    def _arrow(self, sql: str, params: Sequence[Any], rows: int = ONE_ROW) -> pa.Table:
        """The rows of a query as one Arrow batch of ROWS rows: ADBC types a column from its
        first batch, and reserves address space for as many rows as a batch may hold (a
        batch far larger than the result reserved 26 GiB, and the kernel then refused to
        fork the process: the review forks its GX worker)."""
        with _as_sqlite_error(), self._conn.cursor() as cursor:
            cursor.adbc_statement.set_options(
                **{"adbc.sqlite.query.batch_rows": str(max(rows, ONE_ROW))}
            )
            cursor.execute(sql, list(params))
            table: pa.Table = cursor.fetch_arrow_table()
            return table

    def _run(self, sql: str, params: Sequence[Any] = ()) -> None:
        with _as_sqlite_error(), self._conn.cursor() as cursor:
            cursor.execute(sql, list(params))

    def lookup(self, name: str, listed: str, sql: str, params: Sequence[Any]) -> None:
        """A temporary table NAME (one column, `value`, indexed) of the values of the JSON
        list LISTED, then of the rows of a selection (which may read those), for several
        selections to look values up in: `IN (SELECT value FROM json_each(?))` parsed the list and built its lookup again
        for every selection using it. The column has no type, as `json_each`'s `value`, so
        values compare as they did; the table goes with the connection."""
        self._run(f"DROP TABLE IF EXISTS temp.{_quoted(name)}")
        self._run(f"CREATE TEMP TABLE {_quoted(name)} (value)")
        self._run(f"INSERT INTO temp.{_quoted(name)} SELECT value FROM json_each(?)", [listed])
        self._run(f"CREATE INDEX temp.{_quoted(name + '_value')} ON {_quoted(name)} (value)")
        self._run(f"INSERT INTO temp.{_quoted(name)} {sql}", params)  # it may read the list

    def count(self, sql: str, params: Sequence[Any]) -> int:
        """How many rows a selection holds."""
        return int(self._arrow(f"SELECT count(*) FROM ({sql})", params).column(0)[0].as_py())

    def classes(self, sql: str, params: Sequence[Any], columns: Sequence[str]) -> list[int]:
        """How many storage classes each column of the selection holds (missing values aside)."""
        counted = ", ".join(
            f"count(DISTINCT CASE WHEN {_quoted(c)} IS NOT NULL THEN typeof({_quoted(c)}) END)"
            for c in columns
        )
        row = self._arrow(f"SELECT {counted} FROM ({sql})", params)
        return [int(row.column(i)[0].as_py()) for i in range(len(columns))]

    def text_columns(self, table: str) -> frozenset[str]:
        """The columns of TABLE that hold nothing but text, blobs and missing values: those
        declared with SQLite's text affinity, which stores a number written to them as text.
        None for a view or a virtual table, whose columns may give anything whatever their
        declared types."""
        declared = self._arrow(TABLE_COLUMNS, [table, table, table], 1000)
        names, types = declared.column(0).to_pylist(), declared.column(1).to_pylist()
        return frozenset(n for n, t in zip(names, types, strict=True) if _text_affinity(t or ""))

    def frame(
        self,
        sql: str,
        params: Sequence[Any],
        columns: Sequence[str],
        texts: frozenset[str] = frozenset(),
    ) -> pd.DataFrame:
        """The selection's rows as `pandas.read_sql_query` on `sqlite3` would give them.
        TEXTS are the columns read straight from a column of text affinity
        (`text_columns`): no number hides among their texts."""
        rows = self.count(sql, params)
        table = self._arrow(sql, params, rows)
        if table.num_rows == 0:  # as pandas builds an empty result: untyped columns
            return pd.DataFrame.from_records([], columns=list(columns))
        suspects = [
            c
            for c, values in zip(columns, table.columns, strict=True)
            if _may_mix(values, numbers_stored=c not in texts)
        ]
        mixed = set()
        if suspects:
            counts = self.classes(sql, params, suspects)
            mixed = {c for c, n in zip(suspects, counts, strict=True) if n > 1}
        if mixed:
            split = f"SELECT {', '.join(_picks(columns, mixed))} FROM ({sql})"
            table = self._arrow(split, params, rows)
        parts: dict[str, Any] = {}
        position = 0
        for c in columns:
            width = len(STORAGE_CLASSES) if c in mixed else 1
            values = table.columns[position : position + width]
            position += width
            if c in mixed:
                parts[c] = _as_sqlite3_gives(values)
            elif values[0].null_count == table.num_rows:  # nothing but missing values: None
                parts[c] = pd.Series(np.full(table.num_rows, None, dtype=object))
            else:
                parts[c] = values[0].to_pandas()
        return pd.DataFrame(parts)


def _picks(columns: Sequence[str], mixed: set[str]) -> list[str]:
    """The selected columns, a mixed one as one column per storage class."""
    return [
        ", ".join(
            f"CASE WHEN typeof({_quoted(c)}) = '{k}' THEN {_quoted(c)} END" for k in STORAGE_CLASSES
        )
        if c in mixed
        else _quoted(c)
        for c in columns
    ]


def _text_affinity(declared: str) -> bool:
    """Whether SQLite gives a column of this declared type text affinity (its rules 1 and 2:
    a type naming INT is an integer's, then one naming CHAR, CLOB or TEXT is text's)."""
    upper = declared.upper()
    return "INT" not in upper and any(word in upper for word in ("CHAR", "CLOB", "TEXT"))


def _may_mix(values: pa.ChunkedArray, numbers_stored: bool = True) -> bool:
    """Whether a column as ADBC typed it may hide values of another storage class: ADBC
    turns numbers met in a text column into text, and anything met with a blob into bytes;
    numbers and missing values beside numbers keep their values. A column that cannot
    store numbers (not NUMBERS_STORED: of text affinity) is not searched for them: the
    pattern over a million texts took 50 ms."""
    if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        return True
    if not numbers_stored:
        return False
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return False
    return bool(pc.any(pc.match_substring_regex(values, NUMBER_AS_TEXT)).as_py())


def _as_sqlite3_gives(by_class: Sequence[pa.ChunkedArray]) -> pd.Series:
    """A mixed column put back together from its storage classes, as Python values, then
    typed as pandas types a column of `sqlite3` values."""
    values = np.full(len(by_class[0]), None, dtype=object)
    for part in by_class:
        present = np.flatnonzero(part.is_valid().to_numpy(zero_copy_only=False))
        if len(present):
            values[present] = np.asarray(part.take(pa.array(present)).to_pylist(), dtype=object)
    typed: pd.Series = pd.DataFrame.from_records(
        [(v,) for v in values], columns=["v"], coerce_float=True
    )["v"]
    return typed.rename(None)


def sqlite_file(url: Any) -> Path | None:
    """The file of a SQLite URL that ADBC can open on its own; None for an in-memory
    database or a URL with options (those are read through `sqlite3`)."""
    database = url.database
    if url.get_backend_name() != "sqlite" or url.query or database in (None, "", ":memory:"):
        return None
    if str(database).startswith("file:"):
        return None
    return Path(database)


@contextmanager
def reader(url: Any) -> Iterator[SqliteArrowReader | None]:
    """An Arrow reader for the SQLite file of URL, or None where `sqlite3` reads it."""
    database = sqlite_file(url)
    if database is None:
        yield None
        return
    opened = SqliteArrowReader(database)
    try:
        yield opened
    finally:
        opened.close()
