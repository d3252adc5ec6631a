from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from quote2cash.store.db import make_engine, migrate


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    migrate(database_url)
    eng = make_engine(database_url)
    try:
        yield eng
    finally:
        eng.dispose()
