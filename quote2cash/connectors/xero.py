"""Typed async client of Xero's Accounting API (``/api.xro/2.0``).

Works unchanged against https://api.xero.com and the sandbox emulator. ``base_url`` is
the host (``https://api.xero.com``); ``/api.xro/2.0`` is added unless already there.
Every request carries ``Authorization: Bearer`` (from ``AccessTokens``; a 401 makes the
client ask for a token once more and retry once) and ``xero-tenant-id``; every write
carries the caller's ``Idempotency-Key`` (a business key, so that a retried activity
replays the first answer instead of creating a second invoice).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from quote2cash.connectors import transport
from quote2cash.connectors.auth import AccessTokens, StaticToken
from quote2cash.connectors.errors import Unauthorized, Unavailable
from quote2cash.connectors.ratelimit import RateLimiter
from quote2cash.connectors.xero_models import (
    XeroAccount,
    XeroAccountIn,
    XeroAllocation,
    XeroAllocationIn,
    XeroContact,
    XeroContactIn,
    XeroCreditNote,
    XeroCreditNoteIn,
    XeroCurrency,
    XeroInvoice,
    XeroInvoiceIn,
    XeroJournal,
    XeroManualJournal,
    XeroManualJournalIn,
    XeroModel,
    XeroPayment,
    XeroPaymentIn,
    XeroTaxRate,
)

__all__ = [
    "XeroAccount",
    "XeroAccountIn",
    "XeroAllocation",
    "XeroAllocationIn",
    "XeroClient",
    "XeroContact",
    "XeroContactIn",
    "XeroCreditNote",
    "XeroCreditNoteIn",
    "XeroCurrency",
    "XeroInvoice",
    "XeroInvoiceIn",
    "XeroJournal",
    "XeroManualJournal",
    "XeroManualJournalIn",
    "XeroPayment",
    "XeroPaymentIn",
    "XeroTaxRate",
    "where_equals",
    "where_starts_with",
    "xero_messages",
]

VENDOR = "xero"
API_PATH = "/api.xro/2.0"


def xero_messages(body: Any) -> list[str]:
    """``Elements[].ValidationErrors[].Message`` first, then ``Message`` / ``Detail``."""
    if not isinstance(body, dict):
        return []
    messages: list[str] = []
    for element in body.get("Elements") or []:
        for error in (element or {}).get("ValidationErrors") or []:
            if error.get("Message"):
                messages.append(str(error["Message"]))
    for key in ("Message", "Detail", "Title"):
        if not messages and body.get(key):
            messages.append(str(body[key]))
    return messages


def where_equals(field: str, value: str) -> str:
    """A Xero ``where`` clause ``Field=="value"``; quotes would end the string early."""
    if '"' in value or "\\" in value:
        raise ValueError(f"{field} value cannot contain quotes or backslashes: {value!r}")
    return f'{field}=="{value}"'


def where_starts_with(field: str, prefix: str) -> str:
    """A Xero ``where`` clause ``Field.StartsWith("prefix")``."""
    if '"' in prefix or "\\" in prefix:
        raise ValueError(f"{field} prefix cannot contain quotes or backslashes: {prefix!r}")
    return f'{field}.StartsWith("{prefix}")'


class XeroClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        tenant_id: str,
        token: str | AccessTokens,
        limiter: RateLimiter | None = None,
    ) -> None:
        """``token``: a fixed bearer (tests) or the connection's ``AccessTokens``;
        ``limiter``: the tenant's, shared by every client of that tenant in the process."""
        base = base_url.rstrip("/")
        self._base = base if base.endswith(API_PATH) else base + API_PATH
        self._http = http
        self._limiter = limiter
        self._tokens = StaticToken(token) if isinstance(token, str) else token
        self._retry_rejected = getattr(self._tokens, "retry_on_rejection", True)
        self.tenant_id = tenant_id

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: transport.Params | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        token = await self._tokens.access_token()
        # A stored connection names its tenant once its row has been read.
        tenant = getattr(self._tokens, "tenant_id", "") or self.tenant_id
        headers = {"xero-tenant-id": tenant}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        try:
            answer = await self._send(method, path, token, headers, params, body)
        except Unauthorized as refused:
            if refused.status != 401 or not self._retry_rejected:
                raise
            # Expired early, revoked, or refreshed by another process: once more with the
            # token the connection gives now (an idempotent write replays, never repeats).
            await self._tokens.rejected(token)
            token = await self._tokens.access_token()
            answer = await self._send(method, path, token, headers, params, body)
        if not isinstance(answer, dict):
            raise Unavailable(VENDOR, f"expected a JSON object from {method} {path}")
        return answer

    async def _send(
        self,
        method: str,
        path: str,
        token: str,
        headers: dict[str, str],
        params: transport.Params | None,
        body: Any,
    ) -> Any:
        return await transport.send(
            self._http,
            method,
            self._base + path,
            vendor=VENDOR,
            messages_of=xero_messages,
            headers={**headers, "Authorization": f"Bearer {token}"},
            params=params,
            json_body=body,
            limiter=self._limiter,
        )

    async def _write_one(
        self, method: str, path: str, collection: str, item: XeroModel, key: str
    ) -> dict[str, Any]:
        answer = await self._call(
            method, path, body={collection: [item.to_xero()]}, idempotency_key=key
        )
        return _first(answer, collection)

    async def find_contact(self, *, contact_number: str) -> XeroContact | None:
        answer = await self._call(
            "GET", "/Contacts", params={"where": where_equals("ContactNumber", contact_number)}
        )
        found = answer.get("Contacts") or []
        return XeroContact.model_validate(found[0]) if found else None

    async def get_contact(self, contact_id: str) -> XeroContact:
        answer = await self._call("GET", f"/Contacts/{contact_id}")
        return XeroContact.model_validate(_first(answer, "Contacts"))

    async def create_contact(self, contact: XeroContactIn, *, idempotency_key: str) -> XeroContact:
        created = await self._write_one("PUT", "/Contacts", "Contacts", contact, idempotency_key)
        return XeroContact.model_validate(created)

    async def find_invoice(self, *, invoice_number: str) -> XeroInvoice | None:
        answer = await self._call("GET", "/Invoices", params={"InvoiceNumbers": invoice_number})
        found = answer.get("Invoices") or []
        return XeroInvoice.model_validate(found[0]) if found else None

    async def get_invoice(self, invoice_id: str) -> XeroInvoice:
        answer = await self._call("GET", f"/Invoices/{invoice_id}")
        return XeroInvoice.model_validate(_first(answer, "Invoices"))

    async def create_invoice(self, invoice: XeroInvoiceIn, *, idempotency_key: str) -> XeroInvoice:
        created = await self._write_one("PUT", "/Invoices", "Invoices", invoice, idempotency_key)
        return XeroInvoice.model_validate(created)

    async def set_invoice_status(
        self, invoice_id: str, status: str, *, idempotency_key: str
    ) -> XeroInvoice:
        """Approve (``AUTHORISED``), void (``VOIDED``) or delete a draft (``DELETED``)."""
        answer = await self._call(
            "POST",
            f"/Invoices/{invoice_id}",
            body={"Invoices": [{"InvoiceID": invoice_id, "Status": status}]},
            idempotency_key=idempotency_key,
        )
        return XeroInvoice.model_validate(_first(answer, "Invoices"))

    async def create_payment(self, payment: XeroPaymentIn, *, idempotency_key: str) -> XeroPayment:
        created = await self._write_one("PUT", "/Payments", "Payments", payment, idempotency_key)
        return XeroPayment.model_validate(created)

    async def delete_payment(self, payment_id: str, *, idempotency_key: str) -> XeroPayment:
        """Xero's way to undo a payment: its status becomes ``DELETED``."""
        # The spec's schema (PaymentDelete) is a bare object; its example wraps it in
        # "Payments". The schema is the contract we test against.
        answer = await self._call(
            "POST",
            f"/Payments/{payment_id}",
            body={"Status": "DELETED"},
            idempotency_key=idempotency_key,
        )
        return XeroPayment.model_validate(_first(answer, "Payments"))

    async def create_credit_note(
        self, credit_note: XeroCreditNoteIn, *, idempotency_key: str
    ) -> XeroCreditNote:
        created = await self._write_one(
            "PUT", "/CreditNotes", "CreditNotes", credit_note, idempotency_key
        )
        return XeroCreditNote.model_validate(created)

    async def list_credit_notes(self, *, where: str) -> list[XeroCreditNote]:
        answer = await self._call("GET", "/CreditNotes", params={"where": where})
        return [XeroCreditNote.model_validate(c) for c in answer.get("CreditNotes") or []]

    async def allocate_credit_note(
        self, credit_note_id: str, allocation: XeroAllocationIn, *, idempotency_key: str
    ) -> XeroAllocation:
        created = await self._write_one(
            "PUT",
            f"/CreditNotes/{credit_note_id}/Allocations",
            "Allocations",
            allocation,
            idempotency_key,
        )
        return XeroAllocation.model_validate(created)

    async def get_payment(self, payment_id: str) -> XeroPayment:
        answer = await self._call("GET", f"/Payments/{payment_id}")
        return XeroPayment.model_validate(_first(answer, "Payments"))

    async def list_journals(self, *, offset: int = 0) -> list[XeroJournal]:
        """Up to 100 journals with ``JournalNumber > offset``, oldest first."""
        answer = await self._call("GET", "/Journals", params={"offset": offset})
        return [XeroJournal.model_validate(j) for j in answer.get("Journals") or []]

    async def create_manual_journal(
        self, journal: XeroManualJournalIn, *, idempotency_key: str
    ) -> XeroManualJournal:
        created = await self._write_one(
            "PUT", "/ManualJournals", "ManualJournals", journal, idempotency_key
        )
        return XeroManualJournal.model_validate(created)

    async def find_account(self, *, code: str) -> XeroAccount | None:
        answer = await self._call("GET", "/Accounts", params={"where": where_equals("Code", code)})
        found = answer.get("Accounts") or []
        return XeroAccount.model_validate(found[0]) if found else None

    async def list_accounts(self) -> list[XeroAccount]:
        """The whole chart, archived accounts included."""
        answer = await self._call("GET", "/Accounts")
        return [XeroAccount.model_validate(a) for a in answer.get("Accounts") or []]

    async def list_tax_rates(self) -> list[XeroTaxRate]:
        answer = await self._call("GET", "/TaxRates")
        return [XeroTaxRate.model_validate(t) for t in answer.get("TaxRates") or []]

    async def list_currencies(self) -> list[XeroCurrency]:
        answer = await self._call("GET", "/Currencies")
        return [XeroCurrency.model_validate(c) for c in answer.get("Currencies") or []]

    async def create_account(self, account: XeroAccountIn, *, idempotency_key: str) -> XeroAccount:
        """Xero takes one account per request, as a bare object."""
        answer = await self._call(
            "PUT", "/Accounts", body=account.to_xero(), idempotency_key=idempotency_key
        )
        return XeroAccount.model_validate(_first(answer, "Accounts"))

    async def invoices_page(self, page: int) -> list[XeroInvoice]:
        """Page ``page`` (from 1) of every invoice, 100 a page; short or empty at the end."""
        answer = await self._call("GET", "/Invoices", params={"page": page})
        return [XeroInvoice.model_validate(i) for i in answer.get("Invoices") or []]

    async def credit_notes_page(self, page: int) -> list[XeroCreditNote]:
        """Page ``page`` (from 1) of every credit note, 100 a page."""
        answer = await self._call("GET", "/CreditNotes", params={"page": page})
        return [XeroCreditNote.model_validate(c) for c in answer.get("CreditNotes") or []]

    async def list_invoices(self, *, invoice_numbers: Sequence[str]) -> list[XeroInvoice]:
        answer = await self._call(
            "GET", "/Invoices", params={"InvoiceNumbers": ",".join(invoice_numbers)}
        )
        return [XeroInvoice.model_validate(i) for i in answer.get("Invoices") or []]


def _first(answer: dict[str, Any], collection: str) -> dict[str, Any]:
    items = answer.get(collection)
    if not items or not isinstance(items[0], dict):
        raise Unavailable(VENDOR, f"response has no {collection}")
    first: dict[str, Any] = items[0]
    return first
