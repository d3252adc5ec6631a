from __future__ import annotations

from collections.abc import Iterator

import pytest

from activities.reservations import ReservationActivities
from quote2cash.store.db import make_engine, migrate


@pytest.fixture
def reservations(database_url: str) -> Iterator[ReservationActivities]:
    """The real refund-reservation activities on this test's real database."""
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        yield ReservationActivities(engine)
    finally:
        engine.dispose()
