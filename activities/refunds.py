"""Refund activities (Xero): credit note, payment removal and restore, allocation, and
for a partial refund what was refunded so far and the cash paid out on the credit note.

A refund's credit note carries the reference ``refund of <invoice number>: <reason>``;
that is how the refunds of an invoice are found again. Each is one step of the refund
saga (workflows/refund.py) or its compensation, keyed by the refund's business key so a
retried call does not act twice within Xero's idempotency window.
"""

from __future__ import annotations

from decimal import Decimal

from temporalio import activity

from activities.deps import Deps
from activities.errors import vendor_errors
from activities.models import (
    AllocationRequest,
    CashRefundRequest,
    CreditNoteRef,
    CreditNoteRequest,
    PaymentLine,
    PaymentsRequest,
    Refunded,
    RefundedRequest,
    VoidCreditNote,
)
from activities.xero_mapping import credit_note_in
from quote2cash.connectors.xero import where_starts_with
from quote2cash.connectors.xero_models import (
    XeroAccountRef,
    XeroAllocationIn,
    XeroCreditNoteRef,
    XeroInvoiceRef,
    XeroPaymentIn,
)

CANCELLED = {"VOIDED", "DELETED"}


def refund_reference(invoice_number: str, reason: str = "") -> str:
    """The credit note's reference; without a reason, the prefix all refunds share."""
    return f"refund of {invoice_number}: {reason}" if reason else f"refund of {invoice_number}:"


class RefundActivities:
    def __init__(self, deps: Deps) -> None:
        self._xero = deps.xero
        self._bank = deps.mapping.accounts.cash
        self._mapping = deps.mapping

    @activity.defn
    async def create_credit_note(self, request: CreditNoteRequest) -> CreditNoteRef:
        note = request.note
        with vendor_errors():
            created = await self._xero.create_credit_note(
                credit_note_in(
                    note,
                    self._mapping,
                    contact_id=request.contact_id,
                    reference=refund_reference(request.invoice_number, note.reason),
                ),
                idempotency_key=request.business_key,
            )
        return CreditNoteRef(
            credit_note_id=created.credit_note_id,
            credit_note_number=created.credit_note_number or "",
            total=created.total,
        )

    @activity.defn
    async def void_credit_note(self, request: VoidCreditNote) -> None:
        # XeroClient has no credit-note status method yet: the documented update
        # (POST /CreditNotes/{id} with Status VOIDED) through its one request path.
        with vendor_errors():
            await self._xero._call(
                "POST",
                f"/CreditNotes/{request.credit_note_id}",
                body={
                    "CreditNotes": [{"CreditNoteID": request.credit_note_id, "Status": "VOIDED"}]
                },
                idempotency_key=request.business_key,
            )

    @activity.defn
    async def remove_payments(self, request: PaymentsRequest) -> list[PaymentLine]:
        """Take the customer's payments off the invoice: the money goes back to them."""
        with vendor_errors():
            for p in request.payments:
                await self._xero.delete_payment(
                    p.payment_id, idempotency_key=f"{request.business_key}:{p.payment_id}"
                )
        return request.payments

    @activity.defn
    async def restore_payments(self, request: PaymentsRequest) -> None:
        """Compensation: record the removed payments again, as they were."""
        with vendor_errors():
            for p in request.payments:
                await self._xero.create_payment(
                    XeroPaymentIn(
                        invoice=XeroInvoiceRef(invoice_id=request.invoice_id),
                        account=XeroAccountRef(code=self._bank),
                        date=p.paid_on,
                        amount=p.amount,
                        reference=f"restored payment {p.payment_id}",
                    ),
                    idempotency_key=f"{request.business_key}:{p.payment_id}",
                )

    @activity.defn
    async def allocate_credit_note(self, request: AllocationRequest) -> None:
        with vendor_errors():
            await self._xero.allocate_credit_note(
                request.credit_note_id,
                XeroAllocationIn(
                    invoice=XeroInvoiceRef(invoice_id=request.invoice_id),
                    amount=request.amount,
                    date=request.on,
                ),
                idempotency_key=request.business_key,
            )

    @activity.defn
    async def refunded_so_far(self, request: RefundedRequest) -> Refunded:
        """The credit notes already issued against the invoice, voided ones left out."""
        where = where_starts_with("Reference", refund_reference(request.invoice_number))
        with vendor_errors():
            notes = await self._xero.list_credit_notes(where=where)
        live = [n for n in notes if n.status not in CANCELLED]
        return Refunded(
            amount=sum((n.total for n in live), Decimal(0)),
            credit_notes=[n.credit_note_number or n.credit_note_id for n in live],
            tax=sum((n.total_tax for n in live), Decimal(0)),
        )

    @activity.defn
    async def refund_cash(self, request: CashRefundRequest) -> str:
        """Pay the money back: a payment against the credit note (Xero's cash refund)."""
        with vendor_errors():
            payment = await self._xero.create_payment(
                XeroPaymentIn(
                    credit_note=XeroCreditNoteRef(credit_note_id=request.credit_note_id),
                    account=XeroAccountRef(code=self._bank),
                    date=request.on,
                    amount=request.amount,
                    reference=request.reference,
                ),
                idempotency_key=request.business_key,
            )
        return payment.payment_id
