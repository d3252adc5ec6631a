"""Typed, keyword-only builders of Xero requests for the tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from quote2cash.connectors.xero_models import (
    XeroAccountRef,
    XeroContactRef,
    XeroInvoiceIn,
    XeroInvoiceRef,
    XeroLineItemIn,
    XeroPaymentIn,
)


def line(
    *,
    description: str = "Platform subscription",
    quantity: str = "1",
    unit_amount: str = "100.00",
    account_code: str = "200",
    tax_type: str = "OUTPUT2",
    discount_rate: str | None = None,
    tax_amount: str | None = None,
) -> XeroLineItemIn:
    return XeroLineItemIn(
        description=description,
        quantity=Decimal(quantity),
        unit_amount=Decimal(unit_amount),
        account_code=account_code,
        tax_type=tax_type,
        discount_rate=Decimal(discount_rate) if discount_rate else None,
        tax_amount=Decimal(tax_amount) if tax_amount else None,
    )


def invoice(
    *,
    contact_id: str,
    number: str = "INV-T-1",
    lines: list[XeroLineItemIn] | None = None,
    status: str = "AUTHORISED",
    line_amount_types: str = "Exclusive",
    currency: str | None = None,
) -> XeroInvoiceIn:
    return XeroInvoiceIn.model_validate(
        {
            "contact": XeroContactRef(contact_id=contact_id),
            "invoice_number": number,
            "line_items": lines or [line()],
            "status": status,
            "date": date(2024, 5, 1),
            "due_date": date(2024, 5, 31),
            "line_amount_types": line_amount_types,
            "currency_code": currency,
        }
    )


def payment(*, invoice_id: str, amount: str, code: str = "090") -> XeroPaymentIn:
    return XeroPaymentIn(
        invoice=XeroInvoiceRef(invoice_id=invoice_id),
        account=XeroAccountRef(code=code),
        date=date(2024, 5, 10),
        amount=Decimal(amount),
    )
