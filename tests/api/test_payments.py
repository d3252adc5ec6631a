"""Payment provider webhooks: signed like Stripe's, stored before the 202, relayed once as
the deal's payment_received signal; anything else is refused or recorded as ignored."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from quote2cash.api.schemas import PaymentEvent, payment_signal
from quote2cash.connectors.signatures import (
    PAYMENT_SIGNATURE,
    SignatureError,
    sign_payment,
    verify_payment,
)
from quote2cash.messages import QUERY_STAGE, deal_workflow_id
from quote2cash.store import InboxStatus
from tests.api.helpers import entries, our_invoice, settled
from tests.api.support import Api, eventually, new_deal_id, won_event


def _event(deal: str, *, kind: str = "payment_intent.succeeded", **meta: str) -> dict[str, Any]:
    """One payment (pi_<deal>) as Stripe announces it: a ``charge.*`` event's object is
    the charge (ch_<deal>) naming its payment intent; a ``payment_intent.*`` event's is
    the intent itself."""
    metadata = {"q2c_deal_id": deal, "q2c_invoice_id": "inv-1", **meta}
    paid: dict[str, Any] = {
        "id": f"pi_{deal}",
        "amount": 12050,
        "currency": "gbp",
        "created": 1764201600,
        "metadata": metadata,
    }
    if kind.startswith("charge."):
        paid |= {"id": f"ch_{deal}", "payment_intent": f"pi_{deal}"}
    return {"id": f"evt_{deal}_{kind}", "type": kind, "data": {"object": paid}}


async def _send(api: Api, event: dict[str, Any], *, age: int = 0, secret: str = "") -> Any:
    body = json.dumps(event).encode()
    key = secret or api.app.state.q2c.settings.payments_webhook_secret
    header = sign_payment(key, body, int(time.time()) - age)
    return await api.http.post(
        "/webhooks/payments", content=body, headers={PAYMENT_SIGNATURE: header}
    )


def test_signature_round_trip_and_refusals() -> None:
    body = b'{"id": "evt_1"}'
    verify_payment("s3cret", body=body, header=sign_payment("s3cret", body, 1000), now=1100)
    with pytest.raises(SignatureError, match="stale"):
        verify_payment("s3cret", body=body, header=sign_payment("s3cret", body, 1000), now=2000)
    with pytest.raises(SignatureError, match="does not match"):
        verify_payment("s3cret", body=body + b" ", header=sign_payment("s3cret", body, 1), now=1)
    with pytest.raises(SignatureError, match="needs t="):
        verify_payment("s3cret", body=body, header="v1=abc", now=1)


def test_minor_units_follow_the_currency() -> None:
    yen = _event("1")
    yen["data"]["object"] |= {"currency": "jpy", "amount": 12050}
    assert payment_signal(PaymentEvent.model_validate(yen))[2].amount == Decimal(12050)
    pounds = payment_signal(PaymentEvent.model_validate(_event("1")))[2]
    assert pounds.amount == Decimal("120.50")
    assert pounds.currency == "GBP"
    assert str(pounds.received_on) == "2025-11-27"


def test_a_charge_is_the_payment_of_its_intent() -> None:
    charge = PaymentEvent.model_validate(_event("1", kind="charge.succeeded"))
    assert charge.data.object.id == "ch_1"
    assert payment_signal(charge)[2].payment_id == "pi_1"
    legacy = _event("1", kind="charge.succeeded")
    legacy["data"]["object"]["payment_intent"] = None  # a charge made without an intent
    assert payment_signal(PaymentEvent.model_validate(legacy))[2].payment_id == "ch_1"


async def test_succeeded_payment_is_stored_then_signalled_once(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal = new_deal_id()
    started = (await api.hubspot([won_event(deal)])).json()["inbox_ids"]
    our_invoice(api, deal)
    await eventually(lambda: settled(api, started[0]))
    response = await _send(api, _event(deal))
    assert response.status_code == 202
    [entry_id] = response.json()["inbox_ids"]
    assert (await eventually(lambda: settled(api, entry_id))).status == InboxStatus.RELAYED
    assert (await _send(api, _event(deal))).json()["duplicates"] == 1
    handle = temporal_dev.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
    state = await handle.query(QUERY_STAGE)
    assert [e for e in state["events"] if e.startswith("payment:")] == [
        f"payment:pi_{deal}:120.50:inv-1"
    ]


async def test_bad_signature_stale_and_unusable_events(api: Api) -> None:
    assert (await _send(api, _event("1"), secret="guess")).status_code == 401
    assert (await _send(api, _event("1"), age=3600)).status_code == 401
    assert len(entries(api, status=InboxStatus.REJECTED)) == 2
    refund = (await _send(api, _event("2", kind="charge.refunded"))).json()["inbox_ids"]
    anonymous = _event("3")
    anonymous["data"]["object"]["metadata"] = {}
    unnamed = (await _send(api, anonymous)).json()["inbox_ids"]
    assert refund == []  # stored, but nothing to relay
    ignored = [e.error for e in entries(api, status=InboxStatus.IGNORED)]
    assert any("only succeeded payments" in (e or "") for e in ignored)
    # Money naming no deal is still money: held for review, not dropped.
    [held] = [await eventually(lambda: settled(api, unnamed[0]))]
    assert held.status == InboxStatus.HELD
    assert "q2c_deal_id" in (held.error or "")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("payment_intent.succeeded", "charge.succeeded"),
        ("charge.succeeded", "payment_intent.succeeded"),
    ],
)
async def test_intent_and_charge_of_one_payment_reach_the_deal_once(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker, first: str, second: str
) -> None:
    deal = new_deal_id()
    started = (await api.hubspot([won_event(deal)])).json()["inbox_ids"]
    our_invoice(api, deal)
    await eventually(lambda: settled(api, started[0]))
    # An event of the payment that moves nothing does not stand in for the payment.
    assert (await _send(api, _event(deal, kind="payment_intent.processing"))).status_code == 202
    [entry_id] = (await _send(api, _event(deal, kind=first))).json()["inbox_ids"]
    assert (await eventually(lambda: settled(api, entry_id))).status == InboxStatus.RELAYED
    for _ in range(2):  # the second event, redelivered: still one entry, never relayed
        answer = (await _send(api, _event(deal, kind=second))).json()
        assert (answer["stored"], answer["duplicates"], answer["inbox_ids"]) == (0, 1, [])

    [duplicate] = [
        e for e in entries(api, status=InboxStatus.IGNORED) if f"evt_{deal}_{second}" in e.body_text
    ]
    assert duplicate.error == (
        f"duplicate: {second} evt_{deal}_{second} is payment pi_{deal}, already received as "
        f"{first} evt_{deal}_{first} (inbox entry {entry_id}); one payment counts once"
    )
    assert duplicate.duplicates == 1
    handle = temporal_dev.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
    state = await handle.query(QUERY_STAGE)
    assert [e for e in state["events"] if e.startswith("payment:")] == [
        f"payment:pi_{deal}:120.50:inv-1"
    ]
