"""Payments held for review: money a provider reports that we cannot match to an
invoice of the deal it names. Held once per inbox entry (a replay holds nothing new);
listed for operators and counted by the reconciliation."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from quote2cash.store._sql import insert_or_ignore_key, row_values
from quote2cash.store.columns import utcnow
from quote2cash.store.models import HeldPayment

_TABLE = HeldPayment.__table__  # type: ignore[attr-defined]


class HeldPaymentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def hold(
        self,
        *,
        inbox_id: int,
        payment_id: str,
        workflow_id: str,
        invoice_id: str,
        amount: Decimal,
        currency: str,
        reason: str,
        now: datetime | None = None,
    ) -> bool:
        """Record the payment as held; False when its inbox entry was held before."""
        row = HeldPayment(
            inbox_id=inbox_id,
            payment_id=payment_id,
            workflow_id=workflow_id,
            invoice_id=invoice_id,
            amount=amount,
            currency=currency,
            reason=reason,
            held_at=now or utcnow(),
        )
        return insert_or_ignore_key(self._s, _TABLE, row_values(row, exclude={"id"})) is not None

    def held(self, *, limit: int = 1000) -> list[HeldPayment]:
        """Still held, oldest first."""
        stmt = (
            select(HeldPayment)
            .where(HeldPayment.status == "held")
            .order_by(col(HeldPayment.id))
            .limit(limit)
        )
        return list(self._s.exec(stmt))

    def release(self, inbox_id: int) -> None:
        """The entry, replayed, was handled after all (its invoice became known)."""
        self._s.exec(
            sa.update(_TABLE)
            .where(_TABLE.c.inbox_id == inbox_id, _TABLE.c.status == "held")
            .values(status="released")
        )
