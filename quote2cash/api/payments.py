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
(late_payments.py).
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from pydantic import TypeAdapter

from quote2cash.api.deps import StateDep
from quote2cash.api.errors import BadSignature, EndpointDisabled
from quote2cash.api.ingress import store_payment
from quote2cash.api.schemas import (
    SUCCEEDED_PAYMENTS,
    Accepted,
    PaymentEvent,
    payment_signal,
    too_long,
)
from quote2cash.api.webhooks import parsed, reject
from quote2cash.connectors.signatures import PAYMENT_SIGNATURE, SignatureError, verify_payment

router = APIRouter(tags=["webhooks"])


def _ignored(event: PaymentEvent) -> str | None:
    problem = too_long(event=event.id, type=event.type)
    if problem:
        return f"unusable event: {problem}"
    if event.type not in SUCCEEDED_PAYMENTS:
        return f"{event.type}: only succeeded payments move a deal"
    try:
        payment_signal(event)
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
