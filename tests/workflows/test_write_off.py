"""Write-off on the time-skipping server: proposed 90 days past due, refused for the
owner, a caller without the approver role and a missing reason, then approved: a credit
note for what is still due settles the invoice and the write-off journal is posted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    ROLE_APPROVER,
    SIGNAL_PROVISIONING,
    UPDATE_WRITE_OFF,
    ApprovalDecision,
    DealStart,
    ProvisioningConfirmed,
    Stage,
)
from tests.recording import record_history
from tests.workflows.fakes import FakeVendors
from workflows.deal import DealWorkflow


async def test_long_overdue_invoice_is_written_off_only_with_approval(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(partly_paid=Decimal("10.00"))
    async with vendors.worker(temporal_ts, task_queue):
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run,
            DealStart(deal_id="6", inbox_id="in-6", closed_at=datetime(2026, 1, 1, tzinfo=UTC)),
            id=f"deal:hubspot:{uuid.uuid4()}",
            task_queue=task_queue,
        )
        with pytest.raises(WorkflowUpdateFailedError):  # nothing proposed yet
            await handle.execute_update(
                UPDATE_WRITE_OFF, ApprovalDecision(actor="f", roles=[ROLE_APPROVER], reason="x")
            )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c", confirmed_by="ops")
        )
        await temporal_ts.sleep(timedelta(days=30 + 90 + 2))  # terms 30, then 90 days
        status = await handle.query(DealWorkflow.stage)
        assert status.stage == Stage.AWAITING_PAYMENT
        assert status.write_off is not None
        assert status.write_off.amount_due == vendors.total - Decimal("10.00")
        attributes = {
            p.key.name: p.value for p in (await handle.describe()).typed_search_attributes
        }
        assert attributes["Q2cAttention"] == "WriteOffProposed"
        for refused in (
            ApprovalDecision(actor="owner-7", roles=[ROLE_APPROVER], reason="gone"),
            ApprovalDecision(actor="sales-2", roles=["ops"], reason="gone"),
            ApprovalDecision(actor="finance-1", roles=[ROLE_APPROVER]),
        ):
            with pytest.raises(WorkflowUpdateFailedError):
                await handle.execute_update(UPDATE_WRITE_OFF, refused)
        answer = await handle.execute_update(
            UPDATE_WRITE_OFF,
            ApprovalDecision(actor="finance-1", roles=[ROLE_APPROVER], reason="insolvent"),
        )
        assert "approved by finance-1" in answer
        result = await handle.result()
        await record_history(handle, "deal_workflow_v15_written_off")
    assert result.stage == Stage.COMPLETED
    [note] = vendors.credit_notes
    assert note.note.total == vendors.total - Decimal("10.00")
    entries = vendors.postings[0].entries
    assert [e.key.rsplit(":", 1)[-1] for e in entries][-1] == "write_off"
    assert vendors.write_backs[-1].properties["q2c_written_off"] == str(note.note.total)
