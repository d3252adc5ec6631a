"""The billing core runs inside the Temporal workflow sandbox (time-skipping server)."""

from __future__ import annotations

import uuid

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.billing.factories import bill_to, line, snapshot
from tests.billing.sandbox_workflow import BillingSandboxProbe


async def test_billing_core_is_sandbox_safe(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    snap = snapshot(
        customer=bill_to(country="DE", vat_id="DE136695976"),
        seller_country="IE",
        lines=[line(unit_price="49.00", recurring="monthly"), line(line_id="L2")],
    )
    async with Worker(temporal_ts.client, task_queue=task_queue, workflows=[BillingSandboxProbe]):
        invoice = await temporal_ts.client.execute_workflow(
            BillingSandboxProbe.run,
            snap,
            id=f"billing-probe-{uuid.uuid4()}",
            task_queue=task_queue,
        )
    assert invoice.snapshot_hash == snap.content_hash
    assert invoice.lines[0].tax_treatment == "reverse_charge"
