"""The results store: every run's outcome, row counts, fingerprints and rule results.

An auditor lists runs and their validation outcome from here without opening files. The
store keeps counts and reasons only — never row values, which may hold personal data.
SQLite by default, PostgreSQL in production: any SQLAlchemy URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from csreview.periods import parse_period
from csreview.settings import ConfigError, expand_env


class StoreError(Exception):
    """The results store cannot be opened or written."""


class Base(DeclarativeBase):
    pass


class ReviewRun(Base):
    """One run of the review flow for one tenant, cadence and period."""

    __tablename__ = "review_runs"

    run_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(120), index=True)
    cadence: Mapped[str] = mapped_column(sa.String(20))
    period: Mapped[str] = mapped_column(sa.String(20), index=True)
    reissue: Mapped[int]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    # publishing (recorded, the period not yet switched), published, blocked, interrupted
    status: Mapped[str] = mapped_column(sa.String(20))
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    source: Mapped[str] = mapped_column(sa.Text)
    contract_version: Mapped[str] = mapped_column(sa.String(10))
    config_sha256: Mapped[str] = mapped_column(sa.String(64))
    run_folder: Mapped[str] = mapped_column(sa.Text)
    blocking: Mapped[str] = mapped_column(sa.Text, default="")
    tables: Mapped[list[RunTable]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="RunTable.position"
    )
    rules: Mapped[list[RunRule]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="RunRule.position"
    )
    outputs: Mapped[list[RunOutput]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="RunOutput.name"
    )


class RunOutput(Base):
    """The sha256 of one file a run's manifest lists: a copy kept apart from the folder, so
    that a file edited together with its manifest is caught."""

    __tablename__ = "run_outputs"

    run_id: Mapped[str] = mapped_column(sa.ForeignKey("review_runs.run_id"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    run: Mapped[ReviewRun] = relationship(back_populates="outputs")


class RunTable(Base):
    """Rows read, used and quarantined for one input table of a run."""

    __tablename__ = "run_tables"

    run_id: Mapped[str] = mapped_column(sa.ForeignKey("review_runs.run_id"), primary_key=True)
    table_name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    position: Mapped[int]
    rows_read: Mapped[int]
    rows_used: Mapped[int]
    rows_quarantined: Mapped[int]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    run: Mapped[ReviewRun] = relationship(back_populates="tables")


class RunRule(Base):
    """One validation rule's outcome in a run: counts and the reason, no values."""

    __tablename__ = "run_rules"

    run_id: Mapped[str] = mapped_column(sa.ForeignKey("review_runs.run_id"), primary_key=True)
    table_name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    rule: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    position: Mapped[int]
    severity: Mapped[str] = mapped_column(sa.String(20))
    engine: Mapped[str] = mapped_column(sa.String(40))
    description: Mapped[str] = mapped_column(sa.Text)
    checked: Mapped[int]
    failed: Mapped[int]
    run: Mapped[ReviewRun] = relationship(back_populates="rules")


class KpiValue(Base):
    """One KPI row of a published run (every dimension but agents): the history that period
    comparisons and trends read."""

    __tablename__ = "kpi_values"

    run_id: Mapped[str] = mapped_column(sa.ForeignKey("review_runs.run_id"), primary_key=True)
    kpi: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    segment: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    value: Mapped[float | None]
    numerator: Mapped[float | None]
    denominator: Mapped[float | None]
    variance: Mapped[float | None]


class ActionRecord(Base):
    """A SMART action: drafted by a run, then approved, edited or rejected by a person.
    Approved actions are followed up by every later review (the PDCA loop)."""

    __tablename__ = "actions"

    action_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(120), index=True)
    cadence: Mapped[str] = mapped_column(sa.String(20))
    opened_in: Mapped[str] = mapped_column(sa.String(20))
    run_id: Mapped[str] = mapped_column(sa.String(80))
    problem_rank: Mapped[int]
    segment: Mapped[str] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text)
    kpi: Mapped[str] = mapped_column(sa.String(60))
    baseline: Mapped[float]
    target: Mapped[float]
    owner_role: Mapped[str] = mapped_column(sa.Text)
    due_date: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(20))  # proposed, approved, rejected
    decided_by: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ActionEvent(Base):
    """Every change of an action, never rewritten: who did what, when."""

    __tablename__ = "action_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    action_id: Mapped[str] = mapped_column(sa.ForeignKey("actions.action_id"), index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    by: Mapped[str] = mapped_column(sa.Text)
    event: Mapped[str] = mapped_column(sa.String(20))
    changes: Mapped[str] = mapped_column(sa.Text)  # JSON


