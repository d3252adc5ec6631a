"""Partial refunds on the time-skipping server: a credit note of the amount and the cash
paid back against it; more than what is still refundable refused; a failed cash refund
voids the credit note."""

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
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import (
    CashRefundRequest,
    CreditNoteRef,
    CreditNoteRequest,
    InvoiceStatus,
    InvoiceStatusRequest,
    PaymentLine,
    PostingRequest,
    PostingResult,
    Refunded,
    RefundedRequest,
    SnapshotRequest,
    VoidCreditNote,
)
from activities.reservations import ReservationActivities
from quote2cash.billing.snapshot import QuoteSnapshot
from quote2cash.messages import RefundStart, RefundStatus, refund_workflow_id
from tests.workflows.test_refund import INVOICE, SNAPSHOT
from workflows.refund import RefundWorkflow

D = Decimal


@dataclass
class Xero:
    """A stateful stand-in: credit notes issued and voided, cash refunds, postings."""

    fail_cash: bool = False
    paid: Decimal | None = None
    """What the customer paid; the rest was credited (e.g. written off). Default: all."""
    calls: list[str] = field(default_factory=list)
    notes: dict[str, CreditNoteRequest] = field(default_factory=dict)
    voided: set[str] = field(default_factory=set)
    cash: list[CashRefundRequest] = field(default_factory=list)
    postings: list[PostingRequest] = field(default_factory=list)

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="invoice_status")
        async def invoice_status(req: InvoiceStatusRequest) -> InvoiceStatus:
            amount = INVOICE.total if self.paid is None else self.paid
            paid = PaymentLine(payment_id="p-1", amount=amount, paid_on=date(2026, 1, 2))
            return InvoiceStatus(
                invoice_id=req.invoice_id,
                status="PAID",
                contact_id="x-1",
                total=INVOICE.total,
                total_tax=INVOICE.tax_total,
                amount_paid=amount,
                amount_due=D(0),
                payments=[paid],
            )

        @activity.defn(name="fetch_snapshot")
        async def fetch_snapshot(req: SnapshotRequest) -> QuoteSnapshot:
            return SNAPSHOT

        @activity.defn(name="refunded_so_far")
        async def refunded_so_far(req: RefundedRequest) -> Refunded:
            live = {k: n for k, n in self.notes.items() if k not in self.voided}
            return Refunded(
                amount=sum((n.note.total for n in live.values()), D(0)),
                credit_notes=list(live),
                tax=sum((n.note.tax_total for n in live.values()), D(0)),
            )

        @activity.defn(name="create_credit_note")
        async def create_credit_note(req: CreditNoteRequest) -> CreditNoteRef:
            self.calls.append("create_credit_note")
            number = f"CN-{len(self.notes) + 1:04d}"
            self.notes[number] = req
            return CreditNoteRef(
                credit_note_id=number.lower(), credit_note_number=number, total=req.note.total
            )

        @activity.defn(name="refund_cash")
        async def refund_cash(req: CashRefundRequest) -> str:
            self.calls.append("refund_cash")
            if self.fail_cash:
                raise ApplicationError(
                    "bank account closed", type="Xero.ValidationFailed", non_retryable=True
                )
            self.cash.append(req)
            return f"pay-{len(self.cash)}"

        @activity.defn(name="void_credit_note")
        async def void_credit_note(req: VoidCreditNote) -> None:
            self.calls.append("void_credit_note")
            self.voided.add(req.credit_note_id.upper())

        @activity.defn(name="post_entries")
        async def post_entries(req: PostingRequest) -> PostingResult:
            self.postings.append(req)
            return PostingResult(posted=len(req.entries), already_posted=0)

        return [
            invoice_status,
            fetch_snapshot,
            refunded_so_far,
            create_credit_note,
            refund_cash,
            void_credit_note,
            post_entries,
        ]


def _start(amount: str, refund_id: str, deal_id: str) -> RefundStart:
    return RefundStart(
        deal_id=deal_id,
        invoice_id="inv-1",
        invoice_number="INV-000001",
        snapshot_hash=SNAPSHOT.content_hash,
        reason="one seat unused",
        requested_by="finance-1",
        amount=D(amount),
        refund_id=refund_id,
    )


def held(reservations: ReservationActivities) -> list[Callable[..., Any]]:
    return [reservations.reserve_refund, reservations.release_refund]


async def _refund(
    env: WorkflowEnvironment,
    task_queue: str,
    xero: Xero,
    reservations: ReservationActivities,
    *starts: RefundStart,
) -> list[RefundStatus]:
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[RefundWorkflow],
        activities=[*xero.activities(), *held(reservations)],
    ):
        return [
            await env.client.execute_workflow(
                RefundWorkflow.run,
                start,
                id=refund_workflow_id(start.crm, start.deal_id, start.refund_id),
                task_queue=task_queue,
            )
            for start in starts
        ]


