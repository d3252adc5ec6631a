"""Payments that come after the invoice is paid, while the deal writes back: all credit.

Time-skipping server, activities of tests/workflows/fakes.py (their invoice is in GBP).
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    SIGNAL_PAYMENT,
    SIGNAL_PROVISIONING,
    DealStart,
    ProvisioningConfirmed,
    Stage,
)
from tests.workflows.fakes import FakeVendors
from tests.workflows.test_other_currency import _payment, _until
from workflows.deal import DealWorkflow

HISTORIES = Path(__file__).parents[1] / "histories"


async def test_payments_after_the_invoice_is_paid_are_held_before_completing(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    await _paid_then_paid_again(temporal_ts, task_queue, record=False)


async def test_paid_then_paid_again_on_the_dev_server(
    temporal_dev: WorkflowEnvironment, task_queue: str
) -> None:
    """The same on the dev server; its history is the recorded after-paid path."""
    await _paid_then_paid_again(
        temporal_dev, task_queue, record=bool(os.environ.get("Q2C_RECORD_HISTORIES"))
    )


async def _paid_then_paid_again(env: WorkflowEnvironment, task_queue: str, *, record: bool) -> None:
    gate = asyncio.Event()
    vendors = FakeVendors(write_back_gate=gate)
    async with vendors.worker(env, task_queue):
        start = DealStart(deal_id="8", inbox_id="in-8", closed_at=datetime(2026, 1, 1, tzinfo=UTC))
        handle = await env.client.start_workflow(
            DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        await _until(handle, lambda s: s.stage == Stage.AWAITING_PAYMENT)
        await handle.signal(SIGNAL_PAYMENT, _payment("py_1", "47.88", "GBP"))
        await _until(handle, lambda s: s.stage == Stage.WRITE_BACK)
        # Paid in full and posted; the customer pays again, twice, once in dollars.
        for late in (_payment("py_2", "20.00", "GBP"), _payment("py_3", "5.00", "USD")):
            await handle.signal(SIGNAL_PAYMENT, late)
        gate.set()
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert result.customer_credit == "20.00"
    assert result.held_payments == [
        "payment py_2 of 20.00 GBP came after the invoice was paid: held as customer credit; "
        "refund it or apply it by hand",
        "payment py_3 of 5.00 USD held as customer credit: the invoice is in GBP; "
        "refund it or apply it by hand",
    ]
    assert [a.amount for a in vendors.applied] == [Decimal("47.88")]
    deal_posting, late_posting = vendors.postings
    assert not [e for e in deal_posting.entries if ":journal:credit:" in e.key]
    assert [(e.key.rsplit(":", 1)[-1], e.currency, e.total) for e in late_posting.entries] == [
        ("py_2", "GBP", Decimal("20.00")),
        ("py_3", "USD", Decimal("5.00")),
    ]
    assert result.journal_entries[-2:] == [e.key for e in late_posting.entries]
    for entry in late_posting.entries:
        assert [line.account for line in entry.lines] == ["090", "CUSTCREDIT"]
    assert [e.lines[0].memo for e in late_posting.entries] == [
        "cash received after the invoice was paid",
        "cash received in another currency than the invoice's",
    ]
    if record:
        text = json.dumps(json.loads((await handle.fetch_history()).to_json()))
        path = HISTORIES / "deal_workflow_v10_paid_then_paid_again.json"
        await asyncio.to_thread(path.write_text, text)
