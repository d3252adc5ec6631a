"""An immediate cancellation's credit note on the time-skipping server: allocated to the
period's unpaid invoice, whose collection then completes on the reduced payment; on a
paid invoice nothing is allocated and the credit stays the customer's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from quote2cash.billing.accounts import Accounts
from quote2cash.messages import UPDATE_CANCEL, CancelRequest, SubscriptionStatus
from tests.conftest import time_skipping_server
from tests.recording import record_history
from tests.workflows.subscription_fakes import Accounting
from tests.workflows.test_subscription import Handle, _start
from workflows.collection import CollectionWorkflow
from workflows.subscription import SubscriptionWorkflow

NOW = CancelRequest(requested_by="cs-1", reason="closing down", when="immediately")


@pytest.fixture(scope="module")
async def temporal_ts() -> AsyncIterator[WorkflowEnvironment]:
    """Its own time-skipping server, as test_subscription.py says why."""
    async with time_skipping_server() as env:
        yield env


async def _cancel_now(env: WorkflowEnvironment, handle: Handle) -> SubscriptionStatus:
    await env.sleep(timedelta(days=10))
    answer = await handle.execute_update(UPDATE_CANCEL, NOW)
    assert "credit for the unused period" in answer
    return await handle.result()


def _receivable(accounting: Accounting, prefix: str) -> Decimal:
    lines = [
        line
        for p in accounting.postings
        for e in p.entries
        if e.key.startswith(prefix)
        for line in e.lines
        if line.account == Accounts().receivable
    ]
    return sum((line.debit - line.credit for line in lines), Decimal(0))


async def test_credit_is_allocated_to_the_unpaid_invoice_and_the_reduced_payment_settles_it(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    accounting = Accounting(pay_all=False)
    async with Worker(
        temporal_ts.client,
        task_queue=task_queue,
        workflows=[SubscriptionWorkflow, CollectionWorkflow],
        activities=accounting.activities(),
    ):
        handle = await _start(temporal_ts, task_queue)
        result = await _cancel_now(temporal_ts, handle)
        [credit] = accounting.credits
        [allocation] = accounting.allocations.values()
        renewal_key = next(iter(accounting.invoices))
        collection = temporal_ts.client.get_workflow_handle(renewal_key)
        assert accounting.status("inv-1").amount_due == (
            accounting.draft_of("inv-1").invoice.total - credit.note.total
        )
        accounting.pay("inv-1")  # the customer pays what is left
        await temporal_ts.sleep(timedelta(days=2))
        collected = await collection.describe()
        await accounting.stop_collections(temporal_ts.client)
        await record_history(handle, "subscription_workflow_v4_credit_allocated")

    total = accounting.draft_of("inv-1").invoice.total
    assert (allocation.invoice_id, allocation.amount) == ("inv-1", credit.note.total)
    assert allocation.credit_note_id == "cn-1"
    assert Decimal(0) < credit.note.total < total
    assert (result.credit_allocated, result.customer_credit) == (credit.note.total, Decimal(0))
    [payment] = accounting.payments["inv-1"]
    assert payment.amount == total - credit.note.total
    assert collected.status == WorkflowExecutionStatus.COMPLETED
    # Invoice, reduced payment and credit note together leave nothing receivable.
    keys = [k for k in accounting.posted_keys() if k.startswith(renewal_key)]
    assert f"{renewal_key}:journal:credit_note" in keys
    assert f"{renewal_key}:journal:invoice:1" in keys
    assert _receivable(accounting, f"{renewal_key}:") == 0


async def test_credit_on_a_paid_invoice_stays_the_customers(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    accounting = Accounting(pay_all=True)
    async with Worker(
        temporal_ts.client,
        task_queue=task_queue,
        workflows=[SubscriptionWorkflow, CollectionWorkflow],
        activities=accounting.activities(),
    ):
        handle = await _start(temporal_ts, task_queue)
        result = await _cancel_now(temporal_ts, handle)
        await accounting.stop_collections(temporal_ts.client)
    [credit] = accounting.credits
    assert accounting.allocations == {}
    assert result.credit_notes == ["CN-0001"]
    assert (result.credit_allocated, result.customer_credit) == (Decimal(0), credit.note.total)
    renewal_key = next(iter(accounting.invoices))
    # Paid in full and credited: the receivable is the customer's credit balance.
    assert _receivable(accounting, f"{renewal_key}:") == -credit.note.total
