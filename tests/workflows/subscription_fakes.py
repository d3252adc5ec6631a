"""Stand-in accounting, ledger and CRM for subscription and collection workflow tests
(collections are started by the real activity).

Invoices get ids ``inv-<n>`` in the order created; each is unpaid until a test pays it
(``pay``) or a received payment is applied, unless ``pay_all`` says every invoice reads
as paid in full (tests about renewals, not about collecting).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus

from activities.collections import CollectionActivities
from activities.models import (
    AllocationRequest,
    AppliedPayment,
    ApplyPaymentRequest,
    CreditNoteRef,
    CreditNoteRequest,
    DealOwner,
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

PAID_ON = date(2026, 2, 1)


@dataclass
class Accounting:
    pay_all: bool = True
    invoices: dict[str, InvoiceRequest] = field(default_factory=dict)
    """Business key → what created it."""
    credits: list[CreditNoteRequest] = field(default_factory=list)
    payments: dict[str, list[PaymentLine]] = field(default_factory=dict)
    """Invoice id → payments recorded on it."""
    applied: list[ApplyPaymentRequest] = field(default_factory=list)
    postings: list[PostingRequest] = field(default_factory=list)
    write_backs: list[WriteBackRequest] = field(default_factory=list)
    allocations: dict[str, AllocationRequest] = field(default_factory=dict)
    """Business key → allocation of a credit note to an invoice (once per key, as Xero)."""
    reads: int = 0

    def draft_of(self, invoice_id: str) -> InvoiceRequest:
        return list(self.invoices.values())[int(invoice_id.removeprefix("inv-")) - 1]

    def pay(self, invoice_id: str, payment_id: str = "p-1") -> None:
        """The customer pays what the invoice has due, in Xero."""
        due = self.draft_of(invoice_id).invoice.total - self.credited(invoice_id)
        self.payments.setdefault(invoice_id, []).append(
            PaymentLine(payment_id=payment_id, amount=due, paid_on=PAID_ON)
        )

    def credited(self, invoice_id: str) -> Decimal:
        allocated = (a.amount for a in self.allocations.values() if a.invoice_id == invoice_id)
        return sum(allocated, Decimal(0))

    async def stop_collections(self, client: Client) -> int:
        """Terminate the collections still running (none may outlive the test's worker:
        their timers would fire on a task queue nobody polls); how many completed."""
        completed = 0
        for key in self.invoices:
            handle = client.get_workflow_handle(key)
            if (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED:
                completed += 1
            else:
                await handle.terminate("test over")
        return completed

    def posted_keys(self) -> list[str]:
        return [e.key for p in self.postings for e in p.entries]

    def status(self, invoice_id: str) -> InvoiceStatus:
        draft = self.draft_of(invoice_id).invoice
        if self.pay_all and invoice_id not in self.payments:
            self.pay(invoice_id)
        payments = self.payments.get(invoice_id, [])
        paid = sum((p.amount for p in payments), Decimal(0))
        due = draft.total - paid - self.credited(invoice_id)
        return InvoiceStatus(
            invoice_id=invoice_id,
            status="PAID" if due == 0 else "AUTHORISED",
            contact_id="x-9",
            total=draft.total,
            total_tax=draft.tax_total,
            amount_paid=paid,
            amount_due=due,
            payments=payments,
        )

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="create_invoice")
        async def create_invoice(req: InvoiceRequest) -> InvoiceRef:
            self.invoices.setdefault(req.business_key, req)
            number = list(self.invoices).index(req.business_key) + 1
            return InvoiceRef(
                invoice_id=f"inv-{number}",
                invoice_number=f"INV-{number:06d}",
                status="AUTHORISED",
                total=req.invoice.total,
                currency=req.invoice.currency,
            )

        @activity.defn(name="create_credit_note")
        async def create_credit_note(req: CreditNoteRequest) -> CreditNoteRef:
            self.credits.append(req)
            return CreditNoteRef(
                credit_note_id="cn-1", credit_note_number="CN-0001", total=req.note.total
            )

        @activity.defn(name="allocate_credit_note")
        async def allocate_credit_note(req: AllocationRequest) -> None:
            if req.business_key not in self.allocations:
                if req.amount > self.status(req.invoice_id).amount_due:
                    raise ValueError(f"allocating {req.amount}: more than the amount due")
                self.allocations[req.business_key] = req

        @activity.defn(name="invoice_status")
        async def invoice_status(req: InvoiceStatusRequest) -> InvoiceStatus:
            self.reads += 1
            return self.status(req.invoice_id)

        @activity.defn(name="apply_payment")
        async def apply_payment(req: ApplyPaymentRequest) -> AppliedPayment:
            self.applied.append(req)
            due = self.status(req.invoice_id).amount_due
            applied = min(req.amount, due)
            payment_id = req.business_key.rsplit(":", 1)[-1]
            self.payments.setdefault(req.invoice_id, []).append(
                PaymentLine(payment_id=payment_id, amount=applied, paid_on=req.received_on)
            )
            return AppliedPayment(
                applied=applied, excess=req.amount - applied, invoice=self.status(req.invoice_id)
            )

        @activity.defn(name="post_entries")
        async def post_entries(req: PostingRequest) -> PostingResult:
            # Once per key, as the real ledger: a retried local activity posts again.
            new = [e for e in req.entries if e.key not in self.posted_keys()]
            if new:
                self.postings.append(req.model_copy(update={"entries": new}))
            return PostingResult(posted=len(new), already_posted=len(req.entries) - len(new))

        @activity.defn(name="write_back")
        async def write_back(req: WriteBackRequest) -> None:
            self.write_backs.append(req)

        @activity.defn(name="deal_owner")
        async def deal_owner(req: SnapshotRequest) -> DealOwner:
            return DealOwner(deal_id=req.deal_id, owner_id="owner-7")

        return [
            create_invoice,
            create_credit_note,
            allocate_credit_note,
            invoice_status,
            apply_payment,
            post_entries,
            write_back,
            deal_owner,
            CollectionActivities().start_collection,
        ]
