"""the results store: runs, tables, rules, KPI history, actions, follow-ups

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("action_id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=120), nullable=False),
        sa.Column("cadence", sa.String(length=20), nullable=False),
        sa.Column("opened_in", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.String(length=80), nullable=False),
        sa.Column("problem_rank", sa.Integer(), nullable=False),
        sa.Column("segment", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("kpi", sa.String(length=60), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("owner_role", sa.Text(), nullable=False),
        sa.Column("due_date", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("action_id"),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_tenant"), ["tenant"], unique=False)

    op.create_table(
        "review_runs",
        sa.Column("run_id", sa.String(length=80), nullable=False),
        sa.Column("tenant", sa.String(length=120), nullable=False),
        sa.Column("cadence", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("reissue", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("contract_version", sa.String(length=10), nullable=False),
        sa.Column("config_sha256", sa.String(length=64), nullable=False),
        sa.Column("run_folder", sa.Text(), nullable=False),
        sa.Column("blocking", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_id"),
    )
    with op.batch_alter_table("review_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_runs_period"), ["period"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_runs_tenant"), ["tenant"], unique=False)

    op.create_table(
        "action_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.action_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("action_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_events_action_id"), ["action_id"], unique=False)

    op.create_table(
        "followups",
        sa.Column("action_id", sa.String(length=40), nullable=False),
        sa.Column("checked_in", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.String(length=80), nullable=False),
        sa.Column("current", sa.Float(), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.action_id"],
        ),
        sa.PrimaryKeyConstraint("action_id", "checked_in", "run_id"),
    )
    op.create_table(
        "kpi_values",
        sa.Column("run_id", sa.String(length=80), nullable=False),
        sa.Column("kpi", sa.String(length=60), nullable=False),
        sa.Column("dimension", sa.String(length=40), nullable=False),
        sa.Column("segment", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("variance", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["review_runs.run_id"],
        ),
        sa.PrimaryKeyConstraint("run_id", "kpi", "dimension", "segment"),
    )
    op.create_table(
        "run_rules",
        sa.Column("run_id", sa.String(length=80), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("engine", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["review_runs.run_id"],
        ),
        sa.PrimaryKeyConstraint("run_id", "table_name", "rule"),
    )
    op.create_table(
        "run_tables",
        sa.Column("run_id", sa.String(length=80), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_used", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["review_runs.run_id"],
        ),
        sa.PrimaryKeyConstraint("run_id", "table_name"),
    )


def downgrade() -> None:
    op.drop_table("run_tables")
    op.drop_table("run_rules")
    op.drop_table("kpi_values")
    op.drop_table("followups")
    with op.batch_alter_table("action_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_events_action_id"))

    op.drop_table("action_events")
    with op.batch_alter_table("review_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_runs_tenant"))
        batch_op.drop_index(batch_op.f("ix_review_runs_period"))

    op.drop_table("review_runs")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_tenant"))

    op.drop_table("actions")
