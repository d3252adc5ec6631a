"""A payment in another currency than the invoice's: held as credit, never applied.

Time-skipping server, activities of tests/workflows/fakes.py (their invoice is in GBP).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
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

HELD = (
    "payment py_eur of 50.00 EUR held as customer credit: the invoice is in GBP; "
    "refund it or apply it by hand"
)


async def test_payment_in_another_currency_is_held_and_the_invoice_stays_due(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    await _deal_paid_in_two_currencies(temporal_ts, task_queue, record=False)


async def test_other_currency_on_the_dev_server(
    temporal_dev: WorkflowEnvironment, task_queue: str
) -> None:
    """The same on the dev server; its history is the recorded other-currency path."""
    await _deal_paid_in_two_currencies(temporal_dev, task_queue, record=True)


async def _deal_paid_in_two_currencies(
    env: WorkflowEnvironment, task_queue: str, *, record: bool
) -> None:
    vendors = FakeVendors()
    async with vendors.worker(env, task_queue):
        start = DealStart(deal_id="7", inbox_id="in-7", closed_at=datetime(2026, 1, 1, tzinfo=UTC))
        handle = await env.client.start_workflow(
            DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        await _until(handle, lambda s: s.stage == Stage.AWAITING_PAYMENT)
        euros = _payment("py_eur", "50.00", "EUR")
        for _ in range(2):  # delivered twice: held once
            await handle.signal(SIGNAL_PAYMENT, euros)
        held = await _until(handle, lambda s: bool(s.held_payments))
        assert held.stage == Stage.AWAITING_PAYMENT
        assert held.held_payments == [HELD]
        assert vendors.applied == []  # nothing reached the invoice
        # "" is the invoice's currency: it pays the 47.88 due.
        await handle.signal(SIGNAL_PAYMENT, _payment("py_gbp", "47.88", ""))
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert result.held_payments == [HELD]
    assert result.customer_credit == ""
    assert [(a.business_key.rsplit(":", 1)[-1], a.amount) for a in vendors.applied] == [
        ("py_gbp", Decimal("47.88"))
    ]
    [posting] = vendors.postings
    [credit] = [e for e in posting.entries if ":journal:credit:" in e.key]
    assert credit.key == f"{result.workflow_id}:journal:credit:py_eur"
    assert credit.currency == "EUR"
    assert [(line.account, line.debit, line.credit) for line in credit.lines] == [
        ("090", Decimal("50.00"), Decimal(0)),
        ("CUSTCREDIT", Decimal(0), Decimal("50.00")),
    ]
    assert "not in the invoice's currency (GBP)" in credit.lines[1].memo
    assert credit.lines[0].memo == "cash received in another currency than the invoice's"
    assert {e.currency for e in posting.entries if e is not credit} == {"GBP"}
    if record:  # the dev server's run, not the time-skipping one
        await record_history(handle, "deal_workflow_v9_other_currency")


def _payment(payment_id: str, amount: str, currency: str) -> PaymentReceived:
    return PaymentReceived(
        payment_id=payment_id,
        invoice_id="inv-1",
        amount=Decimal(amount),
        received_on=date(2026, 2, 1),
        currency=currency,
    )


async def _until(
    handle: WorkflowHandle[Any, Any], holds: Callable[[DealStatus], bool]
) -> DealStatus:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status: DealStatus = await handle.query(QUERY_STAGE, result_type=DealStatus)
        if holds(status):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"the deal never reached the expected state: {status}")
