"""SQL that differs between SQLite and PostgreSQL, kept in one place."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_or_ignore(session: Session, table: sa.Table, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when the row was inserted."""
    return insert_or_ignore_key(session, table, values) is not None


def insert_or_ignore_key(session: Session, table: sa.Table, values: dict[str, Any]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING; the new row's primary key, or None if it existed.

    No savepoint and no caught IntegrityError: on PostgreSQL a failed INSERT would abort
    the caller's whole transaction, and the database resolves the race for us (a
    concurrent inserter of the same key waits for the first one to commit)."""
    name = dialect_name(session)
    if name == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif name == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:
        raise NotImplementedError(f"unsupported database dialect {name!r}")
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT here.
    row = session.exec(stmt.returning(*table.primary_key.columns)).first()
    return None if row is None else row[0]


def row_values(model: Any, *, exclude: set[str] | None = None) -> dict[str, Any]:
    """Column values of a SQLModel instance (defaults applied), for Core statements."""
    table: sa.Table = model.__table__
    skip = exclude or set()
    return {c.name: getattr(model, c.name) for c in table.columns if c.name not in skip}
