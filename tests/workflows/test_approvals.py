"""Approvals on the time-skipping server: who may decide, reminders, a rejection's end."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    ROLE_APPROVER,
    SIGNAL_PROVISIONING,
    UPDATE_APPROVE,
    UPDATE_REJECT,
    ApprovalDecision,
    DealStart,
    DealStatus,
    ProvisioningConfirmed,
    Stage,
)
from tests.workflows.fakes import FakeVendors
from workflows.deal import DealWorkflow

APPROVER = ApprovalDecision(actor="finance-1", roles=[ROLE_APPROVER], reason="margin ok")


async def _stage(handle: WorkflowHandle[DealWorkflow, DealStatus]) -> DealStatus:
    return await handle.query(DealWorkflow.stage)


async def _wait_for(handle: WorkflowHandle[DealWorkflow, DealStatus], stage: Stage) -> DealStatus:
    while (status := await _stage(handle)).stage != stage:
        pass
    return status


@pytest.fixture
async def discounted(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> AsyncIterator[tuple[FakeVendors, WorkflowHandle[DealWorkflow, DealStatus]]]:
    """A deal with a 35 % discount: above the policy's 20 %, so it waits for approval."""
    vendors = FakeVendors(discount=Decimal(35), paid=True)
    async with vendors.worker(temporal_ts, task_queue):
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run,
            DealStart(deal_id="9", inbox_id="in-9", closed_at=datetime(2026, 1, 1, tzinfo=UTC)),
            id=f"deal:hubspot:{uuid.uuid4()}",
            task_queue=task_queue,
        )
        yield vendors, handle
        with contextlib.suppress(RPCError):  # already closed: nothing left to stop
            await handle.terminate("test over")


async def _refusal(
    handle: WorkflowHandle[DealWorkflow, DealStatus], name: str, d: ApprovalDecision
) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(name, d)
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "ApprovalRefused"
    return cause.message


async def test_approval_refused_for_owner_without_role_and_reject_without_reason(
    discounted: tuple[FakeVendors, WorkflowHandle[DealWorkflow, DealStatus]],
) -> None:
    _, handle = discounted
    status = await _wait_for(handle, Stage.APPROVAL)
    while status.approval is None:
        status = await _stage(handle)
    assert status.approval.required_because == ["discount 35% above 20%"]
    owner = ApprovalDecision(actor="owner-7", roles=[ROLE_APPROVER])
    assert "owns this deal" in await _refusal(handle, UPDATE_APPROVE, owner)
    no_role = ApprovalDecision(actor="sales-2", roles=["ops"])
    assert "does not hold the 'approver' role" in await _refusal(handle, UPDATE_APPROVE, no_role)
    silent = ApprovalDecision(actor="finance-1", roles=[ROLE_APPROVER])
    assert "needs a reason" in await _refusal(handle, UPDATE_REJECT, silent)

    assert await handle.execute_update(UPDATE_APPROVE, APPROVER) == "approved by finance-1"
    assert "not waiting for approval" in await _refusal(handle, UPDATE_APPROVE, APPROVER)
    await _wait_for(handle, Stage.PROVISIONING)
    await handle.signal(
        SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c", confirmed_by="ops")
    )
    result = await handle.result()
    assert result.stage == Stage.COMPLETED
    assert result.approval is not None
    assert result.approval.decided_by == "finance-1"


async def test_reminders_escalate_and_a_rejection_is_written_to_the_crm(
    temporal_ts: WorkflowEnvironment,
    discounted: tuple[FakeVendors, WorkflowHandle[DealWorkflow, DealStatus]],
) -> None:
    vendors, handle = discounted
    await _wait_for(handle, Stage.APPROVAL)
    await temporal_ts.sleep(timedelta(days=3, hours=1))
    status = await _stage(handle)
    assert status.approval is not None
    assert (status.approval.reminders, status.approval.escalated) == (3, True)
    no = ApprovalDecision(actor="finance-1", roles=[ROLE_APPROVER], reason="discount too deep")
    assert await handle.execute_update(UPDATE_REJECT, no) == "rejected by finance-1"
    result = await handle.result()
    assert result.stage == Stage.REJECTED
    assert vendors.invoices_created == 0
    assert (vendors.postings, result.held_payments) == ([], [])  # no payment: nothing held
    notes = [w.properties for w in vendors.write_backs]
    assert notes[2]["q2c_approval_status"].startswith("escalated")
    assert notes[-1] == {
        "q2c_approval_status": "rejected",
        "q2c_approval_by": "finance-1",
        "q2c_approval_reason": "discount too deep",
    }
