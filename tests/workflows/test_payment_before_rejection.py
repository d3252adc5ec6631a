"""Payments that come while a deal waits for approval, when it is then rejected: all credit.

Nothing is invoiced, so each payment is held in its own currency and its journal posted
before the deal completes. Time-skipping server, activities of tests/workflows/fakes.py
(their quote is in GBP, 35 % off: above the approval policy's 20 %).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    ROLE_APPROVER,
    SIGNAL_PAYMENT,
    UPDATE_REJECT,
    ApprovalDecision,
    DealStart,
    Stage,
)
from tests.recording import record_history
from tests.workflows.fakes import FakeVendors
from tests.workflows.test_other_currency import _payment, _until
from workflows.deal import DealWorkflow

NO = ApprovalDecision(actor="finance-1", roles=[ROLE_APPROVER], reason="discount too deep")
HELD = (
    "payment {} came while the deal waited for approval, and the deal was rejected: "
    "held as customer credit; refund it or apply it by hand"
)


async def test_payments_before_a_rejection_are_held_as_credit(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    await _paid_then_rejected(temporal_ts, task_queue, record=False)


async def test_payment_before_rejection_on_the_dev_server(
    temporal_dev: WorkflowEnvironment, task_queue: str
) -> None:
    """The same on the dev server; its history is the recorded path."""
    await _paid_then_rejected(temporal_dev, task_queue, record=True)


async def _paid_then_rejected(env: WorkflowEnvironment, task_queue: str, *, record: bool) -> None:
    vendors = FakeVendors(discount=Decimal(35))
    async with vendors.worker(env, task_queue):
        start = DealStart(
            deal_id="11", inbox_id="in-11", closed_at=datetime(2026, 1, 1, tzinfo=UTC)
        )
        handle = await env.client.start_workflow(
            DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await _until(handle, lambda s: s.approval is not None)
        pounds = _payment("py_1", "25.94", "")  # "" is the quote's currency
        for paid in (pounds, pounds, _payment("py_2", "5.00", "USD")):  # py_1 delivered twice
            await handle.signal(SIGNAL_PAYMENT, paid)
        assert await handle.execute_update(UPDATE_REJECT, NO) == "rejected by finance-1"
        result = await handle.result()

    assert result.stage == Stage.REJECTED
    assert (vendors.invoices_created, vendors.applied) == (0, [])
    assert result.held_payments == [
        HELD.format("py_1 of 25.94 GBP"),
        HELD.format("py_2 of 5.00 USD"),
    ]
    [posting] = vendors.postings
    assert posting.deal_id == "11"
    keys = [f"{result.workflow_id}:journal:credit:{p}" for p in ("py_1", "py_2")]
    assert [e.key for e in posting.entries] == keys == result.journal_entries
    assert [(e.currency, e.total) for e in posting.entries] == [
        ("GBP", Decimal("25.94")),
        ("USD", Decimal("5.00")),
    ]
    for entry in posting.entries:
        [cash, credit] = entry.lines
        assert (cash.account, cash.debit, credit.account, credit.credit) == (
            "090",
            entry.total,
            "CUSTCREDIT",
            entry.total,
        )
        assert cash.memo == "cash received for a deal that was rejected"
        assert "came before deal 11 was rejected" in credit.memo
    if record:  # the dev server's run, not the time-skipping one
        await record_history(handle, "deal_workflow_v11_paid_then_rejected")
