"""The Arrow reader of SQLite selections gives the frame `pandas.read_sql_query` gives on
`sqlite3`, whatever storage classes a column mixes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from tasks.extract import sqlite_arrow

BIG = 2**62 + 1  # not a float exactly

COLUMNS: dict[str, list[Any]] = {
    "ids": ["C1", "C2", "C3", "C4"],
    "numbers_as_text": ["12", "2.5", "x", None],  # text only: kept as text
    "text_and_numbers": ["x", 12, 2.5, "2026-10-01"],  # mixed: each value as stored
    "ints_and_reals": [1, 2.5, BIG, None],  # numbers only: floats, as pandas makes them
    "ints_with_missing": [1, None, 3, 4],
    "missing_only": [None, None, None, None],
    "blob_and_int": [b"q", None, 1, None],
    "text_and_blob": ["a", b"b", None, "c"],
    "reals_in_text_column": [1e300, 0.1, "Inf", None],
}


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            f"CREATE TABLE t ({', '.join(f'{c} TEXT' if c == 'ids' else c for c in COLUMNS)})"
        )
        conn.executemany(
            f"INSERT INTO t VALUES ({', '.join('?' * len(COLUMNS))})",
            list(zip(*COLUMNS.values(), strict=True)),
        )
    return path


def _both(path: Path, sql: str, params: list[Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    with sqlite3.connect(path) as conn:
        expected = pd.read_sql_query(sql, conn, params=params)
    with sqlite_arrow.reader(sa.make_url(f"sqlite:///{path}")) as reader:
        assert reader is not None
        read = reader.frame(sql, params, list(COLUMNS))
    return expected, read


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT * FROM t", []),
        ("SELECT * FROM t WHERE ids >= ?", ["C2"]),  # the mixed rows only
        ("SELECT * FROM t WHERE ids = ?", ["C1"]),  # one row: nothing mixed in it
        ("SELECT * FROM t WHERE ids = ?", ["none"]),  # no row: untyped columns
    ],
)
def test_frames_equal_what_pandas_reads_from_sqlite3(
    database: Path, sql: str, params: list[Any]
) -> None:
    expected, read = _both(database, sql, params)
    pd.testing.assert_frame_equal(read, expected, check_exact=True)


def test_mixed_values_keep_their_storage_class(database: Path) -> None:
    _, read = _both(database, "SELECT * FROM t", [])
    assert read["text_and_numbers"].tolist() == ["x", 12, 2.5, "2026-10-01"]
    assert read["numbers_as_text"].tolist()[:3] == ["12", "2.5", "x"]
    assert read["blob_and_int"].tolist()[:3] == [b"q", None, 1]


def test_a_database_in_memory_or_with_options_is_read_through_sqlite3(tmp_path: Path) -> None:
    for url in ("sqlite://", "sqlite:///:memory:", f"sqlite:///{tmp_path / 'x.db'}?mode=ro"):
        assert sqlite_arrow.sqlite_file(sa.make_url(url)) is None
    assert sqlite_arrow.sqlite_file(sa.make_url("sqlite:///a b/x.db")) == Path("a b/x.db")


def test_errors_are_sqlite_errors(database: Path) -> None:
    with sqlite_arrow.reader(sa.make_url(f"sqlite:///{database}")) as reader:
        assert reader is not None
        with pytest.raises(sqlite3.DatabaseError, match="no such table"):
            reader.frame("SELECT * FROM absent", [], ["a"])


def test_reading_leaves_the_process_able_to_fork(database: Path) -> None:
    """ADBC reserves address space for a batch's rows: a batch sized far beyond the result
    left the kernel refusing to fork the process (the review forks its GX worker)."""
    with sqlite_arrow.reader(sa.make_url(f"sqlite:///{database}")) as reader:
        assert reader is not None
        reader.frame("SELECT * FROM t", [], list(COLUMNS))
    size = next(
        int(line.split()[1])
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmSize:")
    )
    assert size < 8 * 2**20  # kB: far below the 26 GiB a 2**30-row batch reserved


@pytest.mark.parametrize(
    ("declared", "text"),
    [
        ("TEXT", True),
        ("varchar(20)", True),
        ("NCHAR", True),
        ("CLOB", True),
        ("CHARINT", False),  # INT first: an integer's affinity
        ("DATETIME", False),
        ("", False),
        ("BLOB", False),
    ],
)
def test_text_affinity_follows_sqlites_rules(declared: str, text: bool) -> None:
    assert sqlite_arrow._text_affinity(declared) is text


def _texts(path: Path, table: str) -> frozenset[str]:
    with sqlite_arrow.reader(sa.make_url(f"sqlite:///{path}")) as reader:
        assert reader is not None
        return reader.text_columns(table)


def test_only_a_tables_text_columns_are_not_searched_for_numbers(tmp_path: Path) -> None:
    path = tmp_path / "texts.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a TEXT, b DATETIME, c VARCHAR(9), d)")
        conn.execute("INSERT INTO t VALUES (12, '12', 2.5, 'x')")  # a and c store text
        conn.execute("CREATE VIEW v AS SELECT a FROM t UNION ALL SELECT 7")  # a number in a
        conn.execute("CREATE VIEW p AS SELECT a FROM t")  # its a declared TEXT, as t's
    assert _texts(path, "t") == {"a", "c"}
    assert _texts(path, "v") == _texts(path, "p") == frozenset()  # a view gives anything
    assert _texts(path, "absent") == frozenset()
    with sqlite_arrow.reader(sa.make_url(f"sqlite:///{path}")) as reader:
        assert reader is not None
        read = reader.frame("SELECT * FROM t", [], ["a", "b", "c", "d"], frozenset({"a", "c"}))
        in_view = reader.frame("SELECT a FROM v", [], ["a"], _texts(path, "v"))
    assert read.iloc[0].tolist() == ["12", 12, "2.5", "x"]  # DATETIME made '12' a number
    assert in_view["a"].tolist() == ["12", 7]


@pytest.mark.parametrize("numbers_stored", [True, False])
def test_a_text_column_is_searched_for_numbers_unless_it_cannot_store_them(
    numbers_stored: bool,
) -> None:
    import pyarrow as pa

    values = pa.chunked_array([["x", "12"]])
    assert sqlite_arrow._may_mix(values, numbers_stored) is numbers_stored
    assert sqlite_arrow._may_mix(pa.chunked_array([[b"x"]]), numbers_stored)  # a blob
