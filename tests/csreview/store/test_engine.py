"""The results store opens only a store that is csreview's and usable, as one clear line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from csreview.store import StoreError, check_store


def test_a_store_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot be opened"):
        check_store(f"sqlite:///{tmp_path / 'no' / 'such' / 'store.sqlite'}")
    with pytest.raises(StoreError, match="not valid"):
        check_store("nosuchdialect://x")


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from csreview.store.engine import HEAD, VERSION_TABLE, upgrade
    from csreview.store.tables import Base

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    try:
        upgrade(engine)
        upgrade(engine)  # idempotent
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            assert context.get_current_revision() == HEAD
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def _foreign(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE review_runs (id INTEGER PRIMARY KEY, name TEXT)")


def _newer(path: Path) -> None:
    import sqlite3

    check_store(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE csreview_store_version SET version_num = '9999'")


def _other_columns(path: Path) -> None:
    import sqlite3

    check_store(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE run_outputs RENAME COLUMN sha256 TO digest")


@pytest.mark.parametrize(
    ("spoil", "read_only", "message"),
    [
        (lambda path: path.write_bytes(b"\x8f random bytes " * 100), False, "file is not a database"),
        (lambda path: check_store(f"sqlite:///{path}"), True, "cannot be written: attempt to write a readonly database"),
        (_foreign, False, "holds a review_runs table that is not csreview's"),
        (_newer, False, "revision 9999, which this version of csreview does not know"),
        (_other_columns, False, "run_outputs table is not csreview's: no column sha256"),
    ],
)  # fmt: skip
def test_a_store_that_is_not_usable_is_one_clear_line(
    tmp_path: Path, spoil: Any, read_only: bool, message: str
) -> None:
    path = tmp_path / "store.sqlite"
    spoil(path)
    url = f"sqlite:///file:{path}?mode=ro&uri=true" if read_only else f"sqlite:///{path}"
    with pytest.raises(StoreError) as caught:
        check_store(url)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert "SELECT" not in str(caught.value) and "UPDATE" not in str(caught.value)
