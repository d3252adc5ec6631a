"""Engines, migrations and the unit of work.

SQLite (the local default) and PostgreSQL (production) behave alike for our callers:

- SQLite runs in WAL mode with a busy timeout, foreign keys on, and every transaction
  opened with ``BEGIN IMMEDIATE``. SQLite has one writer at a time anyway; taking the
  write lock up front makes concurrent read-then-write transactions (invoice numbers,
  idempotent inserts) wait their turn instead of failing with ``SQLITE_BUSY`` when a
  stale read snapshot tries to write.
- PostgreSQL gets ``pool_pre_ping`` and row locks where a repository needs them.

Repositories never commit: ``unit_of_work`` commits once at the boundary (one activity,
one request) and rolls back on error.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works: two processes starting at once take turns to migrate.
_MIGRATION_LOCK = 0x71C2_5707
SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at psycopg 3; leave everything else alone."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN IMMEDIATE instead of pysqlite's BEGIN.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


_SQLITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_NO_LOCK = contextlib.nullcontext()


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        _SQLITE_LOCKS[engine] = threading.RLock()
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configured in code (no alembic.ini): used by ``migrate`` and by developers
    writing a new revision (``command.revision(alembic_config(conn), autogenerate=True)``)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(url: str) -> None:
    """Upgrade the database to the newest revision. Idempotent, and safe to call at every
    process start, also from several processes at once."""
    url = normalize_url(url)
    _ensure_sqlite_dir(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            command.upgrade(alembic_config(conn), "head")
    finally:
        engine.dispose()


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commit once when the block ends, roll back if it raises.

    On SQLite the process's transactions take turns on a lock first: SQLite has one
    writer at a time, and threads waiting on its busy handler sleep in steps, so
    concurrent requests queue faster on a lock here than inside SQLite."""
    with _SQLITE_LOCKS.get(engine, _NO_LOCK), _session(engine) as session:
        yield session


@contextmanager
def _session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
