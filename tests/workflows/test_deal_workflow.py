"""DealWorkflow on the time-skipping test server: the story, parking, retry, waiting.

Activities are the stand-ins of tests/workflows/fakes.py.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    QUERY_STAGE,
    SIGNAL_INVOICE_CHANGED,
    SIGNAL_PROVISIONING,
    DealStart,
    DealStatus,
    InvoiceChanged,
    ProvisioningConfirmed,
    RetryRequest,
    Stage,
)
from tests.recording import record_history
from tests.workflows.fakes import FakeVendors
from workflows.deal import DealWorkflow


def _start(deal_id: str) -> DealStart:
    return DealStart(deal_id=deal_id, inbox_id="in-1", closed_at=datetime(2026, 1, 1, tzinfo=UTC))


async def _stage(handle: object) -> DealStatus:
    return await handle.query(QUERY_STAGE, result_type=DealStatus)  # type: ignore[attr-defined, no-any-return]


async def _until(handle: object, stage: Stage, within: float = 60) -> DealStatus:
    """The deal's state once it reaches ``stage``; a failure, not a hang, if it never does."""
    deadline = time.monotonic() + within
    while (status := await _stage(handle)).stage != stage:
        assert time.monotonic() < deadline, f"never reached {stage.value}: at {status.stage.value}"
        await asyncio.sleep(0.05)
    return status


