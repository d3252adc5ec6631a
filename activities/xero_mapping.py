"""Our invoice draft and customer record, as Xero's request models.

Lines go with our computed net and tax amounts, so Xero posts what the billing core
priced; the tax type, the organisation's for the line's treatment (quote2cash.chart),
labels the treatment in Xero's reports. Xero checks that
LineAmount = Quantity x UnitAmount less discount, in the document's LineAmountTypes:
when prices include tax our unit prices are gross, so such documents go ``Inclusive``
with the gross line amount (Xero then takes the tax back out: the same net).
"""

from __future__ import annotations

from typing import Literal

from quote2cash.billing.credit_note import CreditNoteDraft
from quote2cash.billing.invoice import InvoiceDraft, InvoiceLine
from quote2cash.billing.snapshot import BillTo
from quote2cash.chart.presets import EntityMapping
from quote2cash.connectors.xero_models import (
    XeroAddress,
    XeroContactIn,
    XeroContactRef,
    XeroCreditNoteIn,
    XeroInvoiceIn,
    XeroLineItemIn,
)


def tax_type(line: InvoiceLine, mapping: EntityMapping) -> str:
    """The organisation's tax type for the line's treatment; a standard-treatment line at
    the organisation's reduced rate goes under the reduced type."""
    codes = mapping.tax_types
    reduced = codes.get("reduced")
    if (
        line.tax_treatment == "standard"
        and reduced is not None
        and reduced.rate == line.tax_rate
        and codes["standard"].rate != line.tax_rate
    ):
        return reduced.tax_type
    code = codes.get(line.tax_treatment)
    return code.tax_type if code is not None else mapping.no_tax


def contact_in(bill_to: BillTo) -> XeroContactIn:
    return XeroContactIn(
        name=bill_to.name,
        contact_number=bill_to.customer_key,
        tax_number=bill_to.vat_id,
        email_address=bill_to.email,
        addresses=[XeroAddress(region=bill_to.region, country=bill_to.country)],
    )


def line_item(line: InvoiceLine, mapping: EntityMapping, *, inclusive: bool) -> XeroLineItemIn:
    """One line; ``inclusive``: its unit price includes tax, so its line amount does too."""
    return XeroLineItemIn(
        description=line.description,
        quantity=line.quantity,
        unit_amount=line.unit_price,
        discount_rate=line.discount_percent or None,
        account_code=line.revenue_account,
        tax_type=tax_type(line, mapping),
        tax_amount=line.tax_amount,
        line_amount=line.net_amount + line.tax_amount if inclusive else line.net_amount,
    )


def line_amount_types(inclusive: bool) -> Literal["Inclusive", "Exclusive"]:
    return "Inclusive" if inclusive else "Exclusive"


def invoice_in(
    draft: InvoiceDraft, mapping: EntityMapping, *, number: str, contact_id: str
) -> XeroInvoiceIn:
    return XeroInvoiceIn(
        type="ACCREC",
        contact=XeroContactRef(contact_id=contact_id),
        line_items=[
            line_item(line, mapping, inclusive=draft.prices_include_tax) for line in draft.lines
        ],
        date=draft.issue_date,
        due_date=draft.due_date,
        line_amount_types=line_amount_types(draft.prices_include_tax),
        invoice_number=number,
        reference=f"deal {draft.deal_id}",
        currency_code=draft.currency,
        status="AUTHORISED",
    )


def credit_note_in(
    note: CreditNoteDraft, mapping: EntityMapping, *, contact_id: str, reference: str
) -> XeroCreditNoteIn:
    inclusive = note.prices_include_tax
    return XeroCreditNoteIn(
        contact=XeroContactRef(contact_id=contact_id),
        line_items=[line_item(line, mapping, inclusive=inclusive) for line in note.lines],
        date=note.issue_date,
        line_amount_types=line_amount_types(inclusive),
        reference=reference,
        currency_code=note.currency,
    )
