"""Subscription invoices collected on the time-skipping server: each invoice's
CollectionWorkflow (started by the subscription) posts its journals once Xero's webhook
says it is paid; an invoice paid late is dunned on the subscription's deal first; a
received payment is recorded in Xero, its excess held as credit."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import InvoiceRequest
from quote2cash.billing.invoice import build_invoice
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
from quote2cash.messages import (
    SIGNAL_INVOICE_CHANGED,
    SIGNAL_PAYMENT,
    UPDATE_CANCEL,
    CancelRequest,
    CollectionStart,
    DealStatus,
    InvoiceChanged,
    PaymentReceived,
    Stage,
    SubscriptionStart,
    SubscriptionTerms,
)
from tests.conftest import time_skipping_server
from tests.recording import record_history
from tests.workflows.subscription_fakes import Accounting
from workflows.collection import CollectionWorkflow
from workflows.subscription import SubscriptionWorkflow


@pytest.fixture(scope="module")
async def temporal_ts() -> AsyncIterator[WorkflowEnvironment]:
    """This module's own time-skipping server: its subscriptions skip months and years
    and start a workflow per invoice; on the shared server's clock the timers of other
    modules' workflows would fire among them."""
    async with time_skipping_server() as env:
        yield env


def _snapshot() -> QuoteSnapshot:
    return QuoteSnapshot(
        deal_id="d-1",
        currency="EUR",
        bill_to=BillTo(customer_key="c-9", name="Contoso GmbH", country="DE"),
        lines=[
            SnapshotLine(
                line_id="seats",
                sku="SEAT-M",
                name="Seats",
                quantity=Decimal(10),
                unit_price=Decimal("15.95"),
                recurring="monthly",
            )
        ],
        catalog_version="v1",
    )


def _worker(env: WorkflowEnvironment, task_queue: str, accounting: Accounting) -> Worker:
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[SubscriptionWorkflow, CollectionWorkflow],
        activities=accounting.activities(),
    )


async def _started(env: WorkflowEnvironment, workflow_id: str) -> WorkflowHandle[Any, Any]:
    """The handle of a workflow another one starts, once it exists."""
    handle = env.client.get_workflow_handle(workflow_id)
    for _ in range(100):
        try:
            await handle.describe()
            return handle
        except RPCError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"{workflow_id} was never started")


