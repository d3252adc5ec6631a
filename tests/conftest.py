"""Real components for tests: Temporal servers shipped as PyPI binaries, a real database.

- ``database_url``: a fresh SQLite file per test and, when ``Q2C_TEST_DATABASE_URL`` is
  set, the same test again on a fresh schema in that PostgreSQL database (dropped
  afterwards): SQLite is what every new user runs, PostgreSQL what production runs, so
  CI tests both. A schema rather than a rolled-back transaction, because end-to-end
  tests share the database with other processes (API, worker) that cannot join a
  test's transaction.
- ``temporal_dev``: one real Temporal dev server per test session.
- ``temporal_ts``: one time-skipping test server per test session.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

BIN = Path(sys.executable).parent


def _binary(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    other = shutil.which(name)
    if other is None:
        raise RuntimeError(f"{name} not found: run `make test` so uv installs it")
    return other


POSTGRES_URL = os.environ.get("Q2C_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'q2c.db'}"
        return
    base = POSTGRES_URL
    from quote2cash.store.db import normalize_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalize_url(base))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's database, migrated to the newest schema."""
    from quote2cash.store.db import make_engine, migrate

    migrate(database_url)
    eng = make_engine(database_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture(scope="session")
async def temporal_dev() -> AsyncIterator[WorkflowEnvironment]:
    from quote2cash.temporal import SEARCH_ATTRIBUTES, data_converter

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_binary("temporal"),
        ip="127.0.0.1",
        search_attributes=list(SEARCH_ATTRIBUTES),
        data_converter=data_converter(b"\x00" * 32),
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()


@contextlib.asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server with our search attributes and data converter."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    from quote2cash.temporal import SEARCH_ATTRIBUTES, data_converter

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_binary("temporal-test-server"),
        data_converter=data_converter(b"\x00" * 32),
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                k.name: IndexedValueType.ValueType(k.indexed_value_type.value)
                for k in SEARCH_ATTRIBUTES
            },
        )
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def temporal_ts() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping_server() as env:
        yield env


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:10]}"


# A skipped test proves nothing. Locally the run says which tests skipped and why; in CI
# (CI=true) any skip fails the run, so a missing spec or service cannot pass silently.
_SKIPPED: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _SKIPPED.append((report.nodeid, reason))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per reason (what is missing), with how many tests it skipped."""
    if not _SKIPPED:
        return
    verdict = "failing the run (CI=true)" if _in_ci() else "set CI=true to make this fail"
    terminalreporter.write_sep("=", f"{len(_SKIPPED)} tests skipped: {verdict}")
    by_reason: dict[str, list[str]] = {}
    for nodeid, reason in _SKIPPED:
        by_reason.setdefault(reason, []).append(nodeid)
    for reason, nodeids in by_reason.items():
        terminalreporter.write_line(f"{len(nodeids)} skipped ({nodeids[0]}, ...): {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _in_ci() and _SKIPPED and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")
