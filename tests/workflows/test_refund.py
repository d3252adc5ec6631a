"""RefundWorkflow on the time-skipping server: the saga posts balanced journals, and a
failing last step undoes the earlier ones in reverse order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import (
    AllocationRequest,
    CreditNoteRef,
    CreditNoteRequest,
    InvoiceStatus,
    InvoiceStatusRequest,
    PaymentLine,
    PaymentsRequest,
    PostingRequest,
    PostingResult,
    SnapshotRequest,
    VoidCreditNote,
)
from activities.reservations import ReservationActivities
from quote2cash.billing.invoice import build_invoice
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
from quote2cash.messages import RefundStart, RefundStatus
from tests.recording import record_history
from workflows.refund import RefundWorkflow

SNAPSHOT = QuoteSnapshot(
    deal_id="77",
    currency="GBP",
    bill_to=BillTo(customer_key="c-1", name="Northwind", country="GB"),
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
INVOICE = build_invoice(SNAPSHOT, issue_date=date(2026, 1, 1))


@dataclass
class Xero:
    fail_allocation: bool = False
    calls: list[str] = field(default_factory=list)
    postings: list[PostingRequest] = field(default_factory=list)

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="invoice_status")
        async def invoice_status(req: InvoiceStatusRequest) -> InvoiceStatus:
            return InvoiceStatus(
                invoice_id=req.invoice_id,
                status="PAID",
                contact_id="x-1",
                total=INVOICE.total,
                total_tax=INVOICE.tax_total,
                amount_paid=INVOICE.total,
                amount_due=Decimal(0),
                payments=[
                    PaymentLine(payment_id="p-1", amount=INVOICE.total, paid_on=date(2026, 1, 2))
                ],
            )

        @activity.defn(name="fetch_snapshot")
        async def fetch_snapshot(req: SnapshotRequest) -> QuoteSnapshot:
            return SNAPSHOT

        @activity.defn(name="create_credit_note")
        async def create_credit_note(req: CreditNoteRequest) -> CreditNoteRef:
            self.calls.append("create_credit_note")
            return CreditNoteRef(
                credit_note_id="cn-1", credit_note_number="CN-0001", total=req.note.total
            )

        @activity.defn(name="remove_payments")
        async def remove_payments(req: PaymentsRequest) -> list[PaymentLine]:
            self.calls.append("remove_payments")
            return req.payments

        @activity.defn(name="allocate_credit_note")
        async def allocate_credit_note(req: AllocationRequest) -> None:
            self.calls.append("allocate_credit_note")
            if self.fail_allocation:
                raise ApplicationError(
                    "invoice is locked", type="Xero.ValidationFailed", non_retryable=True
                )

        @activity.defn(name="restore_payments")
        async def restore_payments(req: PaymentsRequest) -> None:
            self.calls.append("restore_payments")

        @activity.defn(name="void_credit_note")
        async def void_credit_note(req: VoidCreditNote) -> None:
            self.calls.append("void_credit_note")

        @activity.defn(name="post_entries")
        async def post_entries(req: PostingRequest) -> PostingResult:
            self.postings.append(req)
            return PostingResult(posted=len(req.entries), already_posted=0)

        return [
            invoice_status,
            fetch_snapshot,
            create_credit_note,
            remove_payments,
            allocate_credit_note,
            restore_payments,
            void_credit_note,
            post_entries,
        ]


async def _refund(
    env: WorkflowEnvironment,
    task_queue: str,
    xero: Xero,
    reservations: ReservationActivities,
    workflow_id: str = "",
) -> RefundStatus:
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[RefundWorkflow],
        activities=[*xero.activities(), reservations.reserve_refund, reservations.release_refund],
    ):
        return await env.client.execute_workflow(
            RefundWorkflow.run,
            RefundStart(
                deal_id="77",
                invoice_id="inv-1",
                invoice_number="INV-000001",
                snapshot_hash=SNAPSHOT.content_hash,
                reason="service not delivered",
                requested_by="finance-1",
            ),
            id=workflow_id or f"refund:hubspot:{uuid.uuid4()}",
            task_queue=task_queue,
        )


async def test_refund_credits_the_invoice_and_posts_balanced_journals(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero = Xero()
    status = await _refund(temporal_ts, task_queue, xero, reservations)
    assert status.step == "refunded"
    assert xero.calls == ["create_credit_note", "remove_payments", "allocate_credit_note"]
    assert status.amount == str(INVOICE.total)
    [posting] = xero.postings
    assert [e.key.rsplit(":", 1)[-1] for e in posting.entries] == ["credit_note", "refund"]


async def test_a_failing_last_step_undoes_the_others_in_reverse(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero = Xero(fail_allocation=True)
    workflow_id = f"refund:hubspot:{uuid.uuid4()}"
    with pytest.raises(WorkflowFailureError) as failed:
        await _refund(temporal_ts, task_queue, xero, reservations, workflow_id)
    compensated = temporal_ts.client.get_workflow_handle(workflow_id)
    await record_history(compensated, "refund_workflow_v6_compensated")
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "RefundCompensated"
    assert "failed at allocate credit note" in cause.message
    assert "undone: payments removed, credit note, amount reserved" in cause.message
    assert xero.calls == [
        "create_credit_note",
        "remove_payments",
        "allocate_credit_note",
        "restore_payments",
        "void_credit_note",
    ]
    assert xero.postings == []
