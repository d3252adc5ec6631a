"""What became of an inbox entry handed to Temporal; the relay writes it back to the row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Relayed:
    pass


@dataclass(frozen=True)
class Ignored:
    reason: str


@dataclass(frozen=True)
class Deferred:
    note: str
    after: timedelta


@dataclass(frozen=True)
class Posted:
    """Handled without a workflow: written to our ledger (a payment after its deal closed)."""

    reason: str


Outcome = Relayed | Ignored | Deferred | Posted