async def test_deal_reaches_completed_with_one_invoice_and_balanced_postings(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors()
    async with vendors.worker(temporal_ts, task_queue):
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run, _start("1"), id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        vendors.paid = True
        for _ in range(2):  # the same webhook twice is one event
            await handle.signal(
                SIGNAL_INVOICE_CHANGED, InvoiceChanged(event_id="e1", invoice_id="inv-1")
            )
        result = await handle.result()
    assert result.stage == Stage.COMPLETED
    assert vendors.invoices_created == 1
    entries = vendors.postings[0].entries
    assert [e.key.rsplit(":", 2)[-2] for e in entries] == ["invoice", "payment"]
    net: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        for line in entry.lines:
            net[line.account] += line.debit - line.credit
    # 2 x 19.95 = 39.90 revenue (200) + 20% VAT 7.98 (820) = 47.88 invoiced to the
    # receivable (610), then paid in full into the bank (090): the receivable is cleared.
    assert dict(net) == {
        "610": Decimal("0.00"),
        "200": Decimal("-39.90"),
        "820": Decimal("-7.98"),
        "090": Decimal("47.88"),
    }
    assert vendors.write_backs[0].properties["q2c_invoice_number"] == "INV-000001"


async def test_bad_master_data_parks_and_retry_resumes(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(country="XX")
    async with vendors.worker(temporal_ts, task_queue):
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run, _start("2"), id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        status = await _until(handle, Stage.NEEDS_ATTENTION)
        assert status.attention is not None
        assert status.attention.reason == "InvalidMasterData"
        assert status.attention.runbook == "runbooks/InvalidMasterData.md"
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("retry", RetryRequest(requested_by=" "))
        vendors.country = "GB"
        answer = await handle.execute_update("retry", RetryRequest(requested_by="ops"))
        assert answer == "retrying step master_data"
        await _until(handle, Stage.PROVISIONING)
        with pytest.raises(WorkflowUpdateFailedError) as not_parked:
            await handle.execute_update("retry", RetryRequest(requested_by="ops"))
        # The runbook's name (runbooks/NotRetryable.md): nothing failed to run again.
        assert isinstance(not_parked.value.cause, ApplicationError)
        assert not_parked.value.cause.type == "NotRetryable"
        # Left running, its timers would fire with no worker and stall later time skips.
        await handle.terminate("test over")


async def test_payment_poll_reads_the_invoice_without_a_webhook(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors()
    async with vendors.worker(temporal_ts, task_queue):
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run, _start("3"), id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        await _until(handle, Stage.AWAITING_PAYMENT)
        vendors.paid = True
        await temporal_ts.sleep(timedelta(days=1, hours=1))
        result = await handle.result()
    assert result.stage == Stage.COMPLETED


async def test_overdue_provisioning_parks_visibly_until_the_confirmation_arrives(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(paid=True)
    async with vendors.worker(temporal_ts, task_queue):
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run, _start("4"), id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await temporal_ts.sleep(timedelta(days=7, hours=1))
        status = await _stage(handle)
        assert status.stage == Stage.NEEDS_ATTENTION
        assert status.attention is not None
        assert status.attention.reason == "ProvisioningOverdue"
        assert status.attention.runbook == "runbooks/ProvisioningOverdue.md"
        description = await handle.describe()
        attributes = {p.key.name: p.value for p in description.typed_search_attributes}
        assert attributes["Q2cAttention"] == "ProvisioningOverdue"
        with pytest.raises(WorkflowUpdateFailedError):  # a retry cannot provision a tenant
            await handle.execute_update("retry", RetryRequest(requested_by="ops"))
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c", confirmed_by="ops")
        )
        result = await handle.result()
        await record_history(handle, "deal_workflow_v3_provisioning_overdue")
    assert result.stage == Stage.COMPLETED
    assert result.attention is None


async def _parked_after_payment_news(
    env: WorkflowEnvironment, task_queue: str, deal_id: str
) -> tuple[WorkflowHandle[Any, Any], DealStatus]:
    """Start a deal, confirm provisioning, send payment news; wait until it parks."""
    handle = await env.client.start_workflow(
        DealWorkflow.run, _start(deal_id), id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
    )
    await handle.signal(
        SIGNAL_PROVISIONING,
        ProvisioningConfirmed(confirmation_id=f"c{deal_id}", confirmed_by="ops"),
    )
    await handle.signal(
        SIGNAL_INVOICE_CHANGED, InvoiceChanged(event_id=f"e{deal_id}", invoice_id="inv-1")
    )
    for _ in range(100):
        status = await _stage(handle)
        if status.stage == Stage.NEEDS_ATTENTION:
            break
        await asyncio.sleep(0.05)
    return handle, status


async def test_a_failed_invoice_read_parks_and_retry_reads_again(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    """The invoice read is a local activity (one marker event a read): its permanent
    failure still parks the deal with the vendor's reason, and ``retry`` reads again."""
    vendors = FakeVendors(read_failure="Xero.NotFound")
    async with vendors.worker(temporal_ts, task_queue):
        handle, status = await _parked_after_payment_news(temporal_ts, task_queue, "9")
        assert status.attention is not None
        assert (status.attention.step, status.attention.reason) == (
            Stage.AWAITING_PAYMENT,
            "Xero.NotFound",
        )
        vendors.read_failure, vendors.paid = "", True
        await handle.execute_update(DealWorkflow.retry, RetryRequest(requested_by="ops-1"))
        result = await handle.result()
        events = [e async for e in handle.fetch_history_events()]
    assert result.stage == Stage.COMPLETED
    assert any(e.HasField("marker_recorded_event_attributes") for e in events)
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert "invoice_status" not in scheduled  # read locally, not through the task queue


async def test_a_failed_posting_parks_instead_of_failing_the_deal(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    """The ledger posting is a local activity too: a conflict parks the deal at posting."""
    vendors = FakeVendors(post_failure="LedgerConflict", paid=True)
    async with vendors.worker(temporal_ts, task_queue):
        handle, status = await _parked_after_payment_news(temporal_ts, task_queue, "10")
        assert status.attention is not None
        assert (status.attention.step, status.attention.reason) == (Stage.POSTING, "LedgerConflict")
        vendors.post_failure = ""
        await handle.execute_update(DealWorkflow.retry, RetryRequest(requested_by="ops-1"))
        result = await handle.result()
    assert result.stage == Stage.COMPLETED
    assert len(vendors.postings) == 1
