"""The review on PostgreSQL: a real server as the source and as the results store.

The session's PostgreSQL server (`tests/integration/servers.py`: initdb, pg_ctl on 127.0.0.1
and a free port, as the `postgres` OS user when the tests run as root) holds the `centre`
and `store` databases. The demo contact centre is written into its `centre` database, with the types
pandas gives it there (booleans, bigints, timestamps) rather than SQLite's loose ones, and
the same review is run from an SQLite copy: the KPIs and quarantine counts must agree.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from csreview.demo import DemoSpec, generate, to_database
from csreview.messy_export import plant_bad_rows
from csreview.periods import Period
from csreview.store.engine import HEAD, VERSION_TABLE
from flows.cli import main
from tests.conftest import ZONE, pdf_not_rendered
from tests.integration.servers import PostgresServer, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEPTEMBER = Period("monthly", 2026, 9)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZONE)
STORE_TABLES = {
    "review_runs",
    "run_tables",
    "run_rules",
    "kpi_values",
    "period_figures",
    "actions",
    "action_events",
    "followups",
    VERSION_TABLE,
}


@pytest.fixture(scope="module")
def databases(postgres: PostgresServer) -> tuple[str, str]:
    """The URLs of the `centre` and `store` databases on the session's PostgreSQL server."""
    return postgres.database("centre"), postgres.database("store")


@pytest.fixture(scope="module")
def messy_centre() -> dict[str, pd.DataFrame]:
    frames = generate(DemoSpec(SEPTEMBER, months=2, contacts_per_day=120, seed=11), now=NOW)
    messy, _ = plant_bad_rows(frames, SEPTEMBER, ZONE)
    return messy


def review(source: str, store: str, out: Path, *extra: str) -> int:
    """`csreview run` for September 2026, as a user types it; returns the exit code."""
    args = ["run", "--cadence", "monthly", "--period", "2026-09"]
    return main([*args, "--source", source, "--store", store, "--out", str(out), *extra])


def published_folder(out: Path) -> Path:
    """The run folder that `monthly/2026-09` points to now (it moves on a reissue)."""
    return (out / "monthly" / "2026-09").resolve()


PASSWORD_VARIABLE = "CSREVIEW_TEST_PG_PASSWORD"
PASSWORD = "pg-pass-7f3a9c-never-written"  # the server trusts 127.0.0.1, so any password works


def with_password_reference(url: str) -> str:
    """The URL in the documented form: the password as an `${ENV}` reference."""
    return f"{url}?password=${{{PASSWORD_VARIABLE}}}"


@pytest.fixture(scope="module")
def pg_run(
    databases: tuple[str, str],
    messy_centre: dict[str, pd.DataFrame],
    prefect_server: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, Path]]:
    """The review run from the `centre` database into the `store` database, both named with
    the password as an `${ENV}` reference (as the docs recommend)."""
    centre_url, store_url = databases
    to_database(messy_centre, centre_url)
    out = tmp_path_factory.mktemp("pg-out")
    os.environ[PASSWORD_VARIABLE] = PASSWORD
    try:
        code = review(with_password_reference(centre_url), with_password_reference(store_url), out)
        assert code == 0
        yield out, published_folder(out)
    finally:
        os.environ.pop(PASSWORD_VARIABLE, None)


