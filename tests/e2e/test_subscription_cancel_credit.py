"""An immediate cancellation end to end: the credit note for the unused period is
allocated in the Xero emulator to the period's unpaid invoice, the customer pays the
reduced amount, the invoice's collection completes, and ``q2c reconcile`` reports the
invoice matched with no finding: invoice, payment and credit-note journals net the
receivable to zero."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx

from quote2cash.billing.accounts import Accounts
from quote2cash.billing.snapshot import SnapshotLine
from quote2cash.commands.reconcile import reconcile_now
from quote2cash.connectors.xero_models import (
    XeroAccountRef,
    XeroContactIn,
    XeroInvoiceRef,
    XeroPaymentIn,
)
from quote2cash.devstack.scenarios import subscription_start
from quote2cash.messages import DealStatus, Stage, SubscriptionStart, SubscriptionStatus
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.ledger import LedgerRepository, PostedEntry
from tests.e2e.conftest import Spine
from tests.e2e.paid import xero_list
from tests.e2e.test_subscription_collected import _first_invoice, _xero

ONBOARDING = SnapshotLine(
    line_id="onboard",
    sku="ONBOARD",
    name="Onboarding",
    quantity=Decimal(1),
    unit_price=Decimal(200),
)


async def _subscribed(spine: Spine, http: httpx.AsyncClient, contact_id: str) -> SubscriptionStart:
    """Monthly seats plus one-time onboarding: cancelled on its first day, the credit is
    the whole period's seats and the onboarding stays due."""
    start = subscription_start(
        uuid.uuid4().hex[:12],
        contact_id=contact_id,
        customer_key="c-cancel",
        starts_on=datetime.now(UTC).date(),
    )
    start.snapshot.lines.append(ONBOARDING)
    created = await http.post(
        f"{spine.api.url}/subscriptions",
        json=start.model_dump(mode="json"),
        headers={"Authorization": f"Bearer {spine.settings.ops_token}"},
    )
    assert created.status_code == 201, created.text
    return start


def _ledger(spine: Spine, deal_id: str) -> list[PostedEntry]:
    engine = make_engine(spine.settings.db_url)
    try:
        with unit_of_work(engine) as session:
            return LedgerRepository(session).entries(deal_id)
    finally:
        engine.dispose()


async def test_cancellation_credit_reduces_what_is_collected_and_reconciles(
    spine: Spine,
) -> None:
    s = spine.settings
    today = datetime.now(UTC).date()
    auth = {"Authorization": f"Bearer {s.ops_token}"}
    async with httpx.AsyncClient(timeout=20) as http:
        xero = _xero(http, s)
        contact = await xero.create_contact(
            XeroContactIn(name="Northwind KG", contact_number="c-cancel"),
            idempotency_key="c-cancel",
        )
        start = await _subscribed(spine, http, contact.contact_id)
        sub = start.terms.subscription_id
        number = await _first_invoice(spine, http, sub)
        cancelled = await http.post(
            f"{spine.api.url}/subscriptions/{sub}/cancel",
            json={"reason": "closing down", "when": "immediately"},
            headers=auth,
        )
        assert cancelled.status_code == 200, cancelled.text
        result = await asyncio.wait_for(
            spine.client.get_workflow_handle(f"subscription:{sub}").result(), 60
        )
        status = SubscriptionStatus.model_validate(result)
        [invoice] = [
            i for i in await xero_list(spine, http, "Invoices") if i["InvoiceNumber"] == number
        ]
        [note] = [
            c for c in await xero_list(spine, http, "CreditNotes") if number in c["Reference"]
        ]
        due = Decimal(str(invoice["AmountDue"]))
        await xero.create_payment(
            XeroPaymentIn(
                invoice=XeroInvoiceRef(invoice_id=invoice["InvoiceID"]),
                account=XeroAccountRef(code="090"),
                date=date.today(),
                amount=due,
                reference=f"bank transfer for {number}",
            ),
            idempotency_key=f"pay-{number}",
        )
        key = f"subscription:{sub}:period:0:renewal"
        collection = spine.client.get_workflow_handle(key)
        done = DealStatus.model_validate(await asyncio.wait_for(collection.result(), 60))

    credit = Decimal(str(note["Total"]))
    total = Decimal(str(invoice["Total"]))
    assert status.state == "cancelled"
    assert (status.credit_allocated, status.customer_credit) == (credit, Decimal(0))
    assert Decimal(0) < credit < total
    assert due == total - credit  # the collection chased the reduced amount
    assert note["Status"] == "PAID"  # all of its credit went to the invoice
    assert done.stage == Stage.COMPLETED
    entries = _ledger(spine, start.snapshot.deal_id)
    kinds = sorted(e.entry_key.split(":journal:")[1].split(":")[0] for e in entries)
    assert kinds == ["credit_note", "invoice", "payment"]
    receivable = Accounts().receivable
    lines = [x for e in entries for x in e.lines if x.account == receivable]
    assert sum((x.debit - x.credit for x in lines), Decimal(0)) == 0

    report = await reconcile_now(s, today)
    assert report.findings == ()
    assert report.matched == 1