class FollowUp(Base):
    """One check of an approved action in a later period; appended, never replaced."""

    __tablename__ = "followups"

    action_id: Mapped[str] = mapped_column(sa.ForeignKey("actions.action_id"), primary_key=True)
    checked_in: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    run_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    current: Mapped[float | None]
    verdict: Mapped[str] = mapped_column(sa.String(20))


VERSION_TABLE: Final = "csreview_store_version"
MIGRATIONS: Final = Path(__file__).with_name("migrations")


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


class StoreMissingError(StoreError):
    """No results store where one was looked for (nothing is created to read)."""


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


HEAD: Final = "0002"
REVISIONS: Final = ("0001", HEAD)


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


def record_run(
    url: str,
    manifest: Mapping[str, Any],
    rules: Sequence[Mapping[str, Any]],
    kpis: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Add one run's outcome (manifest, rule results and, once published, its KPI rows)."""
    run = ReviewRun(
        run_id=manifest["run_id"],
        tenant=manifest["tenant"] or "default",
        cadence=manifest["cadence"],
        period=manifest["period"],
        reissue=manifest["reissue"],
        reason=manifest.get("reason"),
        status=manifest["status"],
        started_at=datetime.fromisoformat(manifest["started_at"]),
        source=manifest["source"],
        contract_version=manifest["contract_version"],
        config_sha256=manifest["config_sha256"],
        run_folder=manifest["run_folder"],
        blocking="\n".join(manifest.get("blocking", [])),
        tables=[
            RunTable(
                table_name=name,
                position=i,
                rows_read=t["read"],
                rows_used=t["used"],
                rows_quarantined=t["quarantined"],
                sha256=t.get("sha256"),
            )
            for i, (name, t) in enumerate(manifest["tables"].items())
        ],
        rules=[
            RunRule(
                table_name=r["table"],
                rule=r["rule"],
                position=i,
                severity=r["severity"],
                engine=r["engine"],
                description=r["description"],
                checked=r["checked"],
                failed=r["failed"],
            )
            for i, r in enumerate(rules)
        ],
        outputs=[
            RunOutput(name=name, sha256=digest)
            for name, digest in sorted(
                {**manifest.get("outputs", {}), **manifest.get("config_files", {})}.items()
            )
        ],
    )
    with session(url) as s:
        s.merge(run)
        s.execute(sa.delete(KpiValue).where(KpiValue.run_id == run.run_id))
        if kpis:
            s.execute(sa.insert(KpiValue), [{**row, "run_id": run.run_id} for row in kpis])
        s.commit()


PUBLISHING: Final = "publishing"


def mark_published(url: str, run_id: str) -> None:
    """A run's record says `published` only once the period folder shows it."""
    with session(url) as s:
        s.execute(
            sa.update(ReviewRun)
            .where(ReviewRun.run_id == run_id, ReviewRun.status == PUBLISHING)
            .values(status="published")
        )
        s.commit()


def reconcile(url: str, tenant: str, cadence: str, period: str, shown: Sequence[str]) -> None:
    """Records left `publishing` by a run stopped around its switch: `published` when the
    period folder has shown the run (SHOWN), `interrupted` otherwise."""
    where = (
        ReviewRun.tenant == tenant,
        ReviewRun.cadence == cadence,
        ReviewRun.period == period,
        ReviewRun.status == PUBLISHING,
    )
    with session(url) as s:
        done = ReviewRun.run_id.in_(shown)
        s.execute(sa.update(ReviewRun).where(*where, done).values(status="published"))
        s.execute(sa.update(ReviewRun).where(*where, ~done).values(status="interrupted"))
        s.commit()


def mark_interrupted(url: str, run_ids: Sequence[str]) -> None:
    """Runs recorded as published but stopped before the period folder showed them: kept
    on record as `interrupted`, no longer read as the period's history."""
    with session(url) as s:
        s.execute(
            sa.update(ReviewRun).where(ReviewRun.run_id.in_(run_ids)).values(status="interrupted")
        )
        s.commit()


def kpi_trend(
    url: str, tenant: str, cadence: str, periods: Sequence[str], kpis: Sequence[str]
) -> list[dict[str, Any]]:
    """Overall values of some KPIs over several periods (latest published run of each)."""
    rows = []
    for period in periods:
        for row in kpi_history(url, tenant, cadence, period):
            if row["dimension"] == "all" and row["kpi"] in kpis:
                rows.append({"period": period, "kpi": row["kpi"], "value": row["value"]})
    return rows


def kpi_history(url: str, tenant: str, cadence: str, period: str) -> list[dict[str, Any]]:
    """The KPI rows of the latest published run of one period (empty when there is none)."""
    latest = (
        sa.select(ReviewRun.run_id)
        .where(
            ReviewRun.tenant == tenant,
            ReviewRun.cadence == cadence,
            ReviewRun.period == period,
            ReviewRun.status == "published",
        )
        .order_by(ReviewRun.started_at.desc(), ReviewRun.run_id.desc())
        .limit(1)
    )
    columns = [c for c in KpiValue.__table__.columns if c.name != "run_id"]
    with session(url) as s:
        run_id = s.scalar(latest)
        if run_id is None:
            return []
        rows = s.execute(sa.select(*columns).where(KpiValue.run_id == run_id))
        return [dict(r._mapping) for r in rows]


@dataclass(frozen=True)
class RunSummary:
    """A run as `csreview audit` lists it."""

    run_id: str
    tenant: str
    cadence: str
    period: str
    reissue: int
    status: str
    started_at: datetime
    rows_read: int
    rows_quarantined: int
    failing_rules: int
    blocking: str
    tables: tuple[tuple[str, int, int, int, str | None], ...]


def list_runs(url: str, tenant: str | None = None, period: str | None = None) -> list[RunSummary]:
    """Runs in the order they started, optionally of one tenant and/or period."""
    query = sa.select(ReviewRun).order_by(ReviewRun.started_at, ReviewRun.run_id)
    if tenant:
        query = query.where(ReviewRun.tenant == tenant)
    if period:
        query = query.where(ReviewRun.period == period)
    with reading(url) as s:
        return [
            RunSummary(
                run.run_id,
                run.tenant,
                run.cadence,
                run.period,
                run.reissue,
                run.status,
                run.started_at,
                sum(t.rows_read for t in run.tables),
                sum(t.rows_quarantined for t in run.tables),
                sum(1 for r in run.rules if r.failed),
                run.blocking,
                tuple(
                    (t.table_name, t.rows_read, t.rows_used, t.rows_quarantined, t.sha256)
                    for t in run.tables
                ),
            )
            for run in s.scalars(query)
        ]


def failing_rules(url: str, run_id: str) -> list[tuple[str, str, str, int, int, str]]:
    """One run's rules with failing rows: table, rule, severity, failed, checked, reason."""
    query = (
        sa.select(RunRule)
        .where(RunRule.run_id == run_id, RunRule.failed > 0)
        .order_by(RunRule.position)
    )
    with reading(url) as s:
        return [
            (r.table_name, r.rule, r.severity, r.failed, r.checked, r.description)
            for r in s.scalars(query)
        ]


@dataclass(frozen=True)
class RunRecord:
    """What the store holds of one run for `audit --verify` to hold its folder against."""

    run_id: str
    tenant: str
    cadence: str
    period: str
    reissue: int
    status: str
    started_at: datetime
    config_sha256: str
    run_folder: str
    tables: dict[str, tuple[int, int, int, str | None]]
    outputs: dict[str, str]
    latest_published: str | None  # of its tenant, cadence and period


def run_record(url: str, run_id: str) -> RunRecord | None:
    """One run as recorded, with the latest published run of its period (reads only)."""
    with reading(url) as s:
        run = s.get(ReviewRun, run_id)
        if run is None:
            return None
        latest = s.scalar(
            sa.select(ReviewRun.run_id)
            .where(
                ReviewRun.tenant == run.tenant,
                ReviewRun.cadence == run.cadence,
                ReviewRun.period == run.period,
                ReviewRun.status == "published",
            )
            .order_by(ReviewRun.started_at.desc(), ReviewRun.run_id.desc())
            .limit(1)
        )
        return RunRecord(
            run.run_id,
            run.tenant,
            run.cadence,
            run.period,
            run.reissue,
            run.status,
            run.started_at,
            run.config_sha256,
            run.run_folder,
            {
                t.table_name: (t.rows_read, t.rows_used, t.rows_quarantined, t.sha256)
                for t in run.tables
            },
            {o.name: o.sha256 for o in run.outputs},
            latest,
        )


# ---------------------------------------------------------------- actions (PDCA)
EDITABLE: Final = ("action", "owner_role", "target", "due_date")


class ActionError(Exception):
    """An action that does not exist, or a change that is not allowed."""


def record_drafts(
    url: str,
    tenant: str,
    cadence: str,
    period: str,
    run_id: str,
    drafts: Sequence[Mapping[str, Any]],
) -> None:
    """Store a run's drafts: new ones as proposed; a reissue refreshes the drafts of its
    period that nobody has decided on yet, and never touches decided ones."""
    with session(url) as s:
        for draft in drafts:
            known = s.get(ActionRecord, draft["action_id"])
            if known is not None and known.status != "proposed":
                continue
            fields = {
                c: draft[c]
                for c in (
                    "problem_rank",
                    "segment",
                    "action",
                    "kpi",
                    "baseline",
                    "target",
                    "owner_role",
                    "due_date",
                )
            }
            s.merge(
                ActionRecord(
                    action_id=draft["action_id"],
                    tenant=tenant,
                    cadence=cadence,
                    opened_in=period,
                    run_id=run_id,
                    status="proposed",
                    **fields,
                )
            )
        s.commit()


def list_actions(
    url: str, tenant: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    query = sa.select(ActionRecord).order_by(ActionRecord.opened_in, ActionRecord.action_id)
    if tenant:
        query = query.where(ActionRecord.tenant == tenant)
    if status:
        query = query.where(ActionRecord.status == status)
    with session(url) as s:
        return [
            {c.name: getattr(a, c.name) for c in ActionRecord.__table__.columns}
            for a in s.scalars(query)
        ]


def approved_before(url: str, tenant: str, cadence: str, period: str) -> list[dict[str, Any]]:
    """Approved actions opened in an earlier period: the ones this period follows up — of its
    own cadence and, for a quarter, also the monthly actions opened before the quarter."""
    this = parse_period(cadence, period)
    first_month = this.months_to_end(this.months)[0]

    def earlier(action: Mapping[str, Any]) -> bool:
        if action["cadence"] == cadence:
            return bool(action["opened_in"] < period)
        return cadence == "quarterly" and bool(action["opened_in"] < first_month.label)

    return [a for a in list_actions(url, tenant, "approved") if earlier(a)]


def decide(
    url: str, action_id: str, event: str, by: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Approve, reject or edit an action, recording who, when and what changed."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ActionError(f"cannot change {', '.join(unknown)}")
    with session(url) as s:
        action = s.get(ActionRecord, action_id)
        if action is None:
            raise ActionError(f"no action {action_id} is on record")
        now = datetime.now(UTC)
        for name, value in changes.items():
            setattr(action, name, value)
        if event in ("approved", "rejected"):
            action.status = event
            action.decided_by, action.decided_at = by, now
        s.add(
            ActionEvent(
                action_id=action_id,
                at=now,
                by=by,
                event=event,
                changes=json.dumps(dict(changes), ensure_ascii=False),
            )
        )
        s.commit()
        return {c.name: getattr(action, c.name) for c in ActionRecord.__table__.columns}


def record_followups(url: str, period: str, run_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
    with session(url) as s:
        for r in rows:
            s.merge(
                FollowUp(
                    action_id=r["action_id"],
                    checked_in=period,
                    run_id=run_id,
                    current=r["current"],
                    verdict=r["verdict"],
                )
            )
        s.commit()


def followups_checked_in(
    url: str, tenant: str, cadence: str, periods: Sequence[str]
) -> list[dict[str, Any]]:
    """A tenant's follow-ups checked in some periods, as the latest published run of each
    period recorded them: what a quarter's effectiveness review reads month by month."""
    latest = (
        sa.select(
            ReviewRun.run_id,
            sa.func.row_number()
            .over(
                partition_by=ReviewRun.period,
                order_by=(ReviewRun.started_at.desc(), ReviewRun.run_id.desc()),
            )
            .label("newest"),
        )
        .where(
            ReviewRun.tenant == tenant,
            ReviewRun.cadence == cadence,
            ReviewRun.period.in_(periods),
            ReviewRun.status == "published",
        )
        .subquery()
    )
    query = (
        sa.select(FollowUp.action_id, FollowUp.checked_in, FollowUp.current, FollowUp.verdict)
        .join(latest, latest.c.run_id == FollowUp.run_id)
        .where(latest.c.newest == 1)
        .order_by(FollowUp.checked_in, FollowUp.action_id)
    )
    with session(url) as s:
        return [dict(row._mapping) for row in s.execute(query)]
