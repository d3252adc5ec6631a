"""Errors of the store: the caller did something the data forbids.

    StoreError
     ├── IdMapConflict        a key is already mapped to another id
     ├── UnbalancedEntry      a journal entry whose debits and credits differ
     ├── LedgerConflict       the same entry key posted again with other amounts
     ├── InvalidAmount        a negative amount, or more decimals than the columns keep
     ├── OverRefund           a refund above what other refunds left of the invoice
     └── ReservationConflict  one refund run reserving again with another amount

Each one is permanent: retrying the same call gives the same answer.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of the store's errors."""


class IdMapConflict(StoreError):
    """``put`` would map a key (or an external id) to a second, different partner."""


class UnbalancedEntry(StoreError):
    """Σ debits ≠ Σ credits: the ledger refuses the entry rather than store a lie."""


class LedgerConflict(StoreError):
    """An entry key was posted before with different lines: a caller bug, not a retry."""


class InvalidAmount(StoreError):
    """An amount the money columns cannot hold exactly."""


class OverRefund(StoreError):
    """The refund asks for more of the invoice than the reservations of other refunds
    left; its message says how much is left and who holds the rest."""


class ReservationConflict(StoreError):
    """The same refund run reserved before with another amount: a caller bug, not a retry."""
