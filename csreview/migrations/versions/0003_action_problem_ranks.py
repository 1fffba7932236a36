"""each action's problems: an action that answers several problems names all of them

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # empty for actions drafted before: they answer their problem_rank alone
    op.add_column("actions", sa.Column("problem_ranks", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("actions", "problem_ranks")
