"""A deal billed in parts on the time-skipping server: 50% on signature, 50% on delivery.

Activities are the stand-ins of tests/workflows/fakes.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    QUERY_STAGE,
    SIGNAL_INVOICE_CHANGED,
    SIGNAL_PROVISIONING,
    SIGNAL_SHIPMENT,
    DealStart,
    DealStatus,
    InvoiceChanged,
    ProvisioningConfirmed,
    ShipmentConfirmed,
    Stage,
)
from tests.workflows.fakes import FakeVendors
from workflows.deal import DealWorkflow


async def _until(handle: object, check: object) -> DealStatus:
    for _ in range(200):
        status: DealStatus = await handle.query(QUERY_STAGE, result_type=DealStatus)  # type: ignore[attr-defined]
        if check(status):  # type: ignore[operator]
            return status
    raise AssertionError(f"never reached: {status}")


async def test_fifty_fifty_deal_invoices_twice_and_completes_when_both_are_paid(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(schedule="50/50")
    async with vendors.worker(temporal_ts, task_queue):
        start = DealStart(deal_id="9", inbox_id="in-9", closed_at=datetime(2026, 1, 1, tzinfo=UTC))
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        signed = await _until(handle, lambda s: s.stage == Stage.PROVISIONING)
        assert [i.number for i in signed.invoices] == ["INV-000001"]
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        await _until(handle, lambda s: len(s.invoices) == 2)
        vendors.paid_invoices.add("inv-1")
        await handle.signal(
            SIGNAL_INVOICE_CHANGED, InvoiceChanged(event_id="e1", invoice_id="inv-1")
        )
        half = await _until(handle, lambda s: s.invoices[0].status == "PAID")
        assert half.stage == Stage.AWAITING_PAYMENT
        assert half.invoices[1].status == "AUTHORISED"
        vendors.paid_invoices.add("inv-2")
        await handle.signal(
            SIGNAL_INVOICE_CHANGED, InvoiceChanged(event_id="e2", invoice_id="inv-2")
        )
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert [(i.number, i.status) for i in result.invoices] == [
        ("INV-000001", "PAID"),
        ("INV-000002", "PAID"),
    ]
    first, second = (vendors.invoices[f"inv-{n}"] for n in (1, 2))
    assert [r.business_key.rsplit(":", 2)[-2:] for r in (first, second)] == [
        ["invoice", "1"],
        ["invoice", "2"],
    ]
    assert first.invoice.snapshot_hash == second.invoice.snapshot_hash == result.snapshot_hash
    # 2 x 19.95 = 39.90 + 20% VAT = 47.88: the parts sum exactly to the whole.
    assert first.invoice.total + second.invoice.total == Decimal(result.amount) == Decimal("47.88")
    assert result.amount_paid == "47.88"
    [posting] = vendors.postings
    kinds = [e.key.rsplit(":", 2)[-2] for e in posting.entries]
    assert kinds == ["invoice", "payment", "invoice", "payment"]
    assert vendors.write_backs[-1].properties["q2c_invoice_number"] == "INV-000001, INV-000002"


async def test_per_shipment_deal_invoices_each_shipment_and_refuses_an_overshipment(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(schedule="per_shipment")
    async with vendors.worker(temporal_ts, task_queue):
        start = DealStart(deal_id="8", inbox_id="in-8", closed_at=datetime(2026, 1, 1, tzinfo=UTC))
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await _until(handle, lambda s: s.stage == Stage.PROVISIONING)
        first = ShipmentConfirmed(shipment_id="s1", lines={"1": Decimal(1)})
        for shipment in (first, first):  # the same confirmation twice is one shipment
            await handle.signal(SIGNAL_SHIPMENT, shipment)
        await _until(handle, lambda s: len(s.invoices) == 1)
        too_many = ShipmentConfirmed(shipment_id="s2", lines={"1": Decimal(2)})
        await handle.signal(SIGNAL_SHIPMENT, too_many)
        refused = await _until(handle, lambda s: bool(s.shipment_problems))
        assert refused.shipment_problems == [
            "shipment s2 not billed: line 1: 2 shipped, only 1 left to ship"
        ]
        await handle.signal(
            SIGNAL_SHIPMENT, ShipmentConfirmed(shipment_id="s3", lines={"1": Decimal(1)})
        )
        await _until(handle, lambda s: s.stage == Stage.AWAITING_PAYMENT)
        vendors.paid_invoices.update({"inv-1", "inv-2"})
        await handle.signal(
            SIGNAL_INVOICE_CHANGED, InvoiceChanged(event_id="e", invoice_id="inv-2")
        )
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert [i.number for i in result.invoices] == ["INV-000001", "INV-000002"]
    totals = [vendors.invoices[f"inv-{n}"].invoice.total for n in (1, 2)]
    assert totals == [Decimal("23.94"), Decimal("23.94")]
    assert sum(totals) == Decimal(result.amount) == Decimal("47.88")
    [posting] = vendors.postings
    assert len(posting.entries) == 4
