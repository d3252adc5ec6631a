"""Refund reservation activities (our database): a refund holds its amount of the
invoice before any money moves, and its compensation gives the hold back.

The check and the hold are one transaction under the invoice's lock (see
``quote2cash.store.refunds``), so two refunds started at once cannot both pass. A
refusal is final (``RefundRefused``, not retried): retrying gives the same answer until
another refund is undone, and then the caller asks again.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.models import RefundHeld, ReleaseRefund, ReserveRefund
from quote2cash.error_types import REFUND_REFUSED
from quote2cash.store.db import unit_of_work
from quote2cash.store.errors import InvalidAmount, OverRefund, ReservationConflict
from quote2cash.store.refunds import RefundReservationRepository


class ReservationActivities:
    """Takes the engine only (``deps.engine``): nothing here calls a vendor."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn
    async def reserve_refund(self, request: ReserveRefund) -> RefundHeld:
        try:
            return await asyncio.to_thread(self._reserve, request)
        except (OverRefund, ReservationConflict, InvalidAmount) as exc:
            raise ApplicationError(str(exc), type=REFUND_REFUSED, non_retryable=True) from None

    @activity.defn
    async def release_refund(self, request: ReleaseRefund) -> bool:
        """Compensation: the hold given back (False: nothing of this run was held)."""
        return await asyncio.to_thread(self._release, request)

    def _reserve(self, request: ReserveRefund) -> RefundHeld:
        with unit_of_work(self._engine) as session:
            hold = RefundReservationRepository(session).reserve(
                request.invoice_number,
                request.refund_key,
                request.amount,
                total=request.invoice_total,
                run_id=request.run_id,
            )
        return RefundHeld(amount=hold.amount, held_by_others=hold.held_by_others)

    def _release(self, request: ReleaseRefund) -> bool:
        with unit_of_work(self._engine) as session:
            return RefundReservationRepository(session).release(
                request.refund_key, run_id=request.run_id
            )
