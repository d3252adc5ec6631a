from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from quote2cash.store import AuditRepository, unit_of_work
from quote2cash.store.db import make_engine, migrate, normalize_url


def test_normalize_url_points_postgres_at_psycopg3() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///var/q2c.db") == "sqlite:///var/q2c.db"


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrate_is_idempotent(database_url: str, engine: Engine) -> None:
    migrate(database_url)
    migrate(database_url)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    assert len(versions) == 1


def test_migrate_creates_the_sqlite_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'q2c.db'}"
    migrate(url)
    assert (tmp_path / "deep" / "er" / "q2c.db").exists()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    migrate(url)
    eng = make_engine(url)
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    eng.dispose()


def test_unit_of_work_commits_once_and_rolls_back_on_error(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        AuditRepository(session).append("ops", "kept", "deal:1", {})

    def fail_midway() -> None:
        with unit_of_work(engine) as session:
            AuditRepository(session).append("ops", "lost", "deal:1", {})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_midway()
    with unit_of_work(engine) as session:
        assert [e.action for e in AuditRepository(session).list("deal:1")] == ["kept"]
