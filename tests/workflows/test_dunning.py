"""Dunning on the time-skipping server: reminders at the declared days after the due
date, a partial payment shown as it comes, then payment in full completes the deal."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    SIGNAL_PROVISIONING,
    DealStart,
    ProvisioningConfirmed,
    Stage,
)
from tests.workflows.fakes import FakeVendors
from workflows.deal import DealWorkflow
from workflows.dunning import dunning_level


def test_dunning_levels_follow_the_declared_days() -> None:
    due = date(2027, 3, 1)
    days = [0, 6, 7, 13, 14, 29, 30, 90]
    assert [dunning_level(due + timedelta(days=d), due) for d in days] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        3,
    ]


async def test_overdue_invoice_is_dunned_partly_paid_then_paid(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors()
    async with vendors.worker(temporal_ts, task_queue):
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run,
            DealStart(deal_id="5", inbox_id="in-5", closed_at=datetime(2026, 1, 1, tzinfo=UTC)),
            id=f"deal:hubspot:{uuid.uuid4()}",
            task_queue=task_queue,
        )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c", confirmed_by="ops")
        )
        # Terms are 30 days: day 45 is 15 days overdue, past the 7- and 14-day reminders.
        await temporal_ts.sleep(timedelta(days=45, hours=1))
        vendors.partly_paid = Decimal("10.00")
        await temporal_ts.sleep(timedelta(days=16))
        status = await handle.query(DealWorkflow.stage)
        assert status.stage == Stage.AWAITING_PAYMENT
        assert status.dunning_level == 3
        assert Decimal(status.amount_paid) == Decimal("10.00")
        assert Decimal(status.amount_due) == vendors.total - Decimal("10.00")
        vendors.paid = True
        await temporal_ts.sleep(timedelta(days=1, hours=1))
        result = await handle.result()
    assert result.stage == Stage.COMPLETED
    reminders = [w.properties for w in vendors.write_backs if "q2c_dunning_level" in w.properties]
    assert [r["q2c_dunning_level"] for r in reminders] == ["1", "2", "3"]
    assert reminders[0]["q2c_amount_due"] == str(vendors.total)
    assert reminders[2]["q2c_amount_due"] == str(vendors.total - Decimal("10.00"))
