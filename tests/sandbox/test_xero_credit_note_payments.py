"""Cash refunded on a credit note in the Xero emulator: a Payment against the credit note
(``ARCREDITPAYMENT``) lowers its remaining credit, makes it PAID when none remains and
posts the bank journal; deleting the payment undoes all of it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from quote2cash.connectors.errors import ValidationFailed
from quote2cash.connectors.xero import XeroClient, where_starts_with
from quote2cash.connectors.xero_models import (
    XeroAccountRef,
    XeroContactRef,
    XeroCreditNote,
    XeroCreditNoteIn,
    XeroCreditNoteRef,
    XeroPaymentIn,
)
from quote2cash.sandbox.common.server import ThreadedServer
from tests.sandbox.conftest import XERO_TENANT, XERO_TOKEN
from tests.sandbox.factories import line
from tests.sandbox.test_xero_emulator import customer

D = Decimal


async def _credit_note(
    xero: XeroClient, *, reference: str = "refund of INV-T-1: late"
) -> XeroCreditNote:
    contact = await customer(xero)
    return await xero.create_credit_note(
        XeroCreditNoteIn(
            contact=XeroContactRef(contact_id=contact.contact_id),
            line_items=[line(unit_amount="50.00")],  # 50.00 + 10.00 tax
            date=date(2024, 5, 2),
            reference=reference,
        ),
        idempotency_key=f"cn:{reference}",
    )


def _refund(credit_note_id: str, amount: str, code: str = "090") -> XeroPaymentIn:
    return XeroPaymentIn(
        credit_note=XeroCreditNoteRef(credit_note_id=credit_note_id),
        account=XeroAccountRef(code=code),
        date=date(2024, 5, 3),
        amount=D(amount),
        reference="cash refund",
    )


async def _note(xero: XeroClient, credit_note_id: str) -> XeroCreditNote:
    [found] = await xero.list_credit_notes(where=f'CreditNoteID==guid("{credit_note_id}")')
    return found


def _refunded(note: XeroCreditNote) -> list[Decimal]:
    """The cash refunds the credit note lists (Xero sends no total of them)."""
    return [p.amount for p in note.refunds]


async def test_cash_refunded_in_parts_then_the_credit_note_is_paid(xero: XeroClient) -> None:
    note = await _credit_note(xero)
    first = await xero.create_payment(_refund(note.credit_note_id, "20.00"), idempotency_key="r1")
    assert first.payment_type == "ARCREDITPAYMENT"
    assert first.credit_note is not None
    assert first.invoice is None
    assert first.credit_note.credit_note_id == note.credit_note_id
    part = await _note(xero, note.credit_note_id)
    assert (part.status, _refunded(part), part.remaining_credit) == (
        "AUTHORISED",
        [D("20.00")],
        D("40.00"),
    )
    assert part.payments[0].payment_id == first.payment_id
    await xero.create_payment(_refund(note.credit_note_id, "40.00"), idempotency_key="r2")
    paid = await _note(xero, note.credit_note_id)
    assert (paid.status, _refunded(paid), paid.remaining_credit) == (
        "PAID",
        [D("20.00"), D("40.00")],
        D(0),
    )


async def test_the_refund_journal_debits_receivable_and_credits_the_bank(
    xero: XeroClient,
) -> None:
    note = await _credit_note(xero)
    refund = await xero.create_payment(_refund(note.credit_note_id, "25.00"), idempotency_key="r")
    journals = await xero.list_journals()
    assert [j.source_type for j in journals] == ["ACCRECCREDIT", "ARCREDITPAYMENT"]
    [posted] = [j for j in journals if j.source_id == refund.payment_id]
    lines = {li.account_code: li.net_amount for li in posted.journal_lines if li.net_amount}
    assert lines == {"610": D("25.00"), "090": D("-25.00")}


async def test_more_than_the_remaining_credit_is_refused(xero: XeroClient) -> None:
    note = await _credit_note(xero)
    await xero.create_payment(_refund(note.credit_note_id, "59.99"), idempotency_key="r1")
    with pytest.raises(ValidationFailed, match="exceeds the amount outstanding"):
        await xero.create_payment(_refund(note.credit_note_id, "0.02"), idempotency_key="r2")


async def test_an_unknown_credit_note_or_a_non_bank_account_is_refused(xero: XeroClient) -> None:
    note = await _credit_note(xero)
    missing = "00000000-0000-0000-0000-000000000001"
    with pytest.raises(ValidationFailed, match="Credit note could not be found"):
        await xero.create_payment(_refund(missing, "1.00"), idempotency_key="r1")
    with pytest.raises(ValidationFailed, match="not a bank account"):
        await xero.create_payment(_refund(note.credit_note_id, "1.00", "200"), idempotency_key="r2")


async def test_a_voided_credit_note_takes_no_refund_and_a_refunded_one_cannot_be_voided(
    xero: XeroClient, xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    headers = {"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": XERO_TENANT}
    base = f"{xero_server.url}/api.xro/2.0/CreditNotes"
    refunded = await _credit_note(xero, reference="refund of INV-T-1: a")
    await xero.create_payment(_refund(refunded.credit_note_id, "1.00"), idempotency_key="r1")
    body = {"CreditNotes": [{"CreditNoteID": refunded.credit_note_id, "Status": "VOIDED"}]}
    refused = await xero_http.post(f"{base}/{refunded.credit_note_id}", json=body, headers=headers)
    assert refused.status_code == 400
    assert "cannot be voided because it has payments" in refused.text
    voided = await _credit_note(xero, reference="refund of INV-T-1: b")
    body = {"CreditNotes": [{"CreditNoteID": voided.credit_note_id, "Status": "VOIDED"}]}
    done = await xero_http.post(f"{base}/{voided.credit_note_id}", json=body, headers=headers)
    assert done.status_code == 200, done.text
    with pytest.raises(ValidationFailed, match="only be made against AUTHORISED credit notes"):
        await xero.create_payment(_refund(voided.credit_note_id, "1.00"), idempotency_key="r2")


async def test_deleting_the_refund_restores_the_credit_and_reverses_the_journal(
    xero: XeroClient,
) -> None:
    note = await _credit_note(xero)
    refund = await xero.create_payment(_refund(note.credit_note_id, "60.00"), idempotency_key="r")
    await xero.delete_payment(refund.payment_id, idempotency_key="undo")
    restored = await _note(xero, note.credit_note_id)
    assert (restored.status, _refunded(restored), restored.remaining_credit) == (
        "AUTHORISED",
        [],
        D("60.00"),
    )
    totals: dict[str, Decimal] = {}
    for journal in await xero.list_journals():
        if journal.source_id == refund.payment_id:
            for li in journal.journal_lines:
                totals[li.account_code] = totals.get(li.account_code, D(0)) + li.net_amount
    assert set(totals.values()) == {D(0)}


async def test_credit_notes_found_by_the_start_of_their_reference(xero: XeroClient) -> None:
    await _credit_note(xero, reference="refund of INV-T-1: late")
    await _credit_note(xero, reference="refund of INV-T-10: other invoice")
    found = await xero.list_credit_notes(where=where_starts_with("Reference", "refund of INV-T-1:"))
    assert [n.reference for n in found] == ["refund of INV-T-1: late"]
    with pytest.raises(ValueError, match="cannot contain quotes"):
        where_starts_with("Reference", 'x"y')
