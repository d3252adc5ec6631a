"""What workflows call: each activity's name and types, without its implementation.

Workflows import these references, never the activity classes: the implementations
import the vendor clients and the store, which must stay out of workflow code (the
sandbox passes through only pure modules; see workers/sandbox.py). Each reference has
the name, argument and result types of the activity the worker registers under that
name (tests/workers/test_sandbox.py checks they never drift apart), so a workflow
schedules exactly what it scheduled when it called the class's method.
"""

from __future__ import annotations

from typing import NoReturn

from temporalio import activity

from activities.models import (
    AllocationRequest,
    AppliedPayment,
    ApplyPaymentRequest,
    CashRefundRequest,
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
    PaymentsRequest,
    PostingRequest,
    PostingResult,
    ReconcileRequest,
    Refunded,
    RefundedRequest,
    RefundHeld,
    ReleaseRefund,
    ReserveRefund,
    SnapshotRequest,
    VoidCreditNote,
    VoidInvoiceRequest,
    WriteBackRequest,
)
from quote2cash.billing.reconcile_model import Summary
from quote2cash.billing.snapshot import QuoteSnapshot
from quote2cash.messages import CollectionStart
from quote2cash.sweep_model import SWEEP_ACTIVITY, SweepRequest, SweepResult


def _worker_only(name: str) -> NoReturn:
    raise NotImplementedError(f"{name} runs on a worker: workflows only schedule it")


class CrmActivities:
    @staticmethod
    @activity.defn(name="fetch_snapshot")
    async def fetch_snapshot(request: SnapshotRequest) -> QuoteSnapshot:
        _worker_only("fetch_snapshot")

    @staticmethod
    @activity.defn(name="deal_owner")
    async def deal_owner(request: SnapshotRequest) -> DealOwner:
        _worker_only("deal_owner")

    @staticmethod
    @activity.defn(name="write_back")
    async def write_back(request: WriteBackRequest) -> None:
        _worker_only("write_back")


class AccountingActivities:
    @staticmethod
    @activity.defn(name="ensure_customer")
    async def ensure_customer(request: CustomerRequest) -> CustomerRef:
        _worker_only("ensure_customer")

    @staticmethod
    @activity.defn(name="create_invoice")
    async def create_invoice(request: InvoiceRequest) -> InvoiceRef:
        _worker_only("create_invoice")

    @staticmethod
    @activity.defn(name="invoice_status")
    async def invoice_status(request: InvoiceStatusRequest) -> InvoiceStatus:
        _worker_only("invoice_status")

    @staticmethod
    @activity.defn(name="apply_payment")
    async def apply_payment(request: ApplyPaymentRequest) -> AppliedPayment:
        _worker_only("apply_payment")

    @staticmethod
    @activity.defn(name="void_invoice")
    async def void_invoice(request: VoidInvoiceRequest) -> InvoiceStatus:
        _worker_only("void_invoice")


class LedgerActivities:
    @staticmethod
    @activity.defn(name="post_entries")
    async def post_entries(request: PostingRequest) -> PostingResult:
        _worker_only("post_entries")


class RefundActivities:
    @staticmethod
    @activity.defn(name="create_credit_note")
    async def create_credit_note(request: CreditNoteRequest) -> CreditNoteRef:
        _worker_only("create_credit_note")

    @staticmethod
    @activity.defn(name="void_credit_note")
    async def void_credit_note(request: VoidCreditNote) -> None:
        _worker_only("void_credit_note")

    @staticmethod
    @activity.defn(name="remove_payments")
    async def remove_payments(request: PaymentsRequest) -> list[PaymentLine]:
        _worker_only("remove_payments")

    @staticmethod
    @activity.defn(name="restore_payments")
    async def restore_payments(request: PaymentsRequest) -> None:
        _worker_only("restore_payments")

    @staticmethod
    @activity.defn(name="allocate_credit_note")
    async def allocate_credit_note(request: AllocationRequest) -> None:
        _worker_only("allocate_credit_note")

    @staticmethod
    @activity.defn(name="refunded_so_far")
    async def refunded_so_far(request: RefundedRequest) -> Refunded:
        _worker_only("refunded_so_far")

    @staticmethod
    @activity.defn(name="refund_cash")
    async def refund_cash(request: CashRefundRequest) -> str:
        _worker_only("refund_cash")


class CollectionActivities:
    @staticmethod
    @activity.defn(name="start_collection")
    async def start_collection(start: CollectionStart) -> str:
        _worker_only("start_collection")


class ReservationActivities:
    @staticmethod
    @activity.defn(name="reserve_refund")
    async def reserve_refund(request: ReserveRefund) -> RefundHeld:
        _worker_only("reserve_refund")

    @staticmethod
    @activity.defn(name="release_refund")
    async def release_refund(request: ReleaseRefund) -> bool:
        _worker_only("release_refund")


class ReconciliationActivities:
    @staticmethod
    @activity.defn(name="reconcile_books")
    async def reconcile_books(request: ReconcileRequest) -> Summary:
        _worker_only("reconcile_books")


class SweepActivities:
    @staticmethod
    @activity.defn(name=SWEEP_ACTIVITY)
    async def sweep_won_deals(request: SweepRequest) -> SweepResult:
        _worker_only(SWEEP_ACTIVITY)


REFERENCES: tuple[type, ...] = (
    CrmActivities,
    AccountingActivities,
    LedgerActivities,
    RefundActivities,
    CollectionActivities,
    ReservationActivities,
    ReconciliationActivities,
    SweepActivities,
)
