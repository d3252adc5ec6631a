"""The Xero client against the Xero emulator over loopback, checked against Xero's spec."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from quote2cash.connectors.errors import NotFound, ValidationFailed
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import (
    XeroContact,
    XeroContactIn,
    XeroManualJournalIn,
    XeroManualJournalLine,
)
from quote2cash.sandbox.common.server import ThreadedServer
from tests.sandbox.conftest import XERO_TENANT, XERO_TOKEN
from tests.sandbox.factories import invoice, line, payment
from tests.sandbox.xero_contract import ContractChecker


async def customer(xero: XeroClient, number: str = "CUST-1") -> XeroContact:
    return await xero.create_contact(
        XeroContactIn(name=f"Customer {number}", contact_number=number, email_address="a@b.test"),
        idempotency_key=f"contact:{number}",
    )


async def test_contact_created_then_found_by_number(xero: XeroClient) -> None:
    assert await xero.find_contact(contact_number="CUST-1") is None
    created = await customer(xero)
    found = await xero.find_contact(contact_number="CUST-1")
    assert found is not None
    assert found.contact_id == created.contact_id
    assert (await xero.get_contact(created.contact_id)).name == "Customer CUST-1"


async def test_same_idempotency_key_replays_the_first_answer(xero: XeroClient) -> None:
    first = await customer(xero)
    again = await customer(xero)
    assert again.contact_id == first.contact_id
    assert again.updated_date_utc == first.updated_date_utc


async def test_same_key_with_another_body_is_refused(xero: XeroClient) -> None:
    await customer(xero)
    with pytest.raises(ValidationFailed, match="different request"):
        await xero.create_contact(
            XeroContactIn(name="Someone else", contact_number="X"),
            idempotency_key="contact:CUST-1",
        )


async def test_contact_names_are_unique(xero: XeroClient) -> None:
    await customer(xero)
    with pytest.raises(ValidationFailed, match="must be unique across all active contacts"):
        await xero.create_contact(
            XeroContactIn(name="customer cust-1"), idempotency_key="contact:dupe"
        )


async def test_invoice_amounts_follow_xeros_rules(xero: XeroClient) -> None:
    contact = await customer(xero)
    created = await xero.create_invoice(
        invoice(
            contact_id=contact.contact_id,
            lines=[
                line(unit_amount="12000.00", discount_rate="10"),
                line(description="Hours", quantity="3", unit_amount="33.333"),
                line(description="Exempt", unit_amount="10.00", tax_type="EXEMPTOUTPUT"),
            ],
        ),
        idempotency_key="deal-1:invoice:1",
    )
    lines = created.line_items
    assert [x.line_amount for x in lines] == [
        Decimal("10800.00"),
        Decimal("99.99"),
        Decimal("10.00"),
    ]
    assert lines[1].unit_amount == Decimal("33.33")
    assert [x.tax_amount for x in lines] == [Decimal("2160.00"), Decimal("20.00"), Decimal("0.00")]
    assert (created.sub_total, created.total_tax, created.total) == (
        Decimal("10909.99"),
        Decimal("2180.00"),
        Decimal("13089.99"),
    )
    assert created.amount_due == created.total
    assert created.status == "AUTHORISED"


async def test_inclusive_and_no_tax_invoices(xero: XeroClient) -> None:
    contact = await customer(xero)
    inclusive = await xero.create_invoice(
        invoice(
            contact_id=contact.contact_id,
            number="INV-INC",
            line_amount_types="Inclusive",
            lines=[line(unit_amount="120.00")],
        ),
        idempotency_key="inc",
    )
    assert (inclusive.sub_total, inclusive.total_tax, inclusive.total) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    untaxed = await xero.create_invoice(
        invoice(contact_id=contact.contact_id, number="INV-NOTAX", line_amount_types="NoTax"),
        idempotency_key="notax",
    )
    assert untaxed.total_tax == 0
    assert untaxed.line_items[0].tax_type == "NONE"


async def test_tax_amount_given_in_the_request_wins(xero: XeroClient) -> None:
    contact = await customer(xero)
    created = await xero.create_invoice(
        invoice(contact_id=contact.contact_id, lines=[line(unit_amount="0.05", tax_amount="0.02")]),
        idempotency_key="override",
    )
    assert created.line_items[0].tax_amount == Decimal("0.02")


async def test_unitdp_4_keeps_four_places(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer, xero: XeroClient
) -> None:
    contact = await customer(xero)
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact.contact_id},
                "LineItems": [
                    {
                        "Description": "Usage",
                        "Quantity": 1000,
                        "UnitAmount": 0.0125,
                        "AccountCode": "200",
                    }
                ],
            }
        ]
    }
    response = await xero_http.put(
        f"{xero_server.url}/api.xro/2.0/Invoices?unitdp=4",
        json=body,
        headers={"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": XERO_TENANT},
    )
    assert response.status_code == 200, response.text
    assert '"UnitAmount":0.0125' in response.text
    assert '"LineAmount":12.50' in response.text
    assert '"Status":"DRAFT"' in response.text


async def test_invoice_numbers_are_unique(xero: XeroClient) -> None:
    contact = await customer(xero)
    await xero.create_invoice(invoice(contact_id=contact.contact_id), idempotency_key="a")
    with pytest.raises(ValidationFailed) as caught:
        await xero.create_invoice(invoice(contact_id=contact.contact_id), idempotency_key="b")
    assert caught.value.messages == ["Invoice # must be unique."]


async def test_find_and_get_invoice(xero: XeroClient) -> None:
    contact = await customer(xero)
    created = await xero.create_invoice(invoice(contact_id=contact.contact_id), idempotency_key="a")
    found = await xero.find_invoice(invoice_number="INV-T-1")
    assert found is not None
    assert found.invoice_id == created.invoice_id
    assert await xero.find_invoice(invoice_number="INV-NOPE") is None
    assert (await xero.get_invoice(created.invoice_id)).total == Decimal("120.00")
    with pytest.raises(NotFound):
        await xero.get_invoice("00000000-0000-4000-8000-00000000dead")


async def test_invalid_codes_are_validation_errors(xero: XeroClient) -> None:
    contact = await customer(xero)
    with pytest.raises(ValidationFailed) as caught:
        await xero.create_invoice(
            invoice(
                contact_id=contact.contact_id, lines=[line(account_code="999", tax_type="BOGUS")]
            ),
            idempotency_key="bad",
        )
    assert any("Account code '999'" in m for m in caught.value.messages)
    assert any("TaxType code 'BOGUS'" in m for m in caught.value.messages)


async def test_partial_then_full_payment_marks_invoice_paid(xero: XeroClient) -> None:
    contact = await customer(xero)
    created = await xero.create_invoice(
        invoice(contact_id=contact.contact_id), idempotency_key="inv"
    )
    first = await xero.create_payment(
        payment(invoice_id=created.invoice_id, amount="20.00"), idempotency_key="pay-1"
    )
    assert first.payment_type == "ACCRECPAYMENT"
    partly = await xero.get_invoice(created.invoice_id)
    assert (partly.status, partly.amount_paid, partly.amount_due) == (
        "AUTHORISED",
        Decimal("20.00"),
        Decimal("100.00"),
    )
    await xero.create_payment(
        payment(invoice_id=created.invoice_id, amount="100.00"), idempotency_key="pay-2"
    )
    paid = await xero.get_invoice(created.invoice_id)
    assert (paid.status, paid.amount_due) == ("PAID", Decimal("0.00"))
    assert paid.fully_paid_on_date is not None
    assert [p.amount for p in paid.payments] == [Decimal("20.00"), Decimal("100.00")]


async def test_overpayment_and_draft_payment_refused(xero: XeroClient) -> None:
    contact = await customer(xero)
    created = await xero.create_invoice(
        invoice(contact_id=contact.contact_id), idempotency_key="inv"
    )
    with pytest.raises(ValidationFailed, match="exceeds the amount outstanding"):
        await xero.create_payment(
            payment(invoice_id=created.invoice_id, amount="120.01"), idempotency_key="over"
        )
    draft = await xero.create_invoice(
        invoice(contact_id=contact.contact_id, number="INV-D", status="DRAFT"),
        idempotency_key="draft",
    )
    with pytest.raises(ValidationFailed, match="AUTHORISED"):
        await xero.create_payment(
            payment(invoice_id=draft.invoice_id, amount="1.00"), idempotency_key="on-draft"
        )


async def test_xero_posts_balanced_journals_for_invoice_and_payment(xero: XeroClient) -> None:
    contact = await customer(xero)
    created = await xero.create_invoice(
        invoice(contact_id=contact.contact_id), idempotency_key="inv"
    )
    await xero.create_payment(
        payment(invoice_id=created.invoice_id, amount="120.00"), idempotency_key="pay"
    )
    journals = await xero.list_journals()
    assert [(j.journal_number, j.source_type) for j in journals] == [
        (1, "ACCREC"),
        (2, "ACCRECPAYMENT"),
    ]
    sale = {x.account_code: (x.net_amount, x.tax_amount) for x in journals[0].journal_lines}
    assert sale == {
        "610": (Decimal("120.00"), 0),
        "200": (Decimal("-100.00"), Decimal("-20.00")),
        "820": (Decimal("-20.00"), 0),
    }
    cash = {x.account_code: x.net_amount for x in journals[1].journal_lines}
    assert cash == {"090": Decimal("120.00"), "610": Decimal("-120.00")}
    for journal in journals:
        assert sum(x.net_amount for x in journal.journal_lines) == 0
    assert [j.journal_number for j in await xero.list_journals(offset=1)] == [2]


async def test_foreign_currency_payment_posts_fx_difference(xero: XeroClient) -> None:
    contact = await customer(xero)
    created = await xero.create_invoice(
        invoice(
            contact_id=contact.contact_id,
            currency="EUR",
            lines=[line(unit_amount="117.00", tax_type="ECZROUTPUTSERVICES")],
        ),
        idempotency_key="eur",
    )
    assert created.currency_rate == Decimal("1.170000")
    pay = payment(invoice_id=created.invoice_id, amount="117.00", code="091")
    pay.currency_rate = Decimal("1.125")
    await xero.create_payment(pay, idempotency_key="eur-pay")
    journals = await xero.list_journals()
    sale = {x.account_code: x.net_amount for x in journals[0].journal_lines}
    assert sale == {"610": Decimal("100.00"), "200": Decimal("-100.00")}
    cash = {x.account_code: x.net_amount for x in journals[1].journal_lines}
    assert cash == {"091": Decimal("104.00"), "610": Decimal("-100.00"), "498": Decimal("-4.00")}


async def test_manual_journals_balance_or_are_refused(xero: XeroClient) -> None:
    balanced = XeroManualJournalIn(
        narration="Defer revenue",
        journal_lines=[
            XeroManualJournalLine(line_amount=Decimal("50.00"), account_code="200"),
            XeroManualJournalLine(line_amount=Decimal("-50.00"), account_code="835"),
        ],
    )
    created = await xero.create_manual_journal(balanced, idempotency_key="mj-1")
    assert created.status == "POSTED"
    journals = await xero.list_journals()
    assert journals[-1].source_type == "MANJOURNAL"
    assert journals[-1].source_id == created.manual_journal_id
    unbalanced = XeroManualJournalIn(
        narration="Oops",
        journal_lines=[
            XeroManualJournalLine(line_amount=Decimal("50.00"), account_code="200"),
            XeroManualJournalLine(line_amount=Decimal("-49.99"), account_code="835"),
        ],
    )
    with pytest.raises(ValidationFailed, match=r"total debits \(50.00\) must equal total credits"):
        await xero.create_manual_journal(unbalanced, idempotency_key="mj-2")


async def test_contract_sees_requests_and_responses(
    xero: XeroClient, contract: ContractChecker
) -> None:
    contact = await customer(xero)
    await xero.create_invoice(invoice(contact_id=contact.contact_id), idempotency_key="inv")
    with pytest.raises(ValidationFailed):
        await xero.create_invoice(invoice(contact_id=contact.contact_id), idempotency_key="dup")
    await xero.list_journals()
    assert contract.requests_checked == 4
    assert contract.responses_checked == 4  # the 400 too: the spec declares its schema
