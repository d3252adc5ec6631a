"""DealWorkflow on the time-skipping test server: the story, parking, retry, waiting.

Activities here are stand-ins registered under the real names: these tests prove the
orchestration (what waits for what, what parks, what resumes). That the real activities
are exactly-once against the real emulators is proven end to end in tests/e2e.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import (
    CustomerRef,
    CustomerRequest,
    InvoiceRef,
    InvoiceRequest,
    InvoiceStatus,
    InvoiceStatusRequest,
    PaymentLine,
    PostingRequest,
    PostingResult,
    SnapshotRequest,
    WriteBackRequest,
)
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
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
from workflows.deal import DealWorkflow


@dataclass
class FakeVendors:
    """What the stand-in activities saw and will answer."""

    country: str = "GB"
    paid: bool = False
    invoices_created: int = 0
    postings: list[PostingRequest] = field(default_factory=list)
    write_backs: list[WriteBackRequest] = field(default_factory=list)
    total: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="fetch_snapshot")
        async def fetch_snapshot(req: SnapshotRequest) -> QuoteSnapshot:
            return QuoteSnapshot(
                deal_id=req.deal_id,
                currency="GBP",
                bill_to=BillTo(customer_key="c-1", name="Northwind", country=self.country),
                lines=[
                    SnapshotLine(
                        line_id="1",
                        sku="ONBOARD",
                        name="Onboarding",
                        quantity=Decimal(2),
                        unit_price=Decimal("19.95"),
                    )
                ],
                catalog_version="v1",
            )

        @activity.defn(name="ensure_customer")
        async def ensure_customer(req: CustomerRequest) -> CustomerRef:
            if req.bill_to.country == "XX":
                raise ApplicationError(
                    "country XX unknown", type="InvalidMasterData", non_retryable=True
                )
            return CustomerRef(customer_key="c-1", accounting_contact_id="x-1", created=True)

        @activity.defn(name="create_invoice")
        async def create_invoice(req: InvoiceRequest) -> InvoiceRef:
            self.invoices_created += 1
            self.total = req.invoice.total
            self.tax = req.invoice.tax_total
            return InvoiceRef(
                invoice_id="inv-1",
                invoice_number="INV-000001",
                status="AUTHORISED",
                total=req.invoice.total,
                currency="GBP",
            )

        @activity.defn(name="invoice_status")
        async def invoice_status(req: InvoiceStatusRequest) -> InvoiceStatus:
            paid = self.total if self.paid else Decimal(0)
            return InvoiceStatus(
                invoice_id=req.invoice_id,
                status="PAID" if self.paid else "AUTHORISED",
                total=self.total,
                total_tax=self.tax,
                amount_paid=paid,
                amount_due=self.total - paid,
                payments=[PaymentLine(payment_id="p-1", amount=paid, paid_on=date(2026, 1, 2))]
                if self.paid
                else [],
            )

        @activity.defn(name="post_entries")
        async def post_entries(req: PostingRequest) -> PostingResult:
            self.postings.append(req)
            return PostingResult(posted=len(req.entries), already_posted=0)

        @activity.defn(name="write_back")
        async def write_back(req: WriteBackRequest) -> None:
            self.write_backs.append(req)

        return [
            fetch_snapshot,
            ensure_customer,
            create_invoice,
            invoice_status,
            post_entries,
            write_back,
        ]


def _start(deal_id: str) -> DealStart:
    return DealStart(deal_id=deal_id, inbox_id="in-1", closed_at=datetime(2026, 1, 1, tzinfo=UTC))


async def _stage(handle: object) -> DealStatus:
    return await handle.query(QUERY_STAGE, result_type=DealStatus)  # type: ignore[attr-defined, no-any-return]


async def test_deal_reaches_completed_with_one_invoice_and_balanced_postings(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors()
    async with Worker(
        temporal_ts.client,
        task_queue=task_queue,
        workflows=[DealWorkflow],
        activities=vendors.activities(),
    ):
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
    for entry in entries:
        assert sum(line.debit for line in entry.lines) == sum(line.credit for line in entry.lines)
    assert vendors.write_backs[0].properties["q2c_invoice_number"] == "INV-000001"


async def test_bad_master_data_parks_and_retry_resumes(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(country="XX")
    async with Worker(
        temporal_ts.client,
        task_queue=task_queue,
        workflows=[DealWorkflow],
        activities=vendors.activities(),
    ):
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run, _start("2"), id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        status = await _stage(handle)
        while status.stage != Stage.NEEDS_ATTENTION:
            status = await _stage(handle)
        assert status.attention is not None
        assert status.attention.reason == "InvalidMasterData"
        assert status.attention.runbook == "runbooks/InvalidMasterData.md"
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("retry", RetryRequest(requested_by=" "))
        vendors.country = "GB"
        answer = await handle.execute_update("retry", RetryRequest(requested_by="ops"))
        assert answer == "retrying step master_data"
        status = await _stage(handle)
        while (await _stage(handle)).stage != Stage.PROVISIONING:
            pass
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("retry", RetryRequest(requested_by="ops"))


async def test_payment_poll_reads_the_invoice_without_a_webhook(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors()
    async with Worker(
        temporal_ts.client,
        task_queue=task_queue,
        workflows=[DealWorkflow],
        activities=vendors.activities(),
    ):
        handle = await temporal_ts.client.start_workflow(
            DealWorkflow.run, _start("3"), id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        while (await _stage(handle)).stage != Stage.AWAITING_PAYMENT:
            pass
        vendors.paid = True
        await temporal_ts.sleep(timedelta(days=1, hours=1))
        result = await handle.result()
    assert result.stage == Stage.COMPLETED
