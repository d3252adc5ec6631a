"""Refund reservations: each refund holds its amount of the invoice in our database
before any money moves, so refunds running at once can never pay back more than the
invoice between them.

Check and reserve are one transaction under the invoice's lock row (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite every transaction already holds the write lock, see
``db``): a second refund of the same invoice waits, then sees the first one's hold.
A reservation is keyed by the refund's workflow id, so a retried call holds once. A
full refund holds the whole invoice: it is refused while any partial one holds part of
it, and the other way round. The saga's compensation releases its hold; a refund that
completes keeps it for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from quote2cash.store._sql import dialect_name, insert_or_ignore
from quote2cash.store.columns import exact_amount, utcnow
from quote2cash.store.errors import InvalidAmount, OverRefund, ReservationConflict
from quote2cash.store.models import RefundInvoice, RefundReservation

_INVOICES: sa.Table = RefundInvoice.__table__  # type: ignore[attr-defined]
HELD, RELEASED = "held", "released"


@dataclass(frozen=True)
class Hold:
    """A refund's hold on an invoice, and what the other refunds held when it was taken."""

    refund_key: str
    amount: Decimal
    held_by_others: Decimal


class RefundReservationRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def reserve(
        self, invoice_number: str, refund_key: str, amount: Decimal, *, total: Decimal, run_id: str
    ) -> Hold:
        """Hold ``amount`` of the invoice for ``refund_key``, or raise ``OverRefund``.

        ``total`` is the most the invoice can give back (what was paid, for a partial
        refund). The same key held by the same run is answered again unchanged; a key
        released (its refund failed and was undone) is checked again and taken over. A
        key still held by an earlier run is refused: that run ended without undoing
        its steps (terminated, or failed after the money moved), so it may have paid
        out; a person checks Xero and releases it by hand (runbooks/RefundRefused.md)."""
        if amount <= 0:
            raise InvalidAmount(f"a refund reservation must be more than zero, got {amount}")
        amount = exact_amount(amount)
        self._lock_invoice(invoice_number)
        mine = self._by_key(refund_key)
        others = [r for r in self.held(invoice_number) if r.refund_key != refund_key]
        held = sum((r.amount for r in others), Decimal(0))
        if mine is not None and mine.status == HELD and mine.run_id == run_id:
            if mine.amount != amount:
                raise ReservationConflict(
                    f"{refund_key} already holds {_shown(mine.amount, total)} of "
                    f"{invoice_number}, not {_shown(amount, total)}"
                )
            return Hold(refund_key, mine.amount, held)
        if mine is not None and mine.status == HELD:
            raise ReservationConflict(
                f"an earlier run of {refund_key} still holds {_shown(mine.amount, total)} of "
                f"{invoice_number} and may have paid it out: check the credit notes of "
                f"{invoice_number} in Xero, then release the hold by hand before asking again"
            )
        if amount > total - held:
            raise OverRefund(_refusal(invoice_number, amount, total, others))
        row = mine or RefundReservation(
            refund_key=refund_key, invoice_number=invoice_number, amount=amount
        )
        row.amount, row.run_id, row.status, row.released_at = amount, run_id, HELD, None
        row.invoice_number = invoice_number
        self._s.add(row)
        self._s.flush()
        return Hold(refund_key, amount, held)

    def release(self, refund_key: str, *, run_id: str) -> bool:
        """Give the hold of ``refund_key`` back; True if it was held by this run.

        A later run of the same workflow id that took the hold over keeps it: a late
        compensation of an earlier run must not free what the later run holds."""
        row = self._by_key(refund_key)
        if row is None:
            return False
        # Lock first, then read again: a reserve waiting on the lock may change the row.
        self._lock_invoice(row.invoice_number)
        row = self._by_key(refund_key)
        if row is None or row.status != HELD or row.run_id != run_id:
            return False
        row.status, row.released_at = RELEASED, utcnow()
        self._s.add(row)
        self._s.flush()
        return True

    def held(self, invoice_number: str) -> list[RefundReservation]:
        """The invoice's holds that count: running and completed refunds, oldest first."""
        stmt = select(RefundReservation).where(
            RefundReservation.invoice_number == invoice_number, RefundReservation.status == HELD
        )
        return list(self._s.exec(stmt.order_by(col(RefundReservation.id))).all())

    def _by_key(self, refund_key: str) -> RefundReservation | None:
        stmt = select(RefundReservation).where(RefundReservation.refund_key == refund_key)
        return self._s.exec(stmt.execution_options(populate_existing=True)).first()

    def _lock_invoice(self, invoice_number: str) -> None:
        insert_or_ignore(
            self._s, _INVOICES, {"invoice_number": invoice_number, "created_at": utcnow()}
        )
        stmt = select(RefundInvoice).where(RefundInvoice.invoice_number == invoice_number)
        if dialect_name(self._s) == "postgresql":
            stmt = stmt.with_for_update()
        self._s.exec(stmt.execution_options(populate_existing=True)).one()


def _refusal(
    invoice_number: str, amount: Decimal, total: Decimal, others: list[RefundReservation]
) -> str:
    """Why the refund is refused: what is left, who holds the rest, what to ask for."""
    rest = _shown(total - sum((r.amount for r in others), Decimal(0)), total)
    holders = ", ".join(f"{_shown(r.amount, total)} by {r.refund_key}" for r in others)
    holders = holders or "none"
    advice = f"ask for at most {rest}" if rest > 0 else "nothing is left to refund"
    return (
        f"refund of {_shown(amount, total)} exceeds what is still refundable on "
        f"{invoice_number}: {rest} of {total} (held by other refunds, running or done: "
        f"{holders}); {advice}"
    )


def _shown(amount: Decimal, total: Decimal) -> Decimal:
    """``amount`` with the invoice total's decimal places (the columns keep six)."""
    unit = Decimal(1).scaleb(int(total.as_tuple().exponent))
    return amount.quantize(unit) if amount == amount.quantize(unit) else amount.normalize()
