"""Inputs and outputs of activities: one pydantic model per call, business keys inside.

Workflows build these; activities read them. Amounts are ``Decimal`` (pydantic sends
them as strings, so no float ever crosses the wire).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from quote2cash.billing.credit_note import CreditNoteDraft
from quote2cash.billing.invoice import InvoiceDraft
from quote2cash.billing.journal import JournalEntry
from quote2cash.billing.snapshot import BillTo


class SnapshotRequest(BaseModel):
    crm: str
    deal_id: str
    catalog_version_hint: str = ""


class CustomerRequest(BaseModel):
    deal_id: str
    bill_to: BillTo


class CustomerRef(BaseModel):
    customer_key: str
    accounting_contact_id: str
    created: bool


class InvoiceRequest(BaseModel):
    workflow_id: str
    business_key: str
    """``<workflow id>:invoice:<n>``: the idempotency key of this invoice everywhere."""
    contact_id: str
    invoice: InvoiceDraft


class InvoiceRef(BaseModel):
    invoice_id: str
    invoice_number: str
    status: str
    total: Decimal
    currency: str


class PaymentLine(BaseModel):
    payment_id: str
    amount: Decimal
    paid_on: date


class InvoiceStatusRequest(BaseModel):
    invoice_id: str


class InvoiceStatus(BaseModel):
    invoice_id: str
    status: str
    contact_id: str = ""
    total: Decimal
    total_tax: Decimal
    amount_paid: Decimal
    amount_due: Decimal
    payments: list[PaymentLine]


class PostingRequest(BaseModel):
    deal_id: str
    entries: list[JournalEntry]


class PostingResult(BaseModel):
    posted: int
    already_posted: int


class WriteBackRequest(BaseModel):
    deal_id: str
    properties: dict[str, str]


class DealOwner(BaseModel):
    """Who owns the deal in the CRM (an owner id, not a name): approvals check it."""

    deal_id: str
    owner_id: str


class CreditNoteRequest(BaseModel):
    business_key: str
    """``refund:<crm>:<deal>:credit_note``: the idempotency key of the credit note."""
    contact_id: str
    invoice_number: str
    note: CreditNoteDraft


class CreditNoteRef(BaseModel):
    credit_note_id: str
    credit_note_number: str
    total: Decimal


class RefundedRequest(BaseModel):
    invoice_number: str


class Refunded(BaseModel):
    """What the credit notes referencing an invoice (not voided) credited so far."""

    amount: Decimal
    credit_notes: list[str]
    tax: Decimal = Decimal(0)
    """The tax those credit notes credited: a later partial refund's tax is the rest of
    the invoice's proportional tax, so the partials' taxes never add up to more."""


class ReserveRefund(BaseModel):
    """Hold ``amount`` of the invoice for the refund ``refund_key`` (its workflow id)."""

    refund_key: str
    run_id: str
    invoice_number: str
    amount: Decimal
    invoice_total: Decimal
    """The most the invoice can give back: what was paid (a partial refund) or its total
    (a full refund, which takes the payments off)."""


class RefundHeld(BaseModel):
    amount: Decimal
    held_by_others: Decimal


class ReleaseRefund(BaseModel):
    refund_key: str
    run_id: str


class CashRefundRequest(BaseModel):
    business_key: str
    """``refund:<crm>:<deal>:<refund id>:cash``: one cash refund per partial refund."""
    credit_note_id: str
    amount: Decimal
    on: date
    reference: str


class VoidCreditNote(BaseModel):
    business_key: str
    credit_note_id: str


class PaymentsRequest(BaseModel):
    business_key: str
    invoice_id: str
    payments: list[PaymentLine]


class AllocationRequest(BaseModel):
    business_key: str
    credit_note_id: str
    invoice_id: str
    amount: Decimal
    on: date


class ApplyPaymentRequest(BaseModel):
    business_key: str
    """``<workflow id>:payment:<payment id>``: one payment in Xero per received payment."""
    invoice_id: str
    amount: Decimal
    received_on: date


class AppliedPayment(BaseModel):
    """How much of a received payment went to the invoice, and what was left over."""

    applied: Decimal
    excess: Decimal
    invoice: InvoiceStatus


class VoidInvoiceRequest(BaseModel):
    business_key: str
    """``<workflow id>:void:<n>``: voiding invoice n, once."""
    invoice_id: str


class ReconcileRequest(BaseModel):
    business_date: date
    grace_days: int = 3
    """A won deal with no invoice is a finding once this many days have passed."""