async def test_a_partial_refund_credits_the_amount_and_pays_it_back(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero, deal = Xero(), str(uuid.uuid4())
    [status] = await _refund(
        temporal_ts, task_queue, xero, reservations, _start("10.00", "R1", deal)
    )
    assert status.workflow_id == f"refund:hubspot:{deal}:R1"
    assert (status.step, status.amount, status.refundable_before) == ("refunded", "10.00", "47.88")
    assert status.done == ["amount reserved", "credit note", "cash refunded"]
    assert xero.calls == ["create_credit_note", "refund_cash"]
    note = xero.notes["CN-0001"].note
    # 7.98 tax of a 47.88 invoice: 10.00 of it carries 1.67 tax (1.6666...).
    assert (note.subtotal, note.tax_total, note.total) == (D("8.33"), D("1.67"), D("10.00"))
    [cash] = xero.cash
    assert (cash.credit_note_id, cash.amount, cash.business_key) == (
        "cn-0001",
        D("10.00"),
        f"refund:hubspot:{deal}:R1:cash",
    )
    assert status.cash_refund_payment_id == "pay-1"
    [posting] = xero.postings
    assert [e.key for e in posting.entries] == [
        f"refund:hubspot:{deal}:R1:journal:credit_note",
        f"refund:hubspot:{deal}:R1:journal:refund",
    ]
    assert [e.total for e in posting.entries] == [D("10.00"), D("10.00")]


async def test_two_partials_above_the_invoice_the_second_is_refused(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero, deal = Xero(), str(uuid.uuid4())
    with pytest.raises(WorkflowFailureError) as failed:
        await _refund(
            temporal_ts,
            task_queue,
            xero,
            reservations,
            _start("30.00", "R1", deal),
            _start("20.00", "R2", deal),
        )
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "RefundRefused"
    assert "refund of 20.00 exceeds what is still refundable on INV-000001: 17.88" in cause.message
    assert "refunded already: 30.00 on credit notes CN-0001" in cause.message
    assert "ask for at most 17.88" in cause.message
    assert list(xero.notes) == ["CN-0001"]  # the second never created one
    assert [c.amount for c in xero.cash] == [D("30.00")]
    assert len(xero.postings) == 1


async def test_the_rest_to_the_cent_is_still_refundable(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero, deal = Xero(), str(uuid.uuid4())
    statuses = await _refund(
        temporal_ts,
        task_queue,
        xero,
        reservations,
        _start("30.00", "R1", deal),
        _start("17.88", "R2", deal),
    )
    assert [s.refundable_before for s in statuses] == ["47.88", "17.88"]
    notes = [n.note for n in xero.notes.values()]
    assert sum((n.tax_total for n in notes), D(0)) == INVOICE.tax_total
    assert sum((n.subtotal for n in notes), D(0)) == INVOICE.subtotal


async def test_a_failed_cash_refund_voids_the_credit_note(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero, deal = Xero(fail_cash=True), str(uuid.uuid4())
    with pytest.raises(WorkflowFailureError) as failed:
        await _refund(temporal_ts, task_queue, xero, reservations, _start("10.00", "R1", deal))
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "RefundCompensated"
    assert cause.message == "refund failed at refund cash; undone: credit note, amount reserved"
    assert xero.calls == ["create_credit_note", "refund_cash", "void_credit_note"]
    assert xero.voided == {"CN-0001"}
    assert xero.postings == []
    # Voided, the credit note no longer counts: the whole invoice is refundable again.
    xero.fail_cash = False
    [status] = await _refund(
        temporal_ts, task_queue, xero, reservations, _start("47.88", "R2", deal)
    )
    assert status.refundable_before == "47.88"


async def test_an_amount_off_the_minor_unit_is_refused(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero = Xero()
    with pytest.raises(WorkflowFailureError) as failed:
        await _refund(
            temporal_ts, task_queue, xero, reservations, _start("1.005", "R1", str(uuid.uuid4()))
        )
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "RefundRefused"
    assert "not a whole number of GBP minor units" in cause.message
    assert xero.calls == []


async def test_the_same_refund_id_twice_joins_one_workflow(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero, start = Xero(), _start("5.00", "R1", str(uuid.uuid4()))
    workflow_id = refund_workflow_id(start.crm, start.deal_id, start.refund_id)
    async with Worker(
        temporal_ts.client,
        task_queue=task_queue,
        workflows=[RefundWorkflow],
        activities=[*xero.activities(), *held(reservations)],
    ):
        handles = [
            await temporal_ts.client.start_workflow(
                RefundWorkflow.run,
                start,
                id=workflow_id,
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
            for _ in range(2)
        ]
        assert handles[0].first_execution_run_id == handles[1].first_execution_run_id
        await handles[1].result()
    assert xero.calls == ["create_credit_note", "refund_cash"]
