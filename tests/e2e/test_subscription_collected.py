"""A subscription's invoice collected end to end: started through the API, its renewal
invoice paid in the Xero emulator, whose webhook (sent twice, out of order) reaches the
invoice's CollectionWorkflow through the relay; the invoice and payment journals land in
our ledger, and ``q2c reconcile`` reports the invoice matched, not in flight."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from quote2cash.chart.presets import PRESETS
from quote2cash.commands.reconcile import reconcile_now
from quote2cash.connectors.signatures import PAYMENT_SIGNATURE, sign_payment
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import (
    XeroAccountRef,
    XeroContactIn,
    XeroInvoiceRef,
    XeroPaymentIn,
)
from quote2cash.devstack.scenarios import subscription_start
from quote2cash.messages import DealStatus, Stage, SubscriptionStart, SubscriptionStatus
from quote2cash.sandbox.xero.reference_data import Region
from quote2cash.settings import Settings
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.ledger import LedgerRepository
from tests.e2e.charted import assert_lines_charted
from tests.e2e.conftest import XERO_TEST_TOKEN, Spine
from tests.e2e.paid import xero_list


async def _first_invoice(spine: Spine, http: httpx.AsyncClient, sub: str) -> str:
    auth = {"Authorization": f"Bearer {spine.settings.ops_token}"}
    for _ in range(300):
        response = await http.get(f"{spine.api.url}/subscriptions/{sub}", headers=auth)
        if response.status_code == 200:
            status = SubscriptionStatus.model_validate(response.json())
            if status.invoices:
                return status.invoices[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"subscription {sub} never invoiced")


async def _subscribed(spine: Spine, http: httpx.AsyncClient, xero: XeroClient) -> SubscriptionStart:
    """A monthly subscription started today through the API."""
    contact = await xero.create_contact(
        XeroContactIn(name="Fabrikam AG", contact_number="c-col"), idempotency_key="c-col"
    )
    start = subscription_start(
        uuid.uuid4().hex[:12],
        contact_id=contact.contact_id,
        customer_key="c-col",
        starts_on=datetime.now(UTC).date(),
    )
    created = await http.post(
        f"{spine.api.url}/subscriptions",
        json=start.model_dump(mode="json"),
        headers={"Authorization": f"Bearer {spine.settings.ops_token}"},
    )
    assert created.status_code == 201, created.text
    return start


def _xero(http: httpx.AsyncClient, s: Settings) -> XeroClient:
    return XeroClient(
        http, base_url=s.xero_base_url, tenant_id=s.xero_tenant_id, token=XERO_TEST_TOKEN
    )


# In a US organisation every code differs from the UK's: the reconciliation matching
# proves our ledger and the check read the organisation's receivable and bank.
@pytest.mark.parametrize("organisation", ["uk", "au", "us"])
async def test_renewal_invoice_paid_in_xero_is_posted_and_reconciles(
    spine: Spine, organisation: Region
) -> None:
    s = spine.settings
    mapping = PRESETS[organisation]
    today = datetime.now(UTC).date()
    async with httpx.AsyncClient(timeout=20) as http:
        xero = _xero(http, s)
        start = await _subscribed(spine, http, xero)
        sub = start.terms.subscription_id
        number = await _first_invoice(spine, http, sub)
        [invoice] = [
            i for i in await xero_list(spine, http, "Invoices") if i["InvoiceNumber"] == number
        ]
        await xero.create_payment(
            XeroPaymentIn(
                invoice=XeroInvoiceRef(invoice_id=invoice["InvoiceID"]),
                account=XeroAccountRef(code=mapping.accounts.cash),
                date=date.today(),
                amount=Decimal(str(invoice["Total"])),
                reference=f"bank transfer for {number}",
            ),
            idempotency_key=f"pay-{number}",
        )
        key = f"subscription:{sub}:period:0:renewal"
        collection = spine.client.get_workflow_handle(key)
        done = DealStatus.model_validate(await asyncio.wait_for(collection.result(), 60))
    await spine.client.get_workflow_handle(f"subscription:{sub}").terminate("test over")

    assert done.stage == Stage.COMPLETED
    assert_lines_charted(mapping, [invoice])
    engine = make_engine(s.db_url)
    try:
        with unit_of_work(engine) as session:
            posted = [
                e.entry_key for e in LedgerRepository(session).entries(start.snapshot.deal_id)
            ]
    finally:
        engine.dispose()
    assert posted == done.journal_entries
    assert posted[0] == f"{key}:journal:invoice:1"
    assert [k.split(":journal:")[1].split(":")[0] for k in posted] == ["invoice", "payment"]

    report = await reconcile_now(s, today)
    assert report.findings == ()
    in_flight = [f for f in report.pending if f.keys.get("invoice_id") == invoice["InvoiceID"]]
    assert in_flight == []
    assert report.matched == 1


async def test_card_payment_of_a_subscription_invoice_reaches_its_collection(
    spine: Spine,
) -> None:
    """A payment provider's event naming the invoice goes to the invoice's collection,
    which records it in Xero; paid in full, the invoice's journals are posted."""
    s = spine.settings
    async with httpx.AsyncClient(timeout=20) as http:
        start = await _subscribed(spine, http, _xero(http, s))
        sub = start.terms.subscription_id
        number = await _first_invoice(spine, http, sub)
        [invoice] = [
            i for i in await xero_list(spine, http, "Invoices") if i["InvoiceNumber"] == number
        ]
        cents = int(Decimal(str(invoice["Total"])) * 100)
        paid = {
            "id": f"pi_{sub}",
            "amount": cents,
            "currency": "eur",
            "created": int(time.time()),
            "metadata": {
                "q2c_deal_id": start.snapshot.deal_id,
                "q2c_invoice_id": invoice["InvoiceID"],
            },
        }
        event = {"id": f"evt_{sub}", "type": "payment_intent.succeeded", "data": {"object": paid}}
        body = json.dumps(event).encode()
        sent = await http.post(
            f"{spine.api.url}/webhooks/payments",
            content=body,
            headers={
                PAYMENT_SIGNATURE: sign_payment(s.payments_webhook_secret, body, int(time.time()))
            },
        )
        assert sent.status_code == 202, sent.text
        key = f"subscription:{sub}:period:0:renewal"
        collection = spine.client.get_workflow_handle(key)
        done = DealStatus.model_validate(await asyncio.wait_for(collection.result(), 60))
        [after] = [
            i for i in await xero_list(spine, http, "Invoices") if i["InvoiceNumber"] == number
        ]
    await spine.client.get_workflow_handle(f"subscription:{sub}").terminate("test over")
    assert after["Status"] == "PAID"
    assert done.stage == Stage.COMPLETED
    assert done.journal_entries[0] == f"{key}:journal:invoice:1"
    assert [k.split(":journal:")[1].split(":")[0] for k in done.journal_entries] == [
        "invoice",
        "payment",
    ]
