"""Invoices and credit notes of tax-inclusive prices, as the activities map them, against
the Xero emulator: Xero checks LineAmount = Quantity x UnitAmount less discount in the
document's LineAmountTypes, so gross unit prices go ``Inclusive`` with gross line
amounts, and Xero's totals are the billing core's to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from activities.xero_mapping import credit_note_in, invoice_in
from quote2cash.billing.credit_note import credit_note_for, credit_note_of_amount
from quote2cash.billing.invoice import InvoiceDraft, build_invoice
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
from quote2cash.chart.presets import UK
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import XeroAllocationIn, XeroInvoiceRef
from tests.sandbox.test_xero_emulator import customer

D = Decimal


def _inclusive(seat_discount: str = "0") -> InvoiceDraft:
    snapshot = QuoteSnapshot(
        deal_id="77",
        currency="GBP",
        bill_to=BillTo(customer_key="c-1", name="Northwind", country="GB"),
        lines=[
            SnapshotLine(
                line_id="1",
                sku="ONBOARD",
                name="Onboarding",
                quantity=D(2),
                unit_price=D("19.95"),
                discount_percent=D(10),
            ),
            SnapshotLine(
                line_id="2",
                sku="SEAT",
                name="Seat",
                quantity=D(3),
                unit_price=D("9.99"),
                discount_amount=D(seat_discount),
            ),
        ],
        catalog_version="v1",
        prices_include_tax=True,
    )
    draft = build_invoice(snapshot, issue_date=date(2026, 1, 1))
    assert draft.tax_total > 0
    return draft


async def test_an_inclusive_invoice_and_its_credit_notes_are_accepted_to_the_cent(
    xero: XeroClient,
) -> None:
    draft = _inclusive()
    contact = await customer(xero)
    invoice = await xero.create_invoice(
        invoice_in(draft, UK, number="INV-INC-1", contact_id=contact.contact_id),
        idempotency_key="inv",
    )
    assert invoice.line_amount_types == "Inclusive"
    assert (invoice.sub_total, invoice.total_tax, invoice.total) == (
        draft.subtotal,
        draft.tax_total,
        draft.total,
    )
    full = credit_note_for(draft, issue_date=date(2026, 1, 2), reason="not delivered")
    part = credit_note_of_amount(draft, D("10.00"), issue_date=date(2026, 1, 2), reason="seat")
    for n, note in enumerate((full, part)):
        created = await xero.create_credit_note(
            credit_note_in(note, UK, contact_id=contact.contact_id, reference=f"refund {n}"),
            idempotency_key=f"cn-{n}",
        )
        assert created.line_amount_types == "Inclusive"
        assert (created.sub_total, created.total_tax, created.total) == (
            note.subtotal,
            note.tax_total,
            note.total,
        )
        if note is full:  # the whole invoice credited: nothing left due
            await xero.allocate_credit_note(
                created.credit_note_id,
                XeroAllocationIn(
                    invoice=XeroInvoiceRef(invoice_id=invoice.invoice_id),
                    amount=note.total,
                    date=note.issue_date,
                ),
                idempotency_key="alloc",
            )
    assert (part.subtotal, part.tax_total) == (D("8.33"), D("1.67"))
    assert (await xero.get_invoice(invoice.invoice_id)).amount_due == 0


async def test_folded_inclusive_lines_are_accepted_to_the_cent(xero: XeroClient) -> None:
    """A fixed-amount discount folds the line to quantity 1 at its gross amount."""
    draft = _inclusive(seat_discount="1.00")
    assert [(li.quantity, li.unit_price) for li in draft.lines][1] == (D(1), D("28.97"))
    contact = await customer(xero)
    invoice = await xero.create_invoice(
        invoice_in(draft, UK, number="INV-INC-2", contact_id=contact.contact_id),
        idempotency_key="inv",
    )
    note = credit_note_of_amount(draft, D("0.07"), issue_date=date(2026, 1, 2), reason="x")
    created = await xero.create_credit_note(
        credit_note_in(note, UK, contact_id=contact.contact_id, reference="refund"),
        idempotency_key="cn",
    )
    assert (invoice.sub_total, invoice.total_tax, invoice.total) == (
        draft.subtotal,
        draft.tax_total,
        draft.total,
    )
    assert (created.sub_total, created.total_tax, created.total) == (
        note.subtotal,
        note.tax_total,
        D("0.07"),
    )
