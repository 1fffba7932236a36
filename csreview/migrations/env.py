"""Alembic environment of the results store: run by the product (`csreview.store.upgrade`),
never by hand; its version table is separate from Prefect's own migrations."""

from __future__ import annotations

from alembic import context

from csreview.store.engine import VERSION_TABLE
from csreview.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
