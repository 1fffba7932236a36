"""The results store's tables: runs, their inputs, rules, outputs, KPI rows and period
figures, and actions.

One ORM model per table, shared by the store's reads and writes and by its migrations.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


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


class PeriodFigure(Base):
    """One figure of a published run's period that kpi_values does not hold (scheduled
    agent-hours, agents on the rota): what later reviews compare a centre-wide problem with."""

    __tablename__ = "period_figures"

    run_id: Mapped[str] = mapped_column(sa.ForeignKey("review_runs.run_id"), primary_key=True)
    figure: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[float | None]


class ActionRecord(Base):
    """A SMART action: drafted by a run, then approved, edited or rejected by a person.
    Approved actions are followed up by every later review (the PDCA loop)."""

    __tablename__ = "actions"

    action_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(120), index=True)
    cadence: Mapped[str] = mapped_column(sa.String(20))
    opened_in: Mapped[str] = mapped_column(sa.String(20))
    run_id: Mapped[str] = mapped_column(sa.String(80))
    problem_rank: Mapped[int]  # the first problem the action answers
    problem_ranks: Mapped[str | None] = mapped_column(sa.String(200))  # all of them: `1;2;4`
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
