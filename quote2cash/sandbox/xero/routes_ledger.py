"""Journals, manual journals, and the organisation's settings (chart of accounts, tax
rates, currencies, items) under ``/api.xro/2.0``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from quote2cash.sandbox.common.store import Doc
from quote2cash.sandbox.xero import ledger, where
from quote2cash.sandbox.xero.accounts import create_account
from quote2cash.sandbox.xero.envelope import XeroNotFound, XeroValidation
from quote2cash.sandbox.xero.invoice_math import number
from quote2cash.sandbox.xero.state import Xero, write, xero

router = APIRouter(prefix="/api.xro/2.0")
State = Annotated[Xero, Depends(xero)]
JOURNAL_PAGE = 100


def _where(request: Request, docs: list[Doc]) -> list[Doc]:
    text = request.query_params.get("where")
    if not text:
        return docs
    keep = where.parse(text)
    return [d for d in docs if keep(d)]


@router.get("/Journals")
async def list_journals(request: Request, state: State) -> Response:
    """Journals with ``JournalNumber > offset``, 100 at most, oldest first."""
    offset = int(request.query_params.get("offset") or 0)
    found = sorted(state.books.store.all("journals"), key=lambda j: int(j["JournalNumber"]))
    found = [j for j in found if j["JournalNumber"] > offset]
    if request.query_params.get("paymentsOnly") == "true":
        found = [j for j in found if str(j["SourceType"]).endswith("PAYMENT")]
    return state.respond("Journals", found[:JOURNAL_PAGE])


@router.get("/Journals/{ident}")
async def get_journal(ident: str, state: State) -> Response:
    for journal in state.books.store.all("journals"):
        if ident.lower() == journal["JournalID"] or ident == str(journal["JournalNumber"]):
            return state.respond("Journals", [journal])
    raise XeroNotFound(ident)


@router.get("/ManualJournals")
async def list_manual_journals(request: Request, state: State) -> Response:
    return state.respond("ManualJournals", _where(request, state.books.store.all("manualjournals")))


@router.get("/ManualJournals/{journal_id}")
async def get_manual_journal(journal_id: str, state: State) -> Response:
    return state.respond("ManualJournals", [state.books.get("manualjournals", journal_id.lower())])


@router.put("/ManualJournals")
@router.post("/ManualJournals")
async def create_manual_journals(request: Request, state: State) -> Response:
    return await write(
        request,
        state,
        "ManualJournals",
        lambda i: ledger.create_manual_journal(state.books, i),
    )


@router.get("/Accounts")
async def list_accounts(request: Request, state: State) -> Response:
    return state.respond("Accounts", _where(request, state.books.store.all("accounts")))


@router.put("/Accounts")
async def add_account(request: Request, state: State) -> Response:
    """One account per request, as Xero processes only the first it is sent."""
    return await write(
        request, state, "Accounts", lambda i: create_account(state.books, i), single=True
    )


@router.get("/Accounts/{account_id}")
async def get_account(account_id: str, state: State) -> Response:
    return state.respond("Accounts", [state.books.get("accounts", account_id.lower())])


@router.get("/TaxRates")
async def list_tax_rates(request: Request, state: State) -> Response:
    found = _where(request, state.books.store.all("taxrates"))
    wanted = request.query_params.get("TaxType")
    if wanted:
        found = [r for r in found if r["TaxType"] == wanted]
    return state.respond("TaxRates", found)


@router.get("/Currencies")
async def list_currencies(request: Request, state: State) -> Response:
    return state.respond("Currencies", _where(request, state.books.store.all("currencies")))


@router.put("/Currencies")
async def add_currency(request: Request, state: State) -> Response:
    def run(item: Doc) -> Doc:
        code = str(item.get("Code") or "")
        if len(code) != 3:
            raise XeroValidation(["Code must be an ISO 4217 currency code."], item)
        currency = {"Code": code, "Description": item.get("Description", code)}
        state.books.store.put("currencies", code, currency)
        return currency

    return await write(request, state, "Currencies", run)


@router.get("/Items")
async def list_items(request: Request, state: State) -> Response:
    return state.respond("Items", _where(request, state.books.store.all("items")))


@router.get("/Items/{ident}")
async def get_item(ident: str, state: State) -> Response:
    for item in state.books.store.all("items"):
        if ident in (item["Code"], item["ItemID"]):
            return state.respond("Items", [item])
    raise XeroNotFound(ident)


@router.put("/Items")
@router.post("/Items")
async def save_items(request: Request, state: State) -> Response:
    return await write(request, state, "Items", lambda i: _save_item(state, i))


def _save_item(state: Xero, element: Doc) -> Doc:
    code = str(element.get("Code") or "")
    if not code or len(code) > 30:
        raise XeroValidation(["Item code must be 1 to 30 characters."], element)
    existing = state.books.store.get("items", code) or {}
    item: Doc = {
        "ItemID": existing.get("ItemID") or state.books.new_id(),
        "Code": code,
        "IsSold": True,
        "IsPurchased": False,
        "IsTrackedAsInventory": False,
        **{k: v for k, v in existing.items() if k not in ("UpdatedDateUTC",)},
    }
    for key in ("Name", "Description", "IsSold", "IsPurchased"):
        if key in element:
            item[key] = element[key]
    if isinstance(element.get("SalesDetails"), dict):
        item["SalesDetails"] = _sales_details(element["SalesDetails"], element)
    item.setdefault("Name", code)
    state.books.stamp(item)
    # Items are keyed by code: a line's ItemCode finds its item without a scan.
    state.books.store.put("items", code, item)
    return item


def _sales_details(details: Doc, element: Doc) -> Doc:
    """Prices are numbers in Xero's JSON whatever the request sent."""
    try:
        price = number(details, "UnitPrice")
    except ValueError as exc:
        raise XeroValidation([str(exc)], element) from None
    return {**details, **({"UnitPrice": price} if price is not None else {})}


@router.get("/Organisation")
async def organisation(state: State) -> Response:
    config = state.config
    org = {
        "OrganisationID": config.tenant_id,
        "Name": config.organisation_name,
        "LegalName": config.organisation_name,
        "BaseCurrency": config.base_currency,
        "CountryCode": config.org.country,
        "IsDemoCompany": True,
        "OrganisationStatus": "ACTIVE",
        "OrganisationType": "COMPANY",
        "Version": config.org.version,
        "PaysTax": True,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
    }
    return state.respond("Organisations", [org])
