"""Gapless invoice numbers per billing entity (invariant 6), idempotent per business key.

The counter row of the entity is locked for the rest of the transaction (``SELECT ...
FOR UPDATE`` on PostgreSQL; on SQLite every transaction already holds the write lock,
see ``db``). The number and the counter move in the same transaction, so a rollback
returns the number and leaves no gap. The business key is checked again under the lock:
a concurrent caller with the same key waits, then finds the number the first one took.

Once committed, a number is never given to another key. ``create_invoice`` commits it
before calling Xero, so a failure after that keeps it: the retry with the same business
key gets it back, and a number whose document was never created stays listed against
its key (``numbers``, ``find``) rather than leaving an unexplained gap.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from quote2cash.store._sql import dialect_name, insert_or_ignore
from quote2cash.store.models import InvoiceCounter, InvoiceNumber

_COUNTERS: sa.Table = InvoiceCounter.__table__  # type: ignore[attr-defined]
NUMBER_WIDTH = 6


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:0{NUMBER_WIDTH}d}"


class InvoiceNumberRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def allocate(self, entity: str, business_key: str, prefix: str) -> str:
        """The number of ``business_key``: the one it got before, or the next one."""
        found = self._existing(entity, business_key)
        if found is not None:
            return found
        counter = self._lock_counter(entity)
        found = self._existing(entity, business_key)
        if found is not None:
            return found
        seq = counter.next_value
        number = format_number(prefix, seq)
        self._s.add(InvoiceNumber(entity=entity, business_key=business_key, seq=seq, number=number))
        counter.next_value = seq + 1
        self._s.add(counter)
        self._s.flush()
        return number

    def find(self, entity: str, business_key: str) -> str | None:
        return self._existing(entity, business_key)

    def numbers(self, entity: str) -> list[str]:
        """Every number of the entity, in allocation order."""
        stmt = select(InvoiceNumber.number).where(InvoiceNumber.entity == entity)
        return list(self._s.exec(stmt.order_by(col(InvoiceNumber.seq))).all())

    def _existing(self, entity: str, business_key: str) -> str | None:
        stmt = select(InvoiceNumber.number).where(
            InvoiceNumber.entity == entity, InvoiceNumber.business_key == business_key
        )
        return self._s.exec(stmt).first()

    def _lock_counter(self, entity: str) -> InvoiceCounter:
        insert_or_ignore(self._s, _COUNTERS, {"entity": entity, "next_value": 1})
        stmt = select(InvoiceCounter).where(InvoiceCounter.entity == entity)
        if dialect_name(self._s) == "postgresql":
            stmt = stmt.with_for_update()
        return self._s.exec(stmt.execution_options(populate_existing=True)).one()
