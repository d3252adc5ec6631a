"""Corrections in the Xero emulator: approve and void, credit notes, deleted payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx

from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import (
    XeroAllocationIn,
    XeroContactRef,
    XeroCreditNoteIn,
    XeroInvoiceRef,
)
from quote2cash.sandbox.common.server import ThreadedServer
from tests.sandbox.conftest import XERO_TENANT, XERO_TOKEN
from tests.sandbox.factories import invoice, line, payment
from tests.sandbox.test_xero_emulator import customer


async def test_approve_and_void_post_and_reverse(xero: XeroClient) -> None:
    contact = await customer(xero)
    draft = await xero.create_invoice(
        invoice(contact_id=contact.contact_id, status="DRAFT"), idempotency_key="d"
    )
    assert await xero.list_journals() == []
    approved = await xero.set_invoice_status(
        draft.invoice_id, "AUTHORISED", idempotency_key="approve"
    )
    assert approved.status == "AUTHORISED"
    voided = await xero.set_invoice_status(draft.invoice_id, "VOIDED", idempotency_key="void")
    assert voided.status == "VOIDED"
    journals = await xero.list_journals()
    assert len(journals) == 2
    totals = {x.account_code: Decimal(0) for j in journals for x in j.journal_lines}
    for journal in journals:
        for entry in journal.journal_lines:
            totals[entry.account_code] += entry.net_amount
    assert set(totals.values()) == {Decimal(0)}


async def test_credit_note_allocation_settles_invoice(
    xero: XeroClient, xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    contact = await customer(xero)
    created = await xero.create_invoice(
        invoice(contact_id=contact.contact_id), idempotency_key="inv"
    )
    headers = {"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": XERO_TENANT}
    base = f"{xero_server.url}/api.xro/2.0"
    note = {
        "CreditNotes": [
            {
                "Type": "ACCRECCREDIT",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": contact.contact_id},
                "LineItems": [
                    {
                        "Description": "Refund",
                        "Quantity": 1,
                        "UnitAmount": 100.00,
                        "AccountCode": "200",
                        "TaxType": "OUTPUT2",
                    }
                ],
            }
        ]
    }
    response = await xero_http.put(f"{base}/CreditNotes", json=note, headers=headers)
    assert response.status_code == 200, response.text
    credit = response.json()["CreditNotes"][0]
    assert credit["RemainingCredit"] == 120.0
    allocation = {
        "Allocations": [
            {"Invoice": {"InvoiceID": created.invoice_id}, "Amount": 120.00, "Date": "2024-05-02"}
        ]
    }
    response = await xero_http.put(
        f"{base}/CreditNotes/{credit['CreditNoteID']}/Allocations", json=allocation, headers=headers
    )
    assert response.status_code == 200, response.text
    settled = await xero.get_invoice(created.invoice_id)
    assert (settled.status, settled.amount_credited, settled.amount_due) == (
        "PAID",
        Decimal("120.00"),
        Decimal("0.00"),
    )
    assert [j.source_type for j in await xero.list_journals()] == ["ACCREC", "ACCRECCREDIT"]


async def test_credit_note_through_the_client(xero: XeroClient) -> None:
    contact = await customer(xero)
    created = await xero.create_invoice(
        invoice(contact_id=contact.contact_id), idempotency_key="inv"
    )
    note = await xero.create_credit_note(
        XeroCreditNoteIn(
            contact=XeroContactRef(contact_id=contact.contact_id),
            line_items=[line(unit_amount="50.00")],
            date=date(2024, 5, 2),
        ),
        idempotency_key="cn",
    )
    assert (note.total, note.remaining_credit, note.status) == (
        Decimal("60.00"),
        Decimal("60.00"),
        "AUTHORISED",
    )
    allocation = await xero.allocate_credit_note(
        note.credit_note_id,
        XeroAllocationIn(
            invoice=XeroInvoiceRef(invoice_id=created.invoice_id),
            amount=Decimal("60.00"),
            date=date(2024, 5, 2),
        ),
        idempotency_key="alloc",
    )
    assert allocation.amount == Decimal("60.00")
    assert (await xero.get_invoice(created.invoice_id)).amount_due == Decimal("60.00")


async def test_deleted_payment_reopens_invoice_and_reverses_journal(xero: XeroClient) -> None:
    contact = await customer(xero)
    created = await xero.create_invoice(
        invoice(contact_id=contact.contact_id), idempotency_key="inv"
    )
    paid = await xero.create_payment(
        payment(invoice_id=created.invoice_id, amount="120.00"), idempotency_key="pay"
    )
    assert (await xero.get_invoice(created.invoice_id)).status == "PAID"
    deleted = await xero.delete_payment(paid.payment_id, idempotency_key="unpay")
    assert deleted.status == "DELETED"
    reopened = await xero.get_invoice(created.invoice_id)
    assert (reopened.status, reopened.amount_due, reopened.payments) == (
        "AUTHORISED",
        Decimal("120.00"),
        [],
    )
    journals = await xero.list_journals()
    assert [j.source_type for j in journals] == ["ACCREC", "ACCRECPAYMENT", "ACCRECPAYMENT"]
    bank = sum(x.net_amount for j in journals for x in j.journal_lines if x.account_code == "090")
    assert bank == 0
