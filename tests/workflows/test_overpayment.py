"""Over-payment on the time-skipping server: the excess becomes the customer's credit.

Activities are the stand-ins of tests/workflows/fakes.py.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    QUERY_STAGE,
    SIGNAL_PAYMENT,
    SIGNAL_PROVISIONING,
    DealStart,
    DealStatus,
    PaymentReceived,
    ProvisioningConfirmed,
    Stage,
)
from tests.recording import record_history
from tests.workflows.fakes import FakeVendors
from workflows.deal import DealWorkflow


async def test_payment_above_the_amount_due_is_applied_and_the_excess_held_as_credit(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    await _overpaid_deal(temporal_ts, task_queue, record=False)


async def test_overpaid_deal_on_the_dev_server(
    temporal_dev: WorkflowEnvironment, task_queue: str
) -> None:
    """The same on the dev server; its history is the recorded over-payment path."""
    await _overpaid_deal(temporal_dev, task_queue, record=True)


async def _overpaid_deal(env: WorkflowEnvironment, task_queue: str, *, record: bool) -> None:
    vendors = FakeVendors()
    async with vendors.worker(env, task_queue):
        start = DealStart(deal_id="5", inbox_id="in-5", closed_at=datetime(2026, 1, 1, tzinfo=UTC))
        handle = await env.client.start_workflow(
            DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        await _until_awaiting_payment(handle)
        # 47.88 due; the customer wires 57.88, and the provider tells us twice.
        paid = PaymentReceived(
            payment_id="pay-1",
            invoice_id="inv-1",
            amount=Decimal("57.88"),
            received_on=date(2026, 2, 1),
        )
        for _ in range(2):
            await handle.signal(SIGNAL_PAYMENT, paid)
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert result.customer_credit == "10.00"
    assert [a.amount for a in vendors.applied] == [Decimal("57.88")]
    [posting] = vendors.postings
    [credit] = [e for e in posting.entries if ":journal:credit:" in e.key]
    assert [(line.account, line.debit, line.credit) for line in credit.lines] == [
        ("090", Decimal("10.00"), Decimal(0)),
        ("CUSTCREDIT", Decimal(0), Decimal("10.00")),
    ]
    assert "exceeded the amount due by 10.00" in credit.lines[1].memo
    assert credit.lines[0].memo == "cash received above the amount due"
    if record:  # the dev server's run, not the time-skipping one
        await record_history(handle, "deal_workflow_v6_overpaid")


async def _until_awaiting_payment(handle: WorkflowHandle[Any, Any]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = await handle.query(QUERY_STAGE, result_type=DealStatus)
        if status.stage == Stage.AWAITING_PAYMENT:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the deal never waited for payment")
