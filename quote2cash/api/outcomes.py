"""What became of an inbox entry handed to Temporal; the relay writes it back to the row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal


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


@dataclass(frozen=True)
class Held:
    """A payment we cannot match to an invoice of the deal it names: held for review,
    not posted as credit (see ``quote2cash.store.held_payments``)."""

    reason: str
    payment_id: str
    workflow_id: str
    invoice_id: str
    amount: Decimal
    currency: str


Outcome = Relayed | Ignored | Deferred | Posted | Held