async def test_subscription_invoice_paid_in_xero_is_posted_on_its_webhook(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    accounting = Accounting(pay_all=False)
    sub = str(uuid.uuid4())
    today = (await temporal_ts.get_current_time()).date()
    terms = SubscriptionTerms(subscription_id=sub, contact_id="x-9", starts_on=today)
    async with _worker(temporal_ts, task_queue, accounting):
        subscription = await temporal_ts.client.start_workflow(
            SubscriptionWorkflow.run,
            SubscriptionStart(terms=terms, snapshot=_snapshot()),
            id=f"subscription:{sub}",
            task_queue=task_queue,
        )
        key = f"subscription:{sub}:period:0:renewal"
        collection = await _started(temporal_ts, key)
        await record_history(subscription, "subscription_workflow_v2_collects")
        # The collection outlives its subscription, cancelled at once (credit note).
        cancel = CancelRequest(requested_by="cs-1", reason="closing", when="immediately")
        await subscription.execute_update(UPDATE_CANCEL, cancel)
        await subscription.result()
        accounting.pay("inv-1")
        webhook = InvoiceChanged(event_id="inbox-1", invoice_id="inv-1")
        await collection.signal(SIGNAL_INVOICE_CHANGED, webhook)
        result = DealStatus.model_validate(await collection.result())
    assert result.stage == Stage.COMPLETED
    assert (result.deal_id, result.invoice_number) == ("d-1", "INV-000001")
    # The subscription posted the credit note under the invoice's key, the collection
    # the invoice and its payment: the keys the reconciliation looks for.
    assert accounting.posted_keys() == [
        f"{key}:journal:credit_note",
        f"{key}:journal:invoice:1",
        f"{key}:journal:payment:p-1",
    ]
    entries = [e for p in accounting.postings for e in p.entries]
    assert entries[1].total == accounting.draft_of("inv-1").invoice.total


def _direct(accounting: Accounting, today: date) -> tuple[str, CollectionStart]:
    """A collection started on its own, for an invoice the fake already holds."""
    key = f"subscription:{uuid.uuid4()}:period:3:renewal"
    draft = build_invoice(_snapshot(), issue_date=today)
    accounting.invoices[key] = InvoiceRequest(
        workflow_id=key, business_key=key, contact_id="x-9", invoice=draft
    )
    start = CollectionStart(
        workflow_id=key,
        subscription_id="s-1",
        deal_id="d-1",
        customer_key="c-9",
        invoice_id="inv-1",
        invoice_number="INV-000001",
        invoice=draft,
    )
    return key, start


async def test_invoice_paid_late_is_dunned_on_the_deal_then_posted(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    accounting = Accounting(pay_all=False)
    key, start = _direct(accounting, (await temporal_ts.get_current_time()).date())
    async with _worker(temporal_ts, task_queue, accounting):
        handle = await temporal_ts.client.start_workflow(
            CollectionWorkflow.run, start, id=key, task_queue=task_queue
        )
        # Terms are 30 days: day 38 is 8 days overdue, past the 7-day reminder.
        await temporal_ts.sleep(timedelta(days=38, hours=1))
        waiting = await handle.query(CollectionWorkflow.stage)
        assert (waiting.stage, waiting.dunning_level) == (Stage.AWAITING_PAYMENT, 1)
        accounting.pay("inv-1", "p-late")
        await temporal_ts.sleep(timedelta(days=1, hours=1))
        result = await handle.result()
        await record_history(handle, "collection_workflow_v1")
    [reminder] = accounting.write_backs
    assert reminder.deal_id == "d-1"
    assert reminder.properties == {
        "q2c_dunning_level": "1",
        "q2c_amount_due": str(start.invoice.total),
        "q2c_invoice_number": "INV-000001",
    }
    assert result.stage == Stage.COMPLETED
    assert accounting.posted_keys() == [
        f"{key}:journal:invoice:1",
        f"{key}:journal:payment:p-late",
    ]


async def test_received_payment_is_applied_in_xero_and_its_excess_held(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    accounting = Accounting(pay_all=False)
    today = (await temporal_ts.get_current_time()).date()
    key, start = _direct(accounting, today)
    total = start.invoice.total
    async with _worker(temporal_ts, task_queue, accounting):
        handle = await temporal_ts.client.start_workflow(
            CollectionWorkflow.run, start, id=key, task_queue=task_queue
        )
        payment = PaymentReceived(
            payment_id="pay-1", invoice_id="inv-1", amount=total + 5, received_on=today
        )
        await handle.signal(SIGNAL_PAYMENT, payment)
        result = await handle.result()
        await record_history(handle, "collection_workflow_v2_payment")
    [applied] = accounting.applied
    assert (applied.business_key, applied.amount) == (f"{key}:payment:pay-1", total + 5)
    assert result.stage == Stage.COMPLETED
    assert Decimal(result.customer_credit) == Decimal(5)
    assert accounting.posted_keys() == [
        f"{key}:journal:invoice:1",
        f"{key}:journal:payment:pay-1",
        f"{key}:journal:credit:pay-1",
    ]
    net: dict[str, Decimal] = defaultdict(Decimal)
    for entry in (e for p in accounting.postings for e in p.entries):
        for line in entry.lines:
            net[line.account] += line.debit - line.credit
    # Invoiced `total` to the receivable (610), paid `total + 5` into the bank (090): the
    # receivable is cleared and the 5 above it is the customer's credit (CUSTCREDIT).
    assert (net["610"], net["090"], net["CUSTCREDIT"]) == (Decimal(0), total + 5, Decimal(-5))
