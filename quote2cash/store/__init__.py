"""The store: SQLModel tables and the repositories that own their SQL.

Open a unit of work per activity or request and build repositories on its session::

    engine = make_engine(settings.db_url)
    with unit_of_work(engine) as session:
        number = InvoiceNumberRepository(session).allocate("default", key, "INV-")
"""

from quote2cash.store.audit import AuditRepository
from quote2cash.store.db import make_engine, migrate, normalize_url, unit_of_work
from quote2cash.store.errors import (
    IdMapConflict,
    InvalidAmount,
    LedgerConflict,
    OverRefund,
    ReservationConflict,
    StoreError,
    UnbalancedEntry,
)
from quote2cash.store.idmap import IdMapRepository
from quote2cash.store.inbox import InboxRepository
from quote2cash.store.invoice_numbers import InvoiceNumberRepository
from quote2cash.store.ledger import LedgerLineIn, LedgerRepository, PostedEntry
from quote2cash.store.models import AuditEvent, IdMapEntry, InboxEntry, InboxStatus
from quote2cash.store.refunds import Hold, RefundReservationRepository

__all__ = [
    "AuditEvent",
    "AuditRepository",
    "Hold",
    "IdMapConflict",
    "IdMapEntry",
    "IdMapRepository",
    "InboxEntry",
    "InboxRepository",
    "InboxStatus",
    "InvalidAmount",
    "InvoiceNumberRepository",
    "LedgerConflict",
    "LedgerLineIn",
    "LedgerRepository",
    "OverRefund",
    "PostedEntry",
    "RefundReservationRepository",
    "ReservationConflict",
    "StoreError",
    "UnbalancedEntry",
    "make_engine",
    "migrate",
    "normalize_url",
    "unit_of_work",
]
