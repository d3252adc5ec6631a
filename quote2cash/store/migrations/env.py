"""Alembic environment: runs on the connection ``quote2cash.store.db.migrate`` passes in.

Batch mode renders ALTERs that SQLite cannot do as copy-and-move, so one set of
revisions serves SQLite and PostgreSQL.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import quote2cash.store.models  # noqa: F401 - registers the tables on the metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through quote2cash.store.db.migrate(url)")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
