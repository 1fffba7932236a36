"""Opening the results store: its engine, its schema checked and upgraded, its sessions.

A store that is not csreview's, or is newer than this code, is refused before any write;
`${ENV}` references in its URL are expanded here and nowhere earlier.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from csreview.settings import ConfigError, expand_env
from csreview.store.tables import Base


class StoreError(Exception):
    """The results store cannot be opened or written."""


class StoreMissingError(StoreError):
    """No results store where one was looked for (nothing is created to read)."""


VERSION_TABLE: Final = "csreview_store_version"
MIGRATIONS: Final = Path(__file__).parent.parent / "migrations"
HEAD: Final = "0004"
REVISIONS: Final = ("0001", "0002", "0003", HEAD)


def upgrade(engine: sa.Engine) -> None:
    """Bring the store's tables to the current schema with its Alembic migrations."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _engine(url: str) -> sa.Engine:
    """An engine on the store; `${ENV}` references are expanded here, nowhere earlier."""
    try:
        return sa.create_engine(expand_env(url))
    except ConfigError as err:
        raise StoreError(f"the results store cannot be opened: {err}") from err
    except (sa.exc.ArgumentError, ImportError) as err:
        raise StoreError(f"the results store URL is not valid: {err}") from err


def _fault(err: sa.exc.SQLAlchemyError) -> StoreError:
    """A database fault as one line (the driver's message, never the SQL)."""
    cause = getattr(err, "orig", None) or err
    first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return StoreError(f"the results store cannot be opened: {first}")


@contextmanager
def session(url: str) -> Iterator[Session]:
    """A session on the store, its tables created if missing; the engine is closed after."""
    engine = _engine(url)
    try:
        _check_schema(engine)
        upgrade(engine)
        with Session(engine) as s:
            yield s
    except sa.exc.SQLAlchemyError as err:
        raise _fault(err) from err
    finally:
        engine.dispose()


def _sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL, or None (another database, or in memory)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    name = parsed.database
    if name.startswith("file:"):
        name = name.removeprefix("file:").split("?")[0]
    return Path(name)


@contextmanager
def reading(url: str) -> Iterator[Session]:
    """A session that only reads: the store is never created nor upgraded (`audit`)."""
    engine = _engine(url)
    try:
        file = _sqlite_file(url)
        if file is not None and not file.is_file():
            raise StoreMissingError(f"there is no results store at {file}")
        revision = _check_schema(engine)
        if revision != HEAD:
            raise StoreError(
                f"the results store is at revision {revision or 'none'}, not {HEAD}: "
                "the next review run upgrades it"
            )
        with Session(engine) as s:
            yield s
    except sa.exc.SQLAlchemyError as err:
        raise _fault(err) from err
    finally:
        engine.dispose()


def _check_schema(engine: sa.Engine) -> str | None:
    """The store's revision, after checking the tables are csreview's: a foreign table of
    the same name, or a revision newer than this code knows, is refused before any write."""
    inspector = sa.inspect(engine)
    tables = set(inspector.get_table_names())
    ours = set(Base.metadata.tables)
    if VERSION_TABLE not in tables:
        if tables & ours:
            raise StoreError(
                f"the results store holds a {sorted(tables & ours)[0]} table that is not "
                "csreview's (no csreview_store_version table)"
            )
        return None
    with engine.connect() as connection:
        revision = connection.scalar(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))
    if revision not in REVISIONS:
        raise StoreError(
            f"the results store is at revision {revision}, which this version of csreview "
            f"does not know (it knows up to {HEAD}): upgrade csreview"
        )
    expected = {t.name: t for t in Base.metadata.sorted_tables}
    if revision == HEAD:
        for name in sorted(tables & ours):
            have = {c["name"] for c in inspector.get_columns(name)}
            missing = sorted({c.name for c in expected[name].columns} - have)
            if missing:
                raise StoreError(
                    f"the results store's {name} table is not csreview's: "
                    f"no column {', '.join(missing)}"
                )
    return str(revision)


def check_store(url: str) -> None:
    """Fail early (a usage error) when the store cannot be opened, is not csreview's, or
    cannot be written: a write is tried inside a transaction that is rolled back."""
    engine = _engine(url)
    try:
        _check_schema(engine)
        upgrade(engine)
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")  # takes the write lock
            connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = version_num"))
            connection.rollback()
    except sa.exc.SQLAlchemyError as err:
        message = str(_fault(err))
        if "readonly" in message or "read-only" in message or "read only" in message:
            message = message.replace("cannot be opened", "cannot be written")
        raise StoreError(message) from err
    finally:
        engine.dispose()
