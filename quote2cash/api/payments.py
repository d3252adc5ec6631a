"""``POST /webhooks/payments``: a payment provider's signed events (Stripe's shape).

A succeeded payment names its deal and invoice in ``metadata`` (``q2c_deal_id``,
``q2c_invoice_id``, optional ``q2c_crm``), as the payment link we hand the customer
sets them. It is stored in the inbox before the 202, deduplicated by the payment (a
charge's payment intent, else the object id: Stripe announces one payment by both
``payment_intent.succeeded`` and ``charge.succeeded``), and relayed as the deal's
``payment_received`` signal (with the payment's currency and the same payment id),
which applies up to the amount due in the accounting system and keeps any excess as
the customer's credit; a payment in another currency is held as credit, not applied. A
payment for a deal that is no longer running is held as credit by the relay itself
(late_payments.py). A payment naming an invoice that is not its deal's (or no deal or
invoice at all) is not money yet: it is held for review (``GET /payments/held``), with
the signed event as evidence, and the reconciliation reports held money above the
invoice's amount.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from pydantic import BaseModel, TypeAdapter

from quote2cash.api.deps import AppState, StateDep
from quote2cash.api.errors import BadSignature, EndpointDisabled
from quote2cash.api.ingress import store_payment
from quote2cash.api.schemas import (
    SUCCEEDED_PAYMENTS,
    Accepted,
    PaymentEvent,
    Unmatched,
    payment_signal,
    too_long,
)
from quote2cash.api.tokens import ROLE_OPS, require
from quote2cash.api.webhooks import parsed, reject
from quote2cash.connectors.signatures import PAYMENT_SIGNATURE, SignatureError, verify_payment
from quote2cash.store import unit_of_work
from quote2cash.store.held_payments import HeldPaymentRepository

router = APIRouter(tags=["webhooks"])


def _ignored(event: PaymentEvent) -> str | None:
    problem = too_long(event=event.id, type=event.type)
    if problem:
        return f"unusable event: {problem}"
    if event.type not in SUCCEEDED_PAYMENTS:
        return f"{event.type}: only succeeded payments move a deal"
    try:
        payment_signal(event)
    except Unmatched:
        return None  # the relay holds it for review: it is money all the same
    except ValueError as exc:
        return str(exc)
    return None


async def payments_body(request: Request, state: StateDep) -> bytes:
    body = await request.body()
    secret = state.settings.payments_webhook_secret
    if not secret:
        await reject(state, "payments", request, body, EndpointDisabled("no payments secret"))
    try:
        now = int(state.clock().timestamp())
        verify_payment(secret, body=body, header=request.headers.get(PAYMENT_SIGNATURE), now=now)
    except SignatureError as exc:
        await reject(state, "payments", request, body, BadSignature(str(exc)))
    return body


@router.post("/webhooks/payments", status_code=202)
async def payment_webhook(
    request: Request,
    state: StateDep,
    background: BackgroundTasks,
    body: bytes = Depends(payments_body),
) -> Accepted:
    event = await parsed(state, "payments", request, body, TypeAdapter(PaymentEvent))
    accepted = await asyncio.to_thread(
        store_payment, state.engine, request.headers, event, _ignored(event)
    )
    background.add_task(state.relay.relay_ids, accepted.inbox_ids)
    return accepted


class HeldPaymentView(BaseModel):
    id: int
    inbox_id: int
    payment_id: str
    workflow_id: str
    invoice_id: str
    amount: Decimal
    currency: str
    reason: str
    held_at: datetime


def _held(state: AppState, limit: int) -> list[HeldPaymentView]:
    with unit_of_work(state.engine) as session:
        rows = HeldPaymentRepository(session).held(limit=limit)
        return [HeldPaymentView.model_validate(r.model_dump()) for r in rows]


@router.get("/payments/held", tags=["ops"], dependencies=[Depends(require(ROLE_OPS))])
async def held_payments(
    state: StateDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[HeldPaymentView]:
    """Payments held for review, oldest first; the evidence is ``/inbox/{inbox_id}``."""
    return await asyncio.to_thread(_held, state, limit)
