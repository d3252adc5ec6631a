"""Our invoice draft and customer record, as Xero's request models.

Lines go with our computed net and tax amounts, so Xero posts what the billing core
priced; the tax type only labels the treatment in Xero's reports.
"""

from __future__ import annotations

from quote2cash.billing.invoice import InvoiceDraft, InvoiceLine
from quote2cash.billing.snapshot import BillTo
from quote2cash.connectors.xero_models import (
    XeroAddress,
    XeroContactIn,
    XeroContactRef,
    XeroInvoiceIn,
    XeroLineItemIn,
)

TAX_TYPES = {
    "standard": "OUTPUT2",
    "reverse_charge": "ECZROUTPUTSERVICES",
    "exempt": "EXEMPTOUTPUT",
    "zero": "ZERORATEDOUTPUT",
    "out_of_scope": "NONE",
}


def contact_in(bill_to: BillTo) -> XeroContactIn:
    return XeroContactIn(
        name=bill_to.name,
        contact_number=bill_to.customer_key,
        tax_number=bill_to.vat_id,
        email_address=bill_to.email,
        addresses=[XeroAddress(region=bill_to.region, country=bill_to.country)],
    )


def line_item(line: InvoiceLine) -> XeroLineItemIn:
    return XeroLineItemIn(
        description=line.description,
        quantity=line.quantity,
        unit_amount=line.unit_price,
        discount_rate=line.discount_percent or None,
        account_code=line.revenue_account,
        tax_type=TAX_TYPES.get(line.tax_treatment, "NONE"),
        tax_amount=line.tax_amount,
        line_amount=line.net_amount,
    )


def invoice_in(draft: InvoiceDraft, *, number: str, contact_id: str) -> XeroInvoiceIn:
    return XeroInvoiceIn(
        type="ACCREC",
        contact=XeroContactRef(contact_id=contact_id),
        line_items=[line_item(line) for line in draft.lines],
        date=draft.issue_date,
        due_date=draft.due_date,
        line_amount_types="Exclusive",
        invoice_number=number,
        reference=f"deal {draft.deal_id}",
        currency_code=draft.currency,
        status="AUTHORISED",
    )
