"""Void and reissue through the ``correct`` Update, on the time-skipping server.

Activities are the stand-ins of tests/workflows/fakes.py.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    QUERY_STAGE,
    SIGNAL_INVOICE_CHANGED,
    SIGNAL_PROVISIONING,
    UPDATE_CORRECT,
    ApprovalDecision,
    DealStart,
    DealStatus,
    InvoiceChanged,
    ProvisioningConfirmed,
    Stage,
)
from tests.recording import record_history
from tests.workflows.fakes import FakeVendors
from workflows.deal import DealWorkflow

FINANCE = ApprovalDecision(actor="finance-1", roles=["approver"], reason="wrong PO reference")


async def test_unpaid_invoice_is_voided_and_reissued_under_the_next_number(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    await _corrected_deal(temporal_ts, task_queue, record=False)


async def test_void_and_reissue_on_the_dev_server(
    temporal_dev: WorkflowEnvironment, task_queue: str
) -> None:
    """The same on the dev server; its history is the recorded void-and-reissue path."""
    await _corrected_deal(temporal_dev, task_queue, record=True)


async def test_no_void_once_something_is_paid(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    """A part-paid invoice is corrected with a credit note, never voided."""
    vendors = FakeVendors(partly_paid=Decimal(10))
    async with vendors.worker(temporal_ts, task_queue):
        handle = await _awaiting_payment(temporal_ts, task_queue)
        await handle.signal(
            SIGNAL_INVOICE_CHANGED, InvoiceChanged(event_id="e1", invoice_id="inv-1")
        )
        await _until(handle, lambda s: s.invoices and s.invoices[-1].amount_paid == "10")
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(UPDATE_CORRECT, FINANCE, result_type=str)
        vendors.paid = True
        await handle.signal(
            SIGNAL_INVOICE_CHANGED, InvoiceChanged(event_id="e2", invoice_id="inv-1")
        )
        result = await handle.result()
    assert result.stage == Stage.COMPLETED
    assert vendors.voided == []
    assert [i.number for i in result.invoices] == ["INV-000001"]


async def test_a_correction_accepted_during_the_last_steps_gets_its_answer(
    temporal_dev: WorkflowEnvironment, task_queue: str
) -> None:
    """Accepted while the payment loop reads an invoice that turns out paid: the loop never
    carries the correction out, and the run answers it before it ends instead of leaving
    the caller with an unfinished Update. The dev server, because the read is a local
    activity and the Update arrives with the workflow task's heartbeat."""
    vendors = FakeVendors()
    async with vendors.worker(temporal_dev, task_queue):
        handle = await _awaiting_payment(temporal_dev, task_queue)
        vendors.read_gate, vendors.paid = asyncio.Event(), True
        await handle.signal(
            SIGNAL_INVOICE_CHANGED, InvoiceChanged(event_id="e1", invoice_id="inv-1")
        )
        await asyncio.wait_for(vendors.read_waiting.wait(), timeout=60)
        update = await asyncio.wait_for(
            handle.start_update(
                UPDATE_CORRECT,
                FINANCE,
                result_type=str,
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            ),
            timeout=60,
        )
        vendors.read_gate.set()
        answer = await asyncio.wait_for(update.result(), timeout=60)
        result = await asyncio.wait_for(handle.result(), timeout=60)
    assert answer.startswith("not corrected: the deal moved on to ")
    assert result.stage == Stage.COMPLETED
    assert vendors.voided == []
    assert [c.refused for c in result.corrections] == [answer.removeprefix("not corrected: ")]


async def _awaiting_payment(env: WorkflowEnvironment, task_queue: str) -> WorkflowHandle[Any, Any]:
    start = DealStart(deal_id="4", inbox_id="in-4", closed_at=datetime(2026, 1, 1, tzinfo=UTC))
    handle = await env.client.start_workflow(
        DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
    )
    await handle.signal(
        SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
    )
    await _until(handle, lambda s: s.stage == Stage.AWAITING_PAYMENT)
    return handle


async def _corrected_deal(env: WorkflowEnvironment, task_queue: str, *, record: bool) -> None:
    vendors = FakeVendors()
    async with vendors.worker(env, task_queue):
        start = DealStart(deal_id="4", inbox_id="in-4", closed_at=datetime(2026, 1, 1, tzinfo=UTC))
        handle = await env.client.start_workflow(
            DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        with pytest.raises(WorkflowUpdateFailedError):  # not yet invoiced
            await handle.execute_update(UPDATE_CORRECT, FINANCE, result_type=str)
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        await _until(handle, lambda s: s.stage == Stage.AWAITING_PAYMENT)
        for refused in (
            FINANCE.model_copy(update={"roles": ["ops"]}),
            FINANCE.model_copy(update={"reason": " "}),
        ):
            with pytest.raises(WorkflowUpdateFailedError):
                await handle.execute_update(UPDATE_CORRECT, refused, result_type=str)

        vendors.discount = Decimal(5)  # the CRM deal changed since it was invoiced
        answer = await handle.execute_update(UPDATE_CORRECT, FINANCE, result_type=str)
        assert answer.startswith("not corrected: deal 4 changed in the CRM")
        vendors.discount = Decimal(0)
        answer = await handle.execute_update(UPDATE_CORRECT, FINANCE, result_type=str)
        assert answer == "INV-000001 voided, reissued as INV-000002"
        status = await _until(handle, lambda s: s.invoice_number == "INV-000002")
        assert [(i.number, i.status) for i in status.invoices] == [
            ("INV-000001", "VOIDED"),
            ("INV-000002", "AUTHORISED"),
        ]
        vendors.paid = True
        await handle.signal(
            SIGNAL_INVOICE_CHANGED, InvoiceChanged(event_id="e", invoice_id="inv-2")
        )
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert [v.invoice_id for v in vendors.voided] == ["inv-1"]
    assert vendors.invoices["inv-2"].invoice.snapshot_hash == result.snapshot_hash
    void, final = vendors.postings
    assert [_kind(e.key) for e in void.entries] == ["invoice:1", "void:1"]
    assert [_kind(e.key) for e in final.entries][:1] == ["invoice:2"]
    net: dict[str, Decimal] = defaultdict(Decimal)
    for entry in void.entries:  # the void reverses the voided invoice exactly
        for line in entry.lines:
            net[line.account] += line.debit - line.credit
    assert set(net.values()) == {Decimal(0)}
    assert result.journal_entries[:3] == [e.key for e in void.entries] + [final.entries[0].key]
    assert vendors.write_backs[-1].properties["q2c_invoice_number"] == "INV-000002"
    if record:  # the dev server's run, not the time-skipping one
        await record_history(handle, "deal_workflow_v7_void_reissue")


def _kind(key: str) -> str:
    return ":".join(key.rsplit(":", 2)[-2:])


async def _until(handle: WorkflowHandle[Any, Any], check: Any) -> DealStatus:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status: DealStatus = await handle.query(QUERY_STAGE, result_type=DealStatus)
        if check(status):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached: {status}")
