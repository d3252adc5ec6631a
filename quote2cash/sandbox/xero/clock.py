"""Time of the Xero emulator: injectable, so that tests can pin dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
EPOCH_OF_SETUP = datetime(2024, 1, 1, tzinfo=UTC)


def system_clock() -> datetime:
    return datetime.now(UTC)
