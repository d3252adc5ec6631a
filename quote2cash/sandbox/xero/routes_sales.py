"""Contacts, invoices, credit notes and payments under ``/api.xro/2.0``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from quote2cash.connectors.xero_dates import parse_datetime
from quote2cash.sandbox.common.store import Doc
from quote2cash.sandbox.xero import contacts, documents, payments, where
from quote2cash.sandbox.xero.documents import CREDIT_NOTE, INVOICE, Kind
from quote2cash.sandbox.xero.envelope import XeroNotFound
from quote2cash.sandbox.xero.state import Xero, unit_dp, write, xero

router = APIRouter(prefix="/api.xro/2.0")
State = Annotated[Xero, Depends(xero)]
PAGE_SIZE = 100
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _csv(request: Request, name: str) -> list[str]:
    return [
        v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",") if v.strip()
    ]


def _filtered(request: Request, docs: list[Doc], filters: dict[str, str]) -> list[Doc]:
    """``where``, the id/number/status lists, ``If-Modified-Since``, ``page`` (100 a page)."""
    since = request.headers.get("if-modified-since")
    if since:
        after = parse_datetime(since)
        docs = [
            d
            for d in docs
            if d.get("UpdatedDateUTC") and parse_datetime(d["UpdatedDateUTC"]) >= after
        ]
    if request.query_params.get("where"):
        keep = where.parse(request.query_params["where"])
        docs = [d for d in docs if keep(d)]
    for param, field in filters.items():
        wanted = {v.lower() for v in _csv(request, param)}
        if wanted:
            docs = [d for d in docs if str(_dig(d, field)).lower() in wanted]
    page = request.query_params.get("page")
    if page:
        start = (max(int(page), 1) - 1) * PAGE_SIZE
        docs = docs[start : start + PAGE_SIZE]
    return docs


def _dig(doc: Doc, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _one(state: Xero, kind: str, key: str, number_key: str, ident: str) -> Doc:
    if _UUID.match(ident):
        found = state.books.store.get(kind, ident.lower())
    else:
        found = next((d for d in state.books.store.all(kind) if d.get(number_key) == ident), None)
    if found is None:
        raise XeroNotFound(f"{kind}/{ident}")
    return found


@router.get("/Contacts")
async def list_contacts(request: Request, state: State) -> Response:
    found = _filtered(request, state.books.store.all("contacts"), {"IDs": "ContactID"})
    if request.query_params.get("includeArchived") != "true":
        found = [c for c in found if c["ContactStatus"] != "ARCHIVED"]
    return state.respond("Contacts", found)


@router.get("/Contacts/{ident}")
async def get_contact(ident: str, state: State) -> Response:
    return state.respond("Contacts", [_one(state, "contacts", "ContactID", "ContactNumber", ident)])


@router.put("/Contacts")
async def create_contacts(request: Request, state: State) -> Response:
    return await write(
        request,
        state,
        "Contacts",
        lambda i: contacts.create_contact(state.books, i),
    )


@router.post("/Contacts")
async def upsert_contacts(request: Request, state: State) -> Response:
    return await write(
        request,
        state,
        "Contacts",
        lambda i: contacts.upsert_contact(state.books, i),
    )


@router.post("/Contacts/{contact_id}")
async def update_contact(contact_id: str, request: Request, state: State) -> Response:
    return await write(
        request,
        state,
        "Contacts",
        lambda i: contacts.update_contact(state.books, contact_id.lower(), i),
        single=True,
    )


def _document_routes(kind: Kind, collection: str) -> None:
    filters = {"IDs": kind.id_key, "Statuses": "Status", "ContactIDs": "Contact.ContactID"}
    if kind is INVOICE:
        filters["InvoiceNumbers"] = "InvoiceNumber"

    async def list_documents(request: Request, state: State) -> Response:
        return state.respond(
            collection, _filtered(request, state.books.store.all(kind.store), filters)
        )

    async def get_document(ident: str, state: State) -> Response:
        return state.respond(
            collection, [_one(state, kind.store, kind.id_key, kind.number_key, ident)]
        )

    async def create_documents(request: Request, state: State) -> Response:
        dp = unit_dp(request)
        return await write(
            request,
            state,
            collection,
            lambda i: documents.create(state.books, kind, i, dp),
        )

    async def save_documents(request: Request, state: State) -> Response:
        dp = unit_dp(request)

        return await write(request, state, collection, lambda i: _save(state, kind, i, dp))

    async def update_document(ident: str, request: Request, state: State) -> Response:
        dp = unit_dp(request)
        doc_id = _one(state, kind.store, kind.id_key, kind.number_key, ident)[kind.id_key]
        return await write(
            request,
            state,
            collection,
            lambda i: documents.update(state.books, kind, doc_id, i, dp),
            single=True,
        )

    base = f"/{collection}"
    router.add_api_route(base, list_documents, methods=["GET"])
    router.add_api_route(base + "/{ident}", get_document, methods=["GET"])
    router.add_api_route(base, create_documents, methods=["PUT"])
    router.add_api_route(base, save_documents, methods=["POST"])
    router.add_api_route(base + "/{ident}", update_document, methods=["POST"])


def _save(state: Xero, kind: Kind, element: Doc, dp: int) -> Doc:
    """``POST``: update the document the element names (id or number), else create it."""
    ident = element.get(kind.id_key) or element.get(kind.number_key)
    if ident:
        try:
            existing = _one(state, kind.store, kind.id_key, kind.number_key, str(ident))
        except XeroNotFound:
            existing = None
        if existing is not None:
            return documents.update(state.books, kind, existing[kind.id_key], element, dp)
    return documents.create(state.books, kind, element, dp)


_document_routes(INVOICE, "Invoices")
_document_routes(CREDIT_NOTE, "CreditNotes")


@router.put("/CreditNotes/{ident}/Allocations")
async def allocate(ident: str, request: Request, state: State) -> Response:
    credit_id = _one(state, "creditnotes", "CreditNoteID", "CreditNoteNumber", ident)[
        "CreditNoteID"
    ]
    return await write(
        request,
        state,
        "Allocations",
        lambda i: payments.allocate_credit_note(state.books, credit_id, i),
    )


@router.get("/Payments")
async def list_payments(request: Request, state: State) -> Response:
    return state.respond("Payments", _filtered(request, state.books.store.all("payments"), {}))


@router.get("/Payments/{payment_id}")
async def get_payment(payment_id: str, state: State) -> Response:
    return state.respond("Payments", [state.books.get("payments", payment_id.lower())])


@router.put("/Payments")
@router.post("/Payments")
async def create_payments(request: Request, state: State) -> Response:
    return await write(
        request,
        state,
        "Payments",
        lambda i: payments.create_payment(state.books, i),
    )


@router.post("/Payments/{payment_id}")
async def delete_payment(payment_id: str, request: Request, state: State) -> Response:
    return await write(
        request,
        state,
        "Payments",
        lambda i: payments.delete_payment(state.books, payment_id.lower(), i),
        single=True,
    )
