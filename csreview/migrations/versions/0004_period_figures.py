"""each published run's period figures beside its KPI rows: what later reviews compare with

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # runs recorded before keep none: a later review says their figures are not on record
    op.create_table(
        "period_figures",
        sa.Column("run_id", sa.String(length=80), nullable=False),
        sa.Column("figure", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["review_runs.run_id"]),
        sa.PrimaryKeyConstraint("run_id", "figure"),
    )


def downgrade() -> None:
    op.drop_table("period_figures")