@pytest.fixture(scope="module")
def sqlite_run(
    messy_centre: dict[str, pd.DataFrame],
    prefect_server: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The same review from an SQLite file, with an SQLite store."""
    folder = tmp_path_factory.mktemp("sqlite")
    source = f"sqlite:///{folder / 'centre.sqlite'}"
    to_database(messy_centre, source)
    out = folder / "out"
    with pdf_not_rendered():
        assert review(source, f"sqlite:///{folder / 'store.sqlite'}", out) == 0
    return published_folder(out)


def overall_kpis(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "kpis.csv").open(encoding="utf-8") as handle:
        return {r["kpi"]: r for r in csv.DictReader(handle) if r["dimension"] == "all"}


def manifest(folder: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((folder / "manifest.json").read_text())
    return loaded


def column_types(url: str, table: str) -> dict[str, str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = :t"
                ),
                {"t": table},
            )
            return dict(rows.tuples().all())
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the source on PostgreSQL
def test_a_postgresql_source_gives_the_same_kpis_as_sqlite(
    databases: tuple[str, str], pg_run: tuple[Path, Path], sqlite_run: Path
) -> None:
    types = column_types(databases[0], "contacts")
    assert types["abandoned"] == "boolean"
    assert types["hold_seconds"] == "bigint"
    assert types["answered_at"].startswith("timestamp")

    _, pg_folder = pg_run
    on_pg, on_sqlite = overall_kpis(pg_folder), overall_kpis(sqlite_run)
    assert on_pg.keys() == on_sqlite.keys()
    assert "service_level" in on_pg and "contacts" in on_pg
    # rows are read in a stable order whatever the server's storage order, so every figure
    # is identical, to the last bit
    for kpi, row in on_sqlite.items():
        for field in ("value", "numerator", "denominator", "target", "status"):
            assert on_pg[kpi][field] == row[field], (kpi, field)

    pg_tables = manifest(pg_folder)["tables"]
    sqlite_tables = manifest(sqlite_run)["tables"]
    assert isinstance(pg_tables, dict) and isinstance(sqlite_tables, dict)
    assert pg_tables.keys() == sqlite_tables.keys()
    for table, counts in sqlite_tables.items():
        got = pg_tables[table]
        assert (got["read"], got["used"], got["quarantined"]) == (
            counts["read"],
            counts["used"],
            counts["quarantined"],
        ), table
    assert sum(c["quarantined"] for c in pg_tables.values()) > 0


# ---------------------------------------------------------------- the store on PostgreSQL
def test_the_results_store_lives_in_postgresql(
    databases: tuple[str, str],
    pg_run: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _, store_url = databases
    out, first_folder = pg_run
    first_id = manifest(first_folder)["run_id"]
    assert isinstance(first_id, str)

    capsys.readouterr()
    assert main(["audit", "--store", store_url, "--out", str(tmp_path)]) == 0
    listed = capsys.readouterr().out
    assert first_id in listed and "2026-09" in listed

    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) >= STORE_TABLES
            version = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))
            assert [r[0] for r in version] == [HEAD]
            kpi_rows = conn.execute(
                sa.text("SELECT count(*) FROM kpi_values WHERE run_id = :r"), {"r": first_id}
            ).scalar_one()
            assert kpi_rows > 0
            figures = conn.execute(
                sa.text("SELECT figure FROM period_figures WHERE run_id = :r ORDER BY figure"),
                {"r": first_id},
            ).scalars()
            assert list(figures) == ["rota_agents", "scheduled_agent_hours"]
    finally:
        engine.dispose()

    assert review(databases[0], store_url, out, "--reason", "rerun") == 0
    second = manifest(published_folder(out))
    assert second["run_id"] != first_id and second["reissue"] == 1

    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            # this module's runs only: on two test workers, each reviews into the store
            runs = conn.execute(
                sa.text(
                    "SELECT run_id, reissue, reason, status FROM review_runs "
                    "WHERE period = '2026-09' AND run_id IN (:first, :second) "
                    "ORDER BY started_at"
                ),
                {"first": first_id, "second": second["run_id"]},
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in runs] == [
        (first_id, 0, None, "published"),
        (second["run_id"], 1, "rerun", "published"),
    ]


# ---------------------------------------------------------------- secrets
def test_a_password_given_as_a_reference_is_written_nowhere(
    databases: tuple[str, str], pg_run: tuple[Path, Path]
) -> None:
    """Not in the run's files (manifest, settings copy, log, evidence), not in the results
    store, not in Prefect's database (flow-run parameters, task inputs, logs, artifacts)."""
    import prefect.settings

    out, folder = pg_run
    secret = PASSWORD.encode()
    written = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "run.log" for p in written)
    assert [p for p in written if secret in p.read_bytes()] == []
    recorded = json.loads((folder / "config" / "settings.json").read_text("utf-8"))
    assert recorded["store_url"] == with_password_reference(databases[1])
    assert manifest(folder)["source"] == with_password_reference(databases[0])

    engine = sa.create_engine(databases[1])
    try:
        with engine.connect() as conn:
            sources = conn.execute(sa.text("SELECT source FROM review_runs")).scalars().all()
    finally:
        engine.dispose()
    assert sources and all(PASSWORD not in s for s in sources)

    database = prefect.settings.PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
    prefect_db = Path(sa.make_url(database).database or "")
    files = [p for p in prefect_db.parent.glob(prefect_db.name + "*") if p.is_file()]
    assert files and all(secret not in p.read_bytes() for p in files)
    assert any(f"${{{PASSWORD_VARIABLE}}}".encode() in p.read_bytes() for p in files)


# ---------------------------------------------------------------- a source that is not there
@pytest.mark.parametrize("where", ["closed port", "missing database"])
def test_an_unreachable_postgresql_source_is_one_clear_line(
    where: str,
    databases: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    if where == "closed port":
        source = f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/x"
    else:
        source = databases[0].rsplit("/", 1)[0] + "/no_such_database"
    capsys.readouterr()
    args = ["run", "--cadence", "monthly", "--period", "2026-09", "--source", source]
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert lines[0].startswith("error: 2026-09: cannot connect to ")
    assert "127.0.0.1" in lines[0]


def test_the_slices_of_a_dask_run_read_the_extracts_rows(
    databases: tuple[str, str], pg_run: tuple[Path, Path]
) -> None:
    """The SQL of the Dask run's slices (flows/distributed.py) on PostgreSQL's own types:
    together, the rows the extract reads, each once."""
    from tasks.extract import extract_period
    from tasks.extract import slices as sl
    from tasks.extract.scope import ReadScope

    centre_url = databases[0]
    scope = ReadScope(SEPTEMBER, ZONE)
    read = [
        sl.typed_slice(sl.read_slice(centre_url, scope, part), scope)
        for part in sl.period_slices(scope, 7)
    ]
    extract = extract_period(centre_url, SEPTEMBER, ZONE, NOW)
    for table in sl.SLICED:
        got = pd.concat([r[table.name] for r in read], ignore_index=True)
        key = table.key or "contact_id"
        assert sorted(got[key].dropna()) == sorted(extract.typed[table.name][key].dropna())
        assert len(got) == len(extract.typed[table.name]), table.name
