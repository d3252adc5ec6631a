"""Every route the Xero emulator serves answers in Xero's contract, and only with what the
spec declares: one tour calls each of them through the contract checker, and the test
fails if a route (a new one included) was left out of the tour."""

from __future__ import annotations

import re
from typing import Any

import httpx

from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.xero import XeroSandboxConfig, create_app
from tests.sandbox.conftest import XERO_TENANT, XERO_TOKEN
from tests.sandbox.xero_contract import ContractChecker, template_of

HEADERS = {"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": XERO_TENANT}
SOME_ID = "00000000-0000-4000-8000-000000000001"
LINE = {"Description": "Seats", "Quantity": 2, "UnitAmount": 50, "AccountCode": "200"}


class _Tour:
    def __init__(self, http: httpx.AsyncClient, server: ThreadedServer) -> None:
        self._http, self._base = http, f"{server.url}/api.xro/2.0"

    async def __call__(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        response = await self._http.request(
            method, self._base + path, json=body, params=params, headers=HEADERS
        )
        assert response.status_code == 200, f"{method} {path}: {response.text}"
        return response.json()

    async def one(self, method: str, path: str, key: str, body: Any = None) -> Any:
        return (await self(method, path, body))[key][0]


def _served() -> set[tuple[str, str]]:
    """(method, the spec's template) of every vendor route the emulator serves."""
    paths = create_app(XeroSandboxConfig(db=":memory:")).openapi()["paths"]
    served = set()
    for path, operations in paths.items():
        if path.startswith("/api.xro/"):
            concrete = re.sub(r"\{\w+\}", SOME_ID, path)
            served |= {(m.upper(), str(template_of(m, concrete))) for m in operations}
    return served


async def _settings(call: _Tour) -> None:
    await call("GET", "/Organisation")
    await call("GET", "/TaxRates")
    await call("GET", "/Currencies")
    await call("PUT", "/Currencies", {"Code": "USD", "Description": "US Dollar"})
    account = await call.one(
        "PUT", "/Accounts", "Accounts", {"Code": "BD", "Name": "Bad", "Type": "EXPENSE"}
    )
    await call("GET", "/Accounts")
    await call("GET", f"/Accounts/{account['AccountID']}")
    item = {"Code": "SEAT", "Name": "Seat", "SalesDetails": {"UnitPrice": 50, "AccountCode": "200"}}
    await call("PUT", "/Items", {"Items": [item]})
    made = await call.one("POST", "/Items", "Items", {"Items": [item | {"Name": "A seat"}]})
    await call("GET", "/Items")
    await call("GET", f"/Items/{made['ItemID']}")


async def _contact(call: _Tour) -> str:
    contact = await call.one("PUT", "/Contacts", "Contacts", {"Contacts": [{"Name": "Acme"}]})
    contact_id = str(contact["ContactID"])
    await call("POST", "/Contacts", {"Contacts": [{"Name": "Other Ltd"}]})
    await call("POST", f"/Contacts/{contact_id}", {"Contacts": [{"EmailAddress": "a@b.example"}]})
    await call("GET", "/Contacts")
    await call("GET", f"/Contacts/{contact_id}")
    twice = {"Contacts": [{"Name": "Acme"}, {"Name": "Third"}]}
    results = (await call("PUT", "/Contacts", twice, summarizeErrors="false"))["Contacts"]
    assert [c["StatusAttributeString"] for c in results] == ["ERROR", "OK"]
    return contact_id


async def _documents(call: _Tour, contact_id: str) -> tuple[str, str]:
    doc = {"Contact": {"ContactID": contact_id}, "LineItems": [LINE], "Status": "AUTHORISED"}
    invoice = await call.one(
        "PUT", "/Invoices", "Invoices", {"Invoices": [doc | {"Type": "ACCREC"}]}
    )
    draft = await call.one(
        "POST", "/Invoices", "Invoices", {"Invoices": [doc | {"Type": "ACCREC", "Status": "DRAFT"}]}
    )
    await call("POST", f"/Invoices/{draft['InvoiceID']}", {"Invoices": [{"Reference": "r"}]})
    await call("GET", "/Invoices")
    note = await call.one(
        "PUT", "/CreditNotes", "CreditNotes", {"CreditNotes": [doc | {"Type": "ACCRECCREDIT"}]}
    )
    other = await call.one(
        "POST", "/CreditNotes", "CreditNotes", {"CreditNotes": [doc | {"Type": "ACCRECCREDIT"}]}
    )
    await call(
        "POST", f"/CreditNotes/{other['CreditNoteID']}", {"CreditNotes": [{"Reference": "r"}]}
    )
    await call("GET", "/CreditNotes")
    on = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 20, "Date": "2026-01-02"}
    await call("PUT", f"/CreditNotes/{note['CreditNoteID']}/Allocations", {"Allocations": [on]})
    return str(invoice["InvoiceID"]), str(note["CreditNoteID"])


async def _money(call: _Tour, invoice_id: str, note_id: str) -> None:
    bank = {"Code": "090"}
    paid = {
        "Invoice": {"InvoiceID": invoice_id},
        "Account": bank,
        "Amount": 30,
        "Date": "2026-01-03",
    }
    payment = await call.one("PUT", "/Payments", "Payments", {"Payments": [paid]})
    back = {
        "CreditNote": {"CreditNoteID": note_id},
        "Account": bank,
        "Amount": 10,
        "Date": "2026-01-04",
    }
    await call("POST", "/Payments", {"Payments": [back]})
    await call("GET", "/Payments")
    await call("GET", f"/Payments/{payment['PaymentID']}")
    await call("POST", f"/Payments/{payment['PaymentID']}", {"Status": "DELETED"})
    lines = [{"LineAmount": 5, "AccountCode": "200"}, {"LineAmount": -5, "AccountCode": "835"}]
    journal = {"Narration": "Defer", "JournalLines": lines, "Status": "POSTED"}
    made = await call.one("PUT", "/ManualJournals", "ManualJournals", {"ManualJournals": [journal]})
    await call("POST", "/ManualJournals", {"ManualJournals": [journal]})
    await call("GET", "/ManualJournals")
    await call("GET", f"/ManualJournals/{made['ManualJournalID']}")
    posted = await call.one("GET", "/Journals", "Journals")
    await call("GET", f"/Journals/{posted['JournalID']}")


async def test_every_route_answers_only_what_the_spec_declares(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer, contract: ContractChecker
) -> None:
    call = _Tour(xero_http, xero_server)
    await _settings(call)
    contact_id = await _contact(call)
    invoice_id, note_id = await _documents(call, contact_id)
    await _money(call, invoice_id, note_id)
    note = await call.one("GET", f"/CreditNotes/{note_id}", "CreditNotes")
    invoice = await call.one("GET", f"/Invoices/{invoice_id}", "Invoices")
    # What Xero does send about a refund: the note's payments and allocations, the
    # invoice's credit notes; never a credit note's AmountPaid.
    assert [p["Amount"] for p in note["Payments"]] == [10]
    assert [a["Amount"] for a in note["Allocations"]] == [20]
    assert note["RemainingCredit"] == 120 - 20 - 10
    assert [c["AppliedAmount"] for c in invoice["CreditNotes"]] == [20]
    assert "AmountPaid" not in note
    assert "DateString" not in invoice
    answered = {(m, t) for m, t, status in contract.operations if status == 200}
    assert sorted(_served() - answered) == []
