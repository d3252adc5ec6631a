"""Accounting activities (Xero): customers, invoices, payments.

Exactly once, however often a call is retried or a worker dies: the invoice number is
allocated once per business key (gapless), Xero is asked for that number before
anything is created (Xero keeps idempotency keys only minutes), and the create itself
carries the business key as ``Idempotency-Key``.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from stdnum.util import get_cc_module
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.deps import Deps
from activities.errors import InvalidMasterData, vendor_errors
from activities.models import (
    AppliedPayment,
    ApplyPaymentRequest,
    CustomerRef,
    CustomerRequest,
    InvoiceRef,
    InvoiceRequest,
    InvoiceStatus,
    InvoiceStatusRequest,
    PaymentLine,
    VoidInvoiceRequest,
)
from activities.xero_mapping import contact_in, invoice_in
from quote2cash.billing.snapshot import BillTo
from quote2cash.connect.hubspot_contract import VAT_ID
from quote2cash.connectors.xero import XeroInvoice
from quote2cash.connectors.xero_models import XeroAccountRef, XeroInvoiceRef, XeroPaymentIn
from quote2cash.error_types import INVOICE_NOT_VOIDABLE
from quote2cash.store.db import unit_of_work
from quote2cash.store.idmap import IdMapRepository, invoice_key
from quote2cash.store.invoice_numbers import InvoiceNumberRepository

"""Xero's default bank account: where received payments land."""


def check_tax_id(bill_to: BillTo) -> None:
    """A VAT id that is present must be well-formed for its country (format + checksum)."""
    if not bill_to.vat_id:
        return
    module = get_cc_module(bill_to.country.lower(), "vat")
    if module is not None and not module.is_valid(bill_to.vat_id):
        raise InvalidMasterData(
            f"customer {bill_to.customer_key}: VAT id for {bill_to.country} is not valid "
            f"(format or check digit); correct '{VAT_ID.name}' on the CRM company"
        )


class AccountingActivities:
    def __init__(self, deps: Deps) -> None:
        self._xero = deps.xero
        self._engine = deps.engine
        self._settings = deps.settings
        self._mapping = deps.mapping

    @activity.defn
    async def ensure_customer(self, request: CustomerRequest) -> CustomerRef:
        bill_to = request.bill_to
        with vendor_errors():
            check_tax_id(bill_to)
            contact = await self._xero.find_contact(contact_number=bill_to.customer_key)
            created = contact is None
            if contact is None:
                contact = await self._xero.create_contact(
                    contact_in(bill_to), idempotency_key=f"contact:{bill_to.customer_key}"
                )
        await asyncio.to_thread(self._map, "contact", bill_to.customer_key, str(contact.contact_id))
        return CustomerRef(
            customer_key=bill_to.customer_key,
            accounting_contact_id=str(contact.contact_id),
            created=created,
        )

    @activity.defn
    async def create_invoice(self, request: InvoiceRequest) -> InvoiceRef:
        number = await asyncio.to_thread(self._allocate_number, request.business_key)
        with vendor_errors():
            invoice = await self._xero.find_invoice(invoice_number=number)
            if invoice is None:
                invoice = await self._xero.create_invoice(
                    invoice_in(
                        request.invoice,
                        self._mapping,
                        number=number,
                        contact_id=request.contact_id,
                    ),
                    idempotency_key=request.business_key,
                )
        key = invoice_key(request.workflow_id, request.business_key)
        await asyncio.to_thread(self._map, "invoice", key, str(invoice.invoice_id))
        return InvoiceRef(
            invoice_id=str(invoice.invoice_id),
            invoice_number=number,
            status=invoice.status,
            total=invoice.total,
            currency=invoice.currency_code or request.invoice.currency,
        )

    @activity.defn
    async def invoice_status(self, request: InvoiceStatusRequest) -> InvoiceStatus:
        with vendor_errors():
            invoice = await self._xero.get_invoice(request.invoice_id)
        return invoice_status(invoice)

    @activity.defn
    async def apply_payment(self, request: ApplyPaymentRequest) -> AppliedPayment:
        """Record a received payment on the invoice, up to what is due; say the excess.

        The payment carries the business key as its reference, so a retry finds the
        payment it made instead of paying twice (Xero forgets idempotency keys in minutes).
        """
        reference = f"q2c {request.business_key}"
        with vendor_errors():
            invoice = await self._xero.get_invoice(request.invoice_id)
            made = [p.amount for p in invoice.payments if p.reference == reference]
            if made:
                applied = made[0]
            else:
                open_ = invoice.status == "AUTHORISED"
                applied = min(request.amount, invoice.amount_due) if open_ else Decimal(0)
                if applied > 0:
                    await self._xero.create_payment(
                        XeroPaymentIn(
                            invoice=XeroInvoiceRef(invoice_id=request.invoice_id),
                            account=XeroAccountRef(
                                code=self._mapping.bank_for(invoice.currency_code or "")
                            ),
                            date=request.received_on,
                            amount=applied,
                            reference=reference,
                        ),
                        idempotency_key=request.business_key,
                    )
                    invoice = await self._xero.get_invoice(request.invoice_id)
        return AppliedPayment(
            applied=applied, excess=request.amount - applied, invoice=invoice_status(invoice)
        )

    @activity.defn
    async def void_invoice(self, request: VoidInvoiceRequest) -> InvoiceStatus:
        """Void an unpaid invoice; one already voided is left as it is.

        Its number stays allocated: a void is a visible correction, never a gap.
        """
        with vendor_errors():
            invoice = await self._xero.get_invoice(request.invoice_id)
            if invoice.status != "VOIDED":
                if invoice.status != "AUTHORISED" or invoice.amount_paid:
                    raise ApplicationError(
                        f"invoice {invoice.invoice_number} is {invoice.status} with "
                        f"{invoice.amount_paid} paid: only an unpaid AUTHORISED invoice is "
                        "voided; correct a paid one with a credit note",
                        type=INVOICE_NOT_VOIDABLE,
                        non_retryable=True,
                    )
                invoice = await self._xero.set_invoice_status(
                    request.invoice_id, "VOIDED", idempotency_key=request.business_key
                )
        return invoice_status(invoice)

    def _allocate_number(self, business_key: str) -> str:
        with unit_of_work(self._engine) as session:
            return InvoiceNumberRepository(session).allocate(
                self._settings.billing_entity, business_key, self._settings.invoice_prefix
            )

    def _map(self, kind: str, our_key: str, their_id: str) -> None:
        with unit_of_work(self._engine) as session:
            IdMapRepository(session).put("xero", kind, our_key, their_id)


def invoice_status(invoice: XeroInvoice) -> InvoiceStatus:
    return InvoiceStatus(
        invoice_id=str(invoice.invoice_id),
        status=invoice.status,
        contact_id=str(invoice.contact.contact_id or ""),
        total=invoice.total,
        total_tax=invoice.total_tax,
        amount_paid=invoice.amount_paid,
        amount_due=invoice.amount_due,
        payments=[
            PaymentLine(
                payment_id=p.payment_id,
                amount=p.amount,
                paid_on=p.date or invoice.fully_paid_on_date or invoice.date,
            )
            for p in invoice.payments
        ],
    )
