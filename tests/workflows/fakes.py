"""Stand-in activities registered under the real names, for time-skipping workflow tests.

They prove orchestration only (what waits for what, what parks, what resumes); that the
real activities are exactly-once against the real emulators is proven in tests/e2e.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import (
    AllocationRequest,
    AppliedPayment,
    ApplyPaymentRequest,
    CreditNoteRef,
    CreditNoteRequest,
    CustomerRef,
    CustomerRequest,
    DealOwner,
    InvoiceRef,
    InvoiceRequest,
    InvoiceStatus,
    InvoiceStatusRequest,
    PaymentLine,
    PostingRequest,
    PostingResult,
    SnapshotRequest,
    VoidInvoiceRequest,
    WriteBackRequest,
)
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
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
    discount: Decimal = Decimal("0")
    owner: str = "owner-7"
    partly_paid: Decimal = Decimal("0")
    credited: Decimal = Decimal("0")
    credit_notes: list[CreditNoteRequest] = field(default_factory=list)
    schedule: str = ""
    invoices: dict[str, InvoiceRequest] = field(default_factory=dict)
    """Invoice id → what created it (ids ``inv-<n>`` from the business key)."""
    paid_invoices: set[str] = field(default_factory=set)
    part_payments: dict[str, Decimal] = field(default_factory=dict)
    """Invoice id → paid on that part by applied payments (a deal billed in parts)."""
    applied: list[ApplyPaymentRequest] = field(default_factory=list)
    voided: list[VoidInvoiceRequest] = field(default_factory=list)
    read_failure: str = ""
    post_failure: str = ""
    """When set, post_entries fails for good with this error type (until cleared)."""
    """When set, invoice_status fails for good with this error type (until cleared)."""
    post_gate: asyncio.Event | None = None
    """When set, every posting after the first waits for it (``post_waiting`` says when)."""
    post_waiting: asyncio.Event = field(default_factory=asyncio.Event)
    read_gate: asyncio.Event | None = None
    """When set, invoice_status waits for it (``read_waiting`` says when): an Update can
    arrive while the payment loop reads the invoice."""
    read_waiting: asyncio.Event = field(default_factory=asyncio.Event)
    write_back_gate: asyncio.Event | None = None
    """When set, write_back waits for it: a test's signal arrives mid-step."""

    def worker(self, env: WorkflowEnvironment, task_queue: str) -> Worker:
        """A worker running the real DealWorkflow against these stand-ins."""
        return Worker(
            env.client,
            task_queue=task_queue,
            workflows=[DealWorkflow],
            activities=self.activities(),
        )

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
                        discount_percent=self.discount,
                    )
                ],
                catalog_version="v1",
                billing_schedule=self.schedule,
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
            n = int(req.business_key.rsplit(":", 1)[-1])
            self.invoices_created += 1
            self.invoices[f"inv-{n}"] = req
            self.total = req.invoice.total
            self.tax = req.invoice.tax_total
            return InvoiceRef(
                invoice_id=f"inv-{n}",
                invoice_number=f"INV-{n:06d}",
                status="AUTHORISED",
                total=req.invoice.total,
                currency="GBP",
            )

        @activity.defn(name="invoice_status")
        async def invoice_status(req: InvoiceStatusRequest) -> InvoiceStatus:
            if self.read_gate is not None:
                self.read_waiting.set()
                await self.read_gate.wait()
            if self.read_failure:
                raise ApplicationError(
                    f"invoice {req.invoice_id} not found",
                    type=self.read_failure,
                    non_retryable=True,
                )
            if self.schedule:
                return self._part_status(req.invoice_id)
            paid = self.total if self.paid else self.partly_paid
            payments = [PaymentLine(payment_id="p-1", amount=paid, paid_on=date(2026, 1, 2))]
            due = self.total - paid - self.credited
            return InvoiceStatus(
                invoice_id=req.invoice_id,
                status="PAID" if self.paid or (self.credited and not due) else "AUTHORISED",
                total=self.total,
                total_tax=self.tax,
                amount_paid=paid,
                amount_due=due,
                payments=payments if paid else [],
            )

        @activity.defn(name="apply_payment")
        async def apply_payment(req: ApplyPaymentRequest) -> AppliedPayment:
            self.applied.append(req)
            if self.schedule:
                return self._apply_to_part(req)
            applied = min(req.amount, self.total - self.partly_paid)
            self.partly_paid += applied
            self.paid = self.partly_paid == self.total
            return AppliedPayment(
                applied=applied,
                excess=req.amount - applied,
                invoice=await invoice_status(InvoiceStatusRequest(invoice_id=req.invoice_id)),
            )

        @activity.defn(name="void_invoice")
        async def void_invoice(req: VoidInvoiceRequest) -> InvoiceStatus:
            self.voided.append(req)
            status = await invoice_status(InvoiceStatusRequest(invoice_id=req.invoice_id))
            return status.model_copy(update={"status": "VOIDED"})

        @activity.defn(name="create_credit_note")
        async def create_credit_note(req: CreditNoteRequest) -> CreditNoteRef:
            self.credit_notes.append(req)
            return CreditNoteRef(
                credit_note_id="cn-1", credit_note_number="CN-0001", total=req.note.total
            )

        @activity.defn(name="allocate_credit_note")
        async def allocate_credit_note(req: AllocationRequest) -> None:
            self.credited += req.amount

        @activity.defn(name="post_entries")
        async def post_entries(req: PostingRequest) -> PostingResult:
            if self.post_gate is not None and self.postings:
                self.post_waiting.set()
                await self.post_gate.wait()
            if self.post_failure:
                raise ApplicationError(
                    "entry posted before with other lines",
                    type=self.post_failure,
                    non_retryable=True,
                )
            self.postings.append(req)
            return PostingResult(posted=len(req.entries), already_posted=0)

        @activity.defn(name="deal_owner")
        async def deal_owner(req: SnapshotRequest) -> DealOwner:
            return DealOwner(deal_id=req.deal_id, owner_id=self.owner)

        @activity.defn(name="write_back")
        async def write_back(req: WriteBackRequest) -> None:
            if self.write_back_gate is not None:
                await self.write_back_gate.wait()
            self.write_backs.append(req)

        return [
            fetch_snapshot,
            ensure_customer,
            create_invoice,
            invoice_status,
            post_entries,
            write_back,
            deal_owner,
            create_credit_note,
            allocate_credit_note,
            apply_payment,
            void_invoice,
        ]

    def _part_status(self, invoice_id: str) -> InvoiceStatus:
        """One part of a deal billed in parts: paid in full once in ``paid_invoices``."""
        draft = self.invoices[invoice_id].invoice
        paid = self._paid_on_part(invoice_id)
        payment = PaymentLine(payment_id=f"p-{invoice_id}", amount=paid, paid_on=date(2026, 2, 1))
        return InvoiceStatus(
            invoice_id=invoice_id,
            status="PAID" if paid == draft.total else "AUTHORISED",
            total=draft.total,
            total_tax=draft.tax_total,
            amount_paid=paid,
            amount_due=draft.total - paid,
            payments=[payment] if paid else [],
        )

    def _paid_on_part(self, invoice_id: str) -> Decimal:
        if invoice_id in self.paid_invoices:
            return self.invoices[invoice_id].invoice.total
        return self.part_payments.get(invoice_id, Decimal(0))

    def _apply_to_part(self, req: ApplyPaymentRequest) -> AppliedPayment:
        """Record a payment on one part, up to what is due on it (as Xero does)."""
        total = self.invoices[req.invoice_id].invoice.total
        before = self._paid_on_part(req.invoice_id)
        applied = min(req.amount, total - before)
        self.part_payments[req.invoice_id] = before + applied
        if before + applied == total:
            self.paid_invoices.add(req.invoice_id)
        return AppliedPayment(
            applied=applied, excess=req.amount - applied, invoice=self._part_status(req.invoice_id)
        )
