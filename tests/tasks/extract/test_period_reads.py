"""A source is asked for the period's rows only: what it gives equals every row read and
cut in pandas (today's semantics), from SQLite, parquet and CSV, zones and unreadable
timestamps included."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from csreview import schema as s
from csreview.demo import to_database, to_folder
from tasks.extract import (
    database,
    extract_period,
    folder,
    parse_table,
    read_tables,
    select_period,
    sqlite_arrow,
)
from tasks.extract.scope import ReadScope
from tests.conftest import AFTER_WINDOW, OCTOBER, ZONE


def contact(cid: str, created: object, closed: object = None, abandoned: object = "false") -> dict:
    return {
        s.CONTACT_ID: cid,
        s.CUSTOMER_ID: "u1",
        s.CHANNEL: "phone",
        s.CATEGORY: "billing",
        s.CREATED_AT: created,
        s.CLOSED_AT: closed,
        s.ABANDONED: abandoned,
    }


CONTACTS = pd.DataFrame(
    [
        contact("in", "2026-10-05 09:00:00", "2026-10-05 09:10:00"),
        contact("old", "2025-03-01 09:00:00", "2025-03-01 09:10:00"),  # history: not needed
        contact("open", "2025-12-01 09:00:00"),  # still open at the start: the backlog
        contact("given-up", "2025-12-01 09:00:00", None, "yes"),  # abandoned: not open
        contact("closed-late", "2026-09-20 09:00:00", "2026-10-02 08:00:00"),
        contact("zoned", "2026-09-30T20:00:00-08:00", "2026-09-30T21:00:00-08:00"),  # Oct 1
        contact("zoned-out", "2026-10-01T01:00:00+14:00", "2026-10-01T02:00:00+14:00"),  # Sep 30
        contact("repeat", "2026-11-07 23:00:00", "2026-11-07 23:30:00"),  # in the 7 days
        contact("after", "2026-11-08 00:00:00", "2026-11-08 00:10:00"),  # after them
        contact("unread", "yesterday", None),  # validation must see it
        contact("odd", "05/10/2026 09:00", "05/10/2026 09:10"),
        contact("no-time", None, None),
    ]
)
SURVEYS = pd.DataFrame(
    {
        s.SURVEY_ID: ["s1", "s2", "s3", "s4", "s5"],
        s.CONTACT_ID: ["in", "old", "NOPE", None, "open"],
        s.SUBMITTED_AT: ["2026-10-06 10:00:00"] * 5,
        s.CSAT: [5, 4, 3, 2, 1],
    }
)
SHIFTS = pd.DataFrame(
    {
        s.AGENT_ID: ["a1", "a1", "a1", "a1"],
        s.STARTS_AT: ["2026-09-30 20:00:00", "2026-08-01 09:00:00", "later", "2026-11-01 01:00:00"],
        s.ENDS_AT: ["2026-10-01 04:00:00", "2026-08-01 17:00:00", "2026-10-01 04:00:00", None],
    }
)
AGENTS = pd.DataFrame({s.AGENT_ID: ["a1"], s.TEAM: ["t"], s.TIER: ["junior"]})
FRAMES = {
    s.AGENTS.name: AGENTS,
    s.CONTACTS.name: CONTACTS,
    s.SURVEYS.name: SURVEYS,
    s.SHIFTS.name: SHIFTS,
}


def every_row_cut_in_pandas(source: str) -> dict[str, pd.DataFrame]:
    """Today's semantics: every row read, the period's picked in pandas."""
    tables, _ = read_tables(source)
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in tables.items()}
    picks = select_period(typed, OCTOBER, ZONE)
    return {n: f.take(picks[n]).reset_index(drop=True) for n, f in tables.items()}


def write(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'centre.sqlite'}"
        to_database(FRAMES, url)
        return url
    if kind == "csv":
        to_folder(FRAMES, str(tmp_path))
        return str(tmp_path)
    for name, frame in FRAMES.items():
        frame.astype("string").to_parquet(tmp_path / f"{name}.parquet")
    return str(tmp_path)


@pytest.mark.parametrize("kind", ["sqlite", "csv", "parquet"])
def test_a_period_read_equals_every_row_cut_in_pandas(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folder, "CSV_CHUNK_ROWS", 3)  # several chunks of each file
    source = write(kind, tmp_path)
    extract = extract_period(source, OCTOBER, ZONE, AFTER_WINDOW)
    expected = every_row_cut_in_pandas(source)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(extract.raw[name], frame)
    kept = set(extract.raw[s.CONTACTS.name][s.CONTACT_ID].fillna("-"))
    assert kept == {"in", "open", "closed-late", "zoned", "repeat", "unread", "no-time"}
    assert list(extract.raw[s.SURVEYS.name][s.SURVEY_ID]) == ["s1", "s3", "s4", "s5"]
    assert len(extract.raw[s.SHIFTS.name]) == 3


def test_the_database_is_asked_for_the_period_rows_only(tmp_path: Path) -> None:
    """History stays in the database: the closed contact of 2025 and its survey, the
    abandoned one, the shift of August and the contact after the repeat window."""
    url = write("sqlite", tmp_path)
    engine = sa.create_engine(url)
    with engine.connect() as conn, database.snapshot(conn):
        tables, sql = database.read_database(conn, ReadScope(OCTOBER, ZONE))
    engine.dispose()
    read = set(tables[s.CONTACTS.name][s.CONTACT_ID].fillna("-"))
    assert {"old", "given-up"}.isdisjoint(read)
    assert {"in", "open", "zoned", "zoned-out", "unread", "odd", "no-time"} <= read
    assert "old" not in set(tables[s.SURVEYS.name][s.CONTACT_ID].dropna())
    assert "2026-08-01 09:00:00" not in set(tables[s.SHIFTS.name][s.STARTS_AT])
    assert "'2026-09-29'" in sql[s.CONTACTS.name] and "GLOB" in sql[s.CONTACTS.name]
    assert set(sql) == {*(t.name for t in s.TABLES if t.name in FRAMES), "ids_of_no_contact"}


def test_the_queries_of_an_extract_share_one_sqlite_transaction(tmp_path: Path) -> None:
    url = write("sqlite", tmp_path)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        with database.snapshot(conn):
            driver = conn.connection.driver_connection
            database.read_database(conn, ReadScope(OCTOBER, ZONE))
            assert driver.in_transaction  # type: ignore[union-attr]
        assert not driver.in_transaction  # type: ignore[union-attr]
    engine.dispose()


def test_the_bounds_are_widened_by_two_days() -> None:
    scope = ReadScope(OCTOBER, ZONE)
    assert scope.from_day == date(2026, 9, 29)
    assert scope.open_before_day == date(2026, 10, 3)
    assert scope.window_until_day == date(2026, 11, 10)  # Nov 1 + 7 days, + 2
    assert scope.shifts_until_day == date(2026, 11, 3)
    described = scope.describe()
    assert described["cut"]["from"] == "2026-10-01T00:00:00+08:00"
    assert described["cut"]["repeat_window_until"] == "2026-11-08T00:00:00+08:00"


def test_the_manifest_scope_names_the_queries_run(tmp_path: Path) -> None:
    url = write("sqlite", tmp_path)
    extract = extract_period(url, OCTOBER, ZONE, AFTER_WINDOW)
    assert extract.scope["tables"][s.CONTACTS.name]["from_day"] == "2026-09-29"
    asked = extract.scope["asked"]  # a SQLite file: the ids in one temporary lookup table
    assert '"temp".contact_ids_read_and_ids_of_no_contact' in asked[s.SURVEYS.name]
    assert "EXCEPT" in asked["ids_of_no_contact"]
    assert np.all(extract.typed[s.CONTACTS.name][s.ROW] == np.arange(7))


def test_a_timestamp_shaped_non_date_of_history_is_not_read_from_a_database(
    tmp_path: Path,
) -> None:
    """The limit docs/validation.md states: 30 February of a past year looks like a
    timestamp, so a database is not asked for it; a period-only read cannot quarantine it."""
    frames = {**FRAMES, s.CONTACTS.name: pd.DataFrame([contact("in", "2026-10-05 09:00:00"),
        contact("bad-day", "2025-02-30 09:00:00", "2025-02-30 09:10:00")])}  # fmt: skip
    url = f"sqlite:///{tmp_path / 'centre.sqlite'}"
    to_database(frames, url)
    extract = extract_period(url, OCTOBER, ZONE, AFTER_WINDOW)
    assert list(extract.raw[s.CONTACTS.name][s.CONTACT_ID]) == ["in"]


def test_the_lookup_table_selects_what_each_listed_id_selected(tmp_path: Path) -> None:
    """Through Arrow the ids read and the ids of no contact go once into a temporary table;
    through `sqlite3` each selection lists them: the same rows, ids stored as any storage
    class in an untyped column, missing ids, ids of no contact and history included."""
    path = tmp_path / "ids.sqlite"
    contacts = [  # id, created_at: two of history, whose surveys stay in the database
        ("C1", "2026-10-02 09:00:00"), (5, "2026-10-03 09:00:00"), ("7", "2026-10-04 09:00"),
        (2.5, "2026-10-05 09:00:00"), ("old", "2025-01-02 09:00:00"), (9, "2025-01-03 09:00"),
    ]  # fmt: skip
    refs = ["C1", "5", 5, 5.0, "7", 7, 2.5, "2.5", "old", 9, "9", "NOPE", 11, None, "c1"]
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (contact_id TEXT, customer_id, channel, category, "
                     "created_at TEXT, closed_at TEXT, abandoned TEXT)")  # fmt: skip
        conn.executemany(
            "INSERT INTO contacts VALUES (?1, 'u', 'phone', 'billing', ?2, ?2, 'false')", contacts
        )
        conn.execute("CREATE TABLE surveys (survey_id TEXT, contact_id TEXT, submitted_at TEXT)")
        conn.execute("CREATE TABLE qa_evaluations (evaluation_id TEXT, contact_id, score REAL)")
        for i, ref in enumerate(refs):
            conn.execute("INSERT INTO surveys VALUES (?, ?, '2026-10-06')", (f"s{i}", ref))
            conn.execute("INSERT INTO qa_evaluations VALUES (?, ?, 90)", (f"e{i}", ref))
    url = sa.make_url(f"sqlite:///{path}")
    engine = sa.create_engine(url)
    read = {}
    for way in ("sqlite3", "arrow"):
        with engine.connect() as conn, database.snapshot(conn), sqlite_arrow.reader(url) as arrow:
            assert arrow is not None
            read[way], _ = database.read_database(
                conn, ReadScope(OCTOBER, ZONE), arrow if way == "arrow" else None
            )
    engine.dispose()
    for name in (s.SURVEYS.name, s.QA_EVALUATIONS.name):
        pd.testing.assert_frame_equal(read["arrow"][name], read["sqlite3"][name])
    surveys = set(read["arrow"][s.SURVEYS.name][s.SURVEY_ID])
    assert {"s8", "s9", "s10"}.isdisjoint(surveys)  # of the contacts of history
    assert {"s0", "s1", "s4", "s11", "s12", "s13", "s14"} <= surveys  # read or of no contact


def test_ids_stored_as_text_and_numbers_in_an_untyped_column_are_read(tmp_path: Path) -> None:
    """A column declared without a type keeps what each row stored: contact ids as text in
    some rows and integers in others are read (as text), not a failure to sort them."""
    path = tmp_path / "untyped.sqlite"
    source = f"sqlite:///{path}"
    to_database(FRAMES, source)
    with sqlite3.connect(path) as connection:
        names = [row[1] for row in connection.execute("PRAGMA table_info(contacts)")]
        connection.execute(f"CREATE TABLE untyped ({', '.join(names)})")
        connection.execute("INSERT INTO untyped SELECT * FROM contacts")
        connection.execute("UPDATE untyped SET contact_id = 7 WHERE contact_id = 'in'")
        connection.execute("DROP TABLE contacts")
        connection.execute("ALTER TABLE untyped RENAME TO contacts")
        kinds = set(connection.execute("SELECT typeof(contact_id) FROM contacts"))
    assert kinds == {("text",), ("integer",)}
    extract = extract_period(source, OCTOBER, ZONE, AFTER_WINDOW)
    ids = extract.typed[s.CONTACTS.name][s.CONTACT_ID]
    assert "7" in set(ids) and "in" not in set(ids)
