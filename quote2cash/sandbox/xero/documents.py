"""Invoices and credit notes: pricing, numbering, status changes and their journals.

On approval (``AUTHORISED``) Xero posts a journal: for a sales invoice, each line's net
amount to its account (credit), the tax to 820 VAT (credit) and the total to 610
Accounts Receivable (debit), converted to the base currency at the document's rate.
Voiding posts the reverse. Credit notes post the mirror image.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from quote2cash.sandbox.common.store import Doc
from quote2cash.sandbox.xero import contacts
from quote2cash.sandbox.xero.books import Books, dated, to_base
from quote2cash.sandbox.xero.envelope import XeroValidation
from quote2cash.sandbox.xero.invoice_math import PricedLine, net_of, price_line, totals


@dataclass(frozen=True)
class Kind:
    store: str
    id_key: str
    number_key: str
    prefix: str
    types: tuple[str, ...]


INVOICE = Kind("invoices", "InvoiceID", "InvoiceNumber", "INV-", ("ACCREC", "ACCPAY"))
CREDIT_NOTE = Kind(
    "creditnotes", "CreditNoteID", "CreditNoteNumber", "CN-", ("ACCRECCREDIT", "ACCPAYCREDIT")
)
NEXT_STATUSES = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "DRAFT", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
LINE_KEYS = ("Description", "ItemCode", "AccountCode", "TaxType", "DiscountRate", "DiscountAmount")
EDITABLE_WHEN_APPROVED = {"Reference", "DueDate", "SentToContact", "ExpectedPaymentDate"}


def _line(books: Books, raw: dict[str, Any], lat: str, unit_dp: int, problems: list[str]) -> Doc:
    item = books.store.get("items", str(raw.get("ItemCode"))) if raw.get("ItemCode") else None
    sales = (item or {}).get("SalesDetails") or {}
    line = {**{k: v for k, v in sales.items() if k != "UnitPrice"}, **raw}
    if item and "UnitAmount" not in raw and "UnitPrice" in sales:
        line["UnitAmount"] = sales["UnitPrice"]
    if item and not line.get("Description"):
        line["Description"] = item.get("Description") or item.get("Name")
    account = books.account_by_code(str(line["AccountCode"])) if line.get("AccountCode") else None
    if line.get("AccountCode") and account is None:
        problems.append(
            f"Account code '{line['AccountCode']}' is not a valid code for this document."
        )
    no_tax = books.config.org.no_tax
    tax_type = no_tax if lat == "NoTax" else line.get("TaxType") or (account or {}).get("TaxType")
    rate_doc = books.tax_rate(str(tax_type or no_tax))
    if rate_doc is None:
        problems.append(
            f"The TaxType code '{tax_type}' does not exist or cannot be used with this account."
        )
    try:
        priced = price_line(
            line,
            rate=(rate_doc or {}).get("EffectiveRate", Decimal(0)),
            line_amount_types=lat,
            unit_dp=unit_dp,
        )
    except ValueError as exc:
        problems.append(str(exc))
        priced = PricedLine(Decimal(0), Decimal(0), Decimal("0.00"), Decimal("0.00"), Decimal(0))
    out: Doc = {k: line[k] for k in LINE_KEYS if line.get(k) not in (None, "")}
    out.update(
        LineItemID=str(raw.get("LineItemID") or books.new_id()),
        Quantity=priced.quantity,
        UnitAmount=priced.unit_amount,
        LineAmount=priced.line_amount,
        TaxAmount=priced.tax_amount,
        TaxType=tax_type or no_tax,
        Tracking=raw.get("Tracking") or [],
    )
    if account is not None:
        out["AccountID"] = account["AccountID"]
    return out


def _priced(books: Books, doc: Doc, raw_lines: list[Any], unit_dp: int, element: Doc) -> None:
    lat = str(doc.get("LineAmountTypes") or "Exclusive")
    if lat not in ("Exclusive", "Inclusive", "NoTax"):
        raise XeroValidation([f"LineAmountTypes '{lat}' is not valid."], element)
    problems: list[str] = []
    lines = [
        _line(books, dict(r), lat, unit_dp, problems) for r in raw_lines if isinstance(r, dict)
    ]
    if doc["Status"] == "AUTHORISED":
        if not lines:
            problems.append("At least one line item is required to approve this document.")
        for line in lines:
            if line["LineAmount"] and not line.get("AccountCode"):
                problems.append("Account code '' is not a valid code for this document.")
    if problems:
        raise XeroValidation(sorted(set(problems)), element)
    sums = totals([_as_priced(line) for line in lines], lat)
    if sums.total < 0:
        raise XeroValidation(["The document total cannot be negative."], element)
    doc.update(
        LineAmountTypes=lat,
        LineItems=lines,
        SubTotal=sums.sub_total,
        TotalTax=sums.total_tax,
        Total=sums.total,
        TotalDiscount=sums.total_discount,
        IsDiscounted=bool(sums.total_discount),
    )


def _as_priced(line: Doc) -> PricedLine:
    return PricedLine(
        line["Quantity"], line["UnitAmount"], line["LineAmount"], line["TaxAmount"], Decimal(0)
    )


def _check_number(books: Books, kind: Kind, doc: Doc, element: Doc) -> None:
    number = doc.get(kind.number_key)
    if not number:
        doc[kind.number_key] = books.next_number(kind.prefix)
        return
    for other in books.store.all(kind.store):
        same = other[kind.id_key] != doc[kind.id_key] and other.get(kind.number_key) == number
        if same and other["Status"] != "DELETED":
            label = "Invoice" if kind is INVOICE else "Credit Note"
            raise XeroValidation([f"{label} # must be unique."], element)


def create(books: Books, kind: Kind, element: Doc, unit_dp: int) -> Doc:
    doc_type = element.get("Type")
    if doc_type not in kind.types:
        raise XeroValidation([f"Type must be one of {', '.join(kind.types)}."], element)
    status = str(element.get("Status") or "DRAFT")
    if status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
        raise XeroValidation([f"A document cannot be created with status {status}."], element)
    contact = contacts.resolve(books, element.get("Contact"), element)
    doc: Doc = {
        "Type": doc_type,
        kind.id_key: books.new_id(),
        "Status": status,
        "Contact": contacts.summary(contact),
        "Reference": element.get("Reference", ""),
        kind.number_key: element.get(kind.number_key),
        "LineAmountTypes": element.get("LineAmountTypes", "Exclusive"),
        "HasAttachments": False,
        "HasErrors": False,
        "SentToContact": False,
        "Payments": [],
        "AmountPaid": Decimal("0.00"),
        "AmountCredited": Decimal("0.00"),
    }
    _set_dates_and_currency(books, doc, element)
    _priced(books, doc, list(element.get("LineItems") or []), unit_dp, element)
    _check_number(books, kind, doc, element)
    _settle(doc, kind)
    books.stamp_string(doc)
    books.store.put(kind.store, doc[kind.id_key], doc)
    if status == "AUTHORISED":
        post(books, kind, doc, reverse=False)
    books.notify(_category(kind), "CREATE", doc[kind.id_key])
    return doc


def _set_dates_and_currency(books: Books, doc: Doc, element: Doc) -> None:
    issued = books.document_date(element.get("Date"))
    dated(doc, "Date", issued)
    dated(doc, "DueDate", books.due_date(element.get("DueDate"), issued))
    currency = str(element.get("CurrencyCode") or books.config.base_currency)
    if books.store.get("currencies", currency) is None:
        raise XeroValidation([f"The currency code '{currency}' is not enabled."], element)
    doc["CurrencyCode"] = currency
    doc["CurrencyRate"] = books.currency_rate(currency, element.get("CurrencyRate"))


def _settle(doc: Doc, kind: Kind) -> None:
    """AmountDue / RemainingCredit from the total, payments and allocations."""
    outstanding = doc["Total"] - doc["AmountPaid"] - doc["AmountCredited"]
    if kind is INVOICE:
        doc["AmountDue"] = outstanding
    else:
        doc["RemainingCredit"] = outstanding


def update(books: Books, kind: Kind, doc_id: str, element: Doc, unit_dp: int) -> Doc:
    doc = books.get(kind.store, doc_id)
    old, new = doc["Status"], str(element.get("Status") or doc["Status"])
    if new not in NEXT_STATUSES.get(old, {old}):
        raise XeroValidation([f"Document status cannot change from {old} to {new}."], element)
    changing = set(element) - {kind.id_key, "Status", "Type"}
    if old not in ("DRAFT", "SUBMITTED") and changing - EDITABLE_WHEN_APPROVED:
        raise XeroValidation(
            [
                "The emulator edits only Reference and DueDate of approved documents; "
                "void and re-create to change lines."
            ],
            element,
        )
    if new == "VOIDED" and (doc["AmountPaid"] or doc["AmountCredited"]):
        raise XeroValidation(
            [
                "This document cannot be voided because it has payments "
                "or credit notes allocated to it."
            ],
            element,
        )
    doc["Status"] = new
    if "Contact" in element:
        doc["Contact"] = contacts.summary(contacts.resolve(books, element["Contact"], element))
    for key in ("Reference", kind.number_key, "LineAmountTypes"):
        doc[key] = element.get(key, doc.get(key))
    if {"Date", "DueDate", "CurrencyCode", "CurrencyRate"} & changing:
        merged = {**_plain_dates(doc), **element}
        _set_dates_and_currency(books, doc, merged)
    raw_lines = element["LineItems"] if "LineItems" in element else doc["LineItems"]
    _priced(books, doc, list(raw_lines or []), unit_dp, element)
    _check_number(books, kind, doc, element)
    _settle(doc, kind)
    books.stamp_string(doc)
    books.store.put(kind.store, doc_id, doc)
    if new == "AUTHORISED" and old != "AUTHORISED":
        post(books, kind, doc, reverse=False)
    if new == "VOIDED" and old == "AUTHORISED":
        post(books, kind, doc, reverse=True)
    books.notify(_category(kind), "UPDATE", doc_id)
    return doc


def _plain_dates(doc: Doc) -> Doc:
    return {
        "Date": doc["DateString"][:10],
        "DueDate": doc["DueDateString"][:10],
        "CurrencyCode": doc["CurrencyCode"],
        "CurrencyRate": doc["CurrencyRate"],
    }


def _category(kind: Kind) -> str:
    return "INVOICE" if kind is INVOICE else "CREDITNOTE"


def post(books: Books, kind: Kind, doc: Doc, *, reverse: bool) -> None:
    """The journal of an approval (or, reversed, of a void)."""
    doc_type = doc["Type"]
    receivable = doc_type.startswith("ACCREC")
    sign = Decimal(1 if doc_type in ("ACCREC", "ACCPAYCREDIT") else -1) * (-1 if reverse else 1)
    rate, lat = doc["CurrencyRate"], doc["LineAmountTypes"]
    lines, net_total, tax_total = [], Decimal(0), Decimal(0)
    for line in doc["LineItems"]:
        net = to_base(net_of(_as_priced(line), lat), rate)
        tax = to_base(line["TaxAmount"], rate)
        net_total, tax_total = net_total + net, tax_total + tax
        lines.append(
            books.journal_line(
                str(line.get("AccountCode") or books.config.org.sales_code),
                -sign * net,
                tax=-sign * tax,
                description=str(line.get("Description", "")),
                tax_type=str(line["TaxType"]),
            )
        )
    lines.append(books.journal_line(books.system_code("GST"), -sign * tax_total))
    control = books.system_code("DEBTORS" if receivable else "CREDITORS")
    lines.insert(0, books.journal_line(control, sign * (net_total + tax_total)))
    books.post_journal(
        source_type=doc_type,
        source_id=doc[kind.id_key],
        on=books.document_date(doc["DateString"][:10]),
        reference=str(doc.get("Reference") or doc.get(kind.number_key) or ""),
        lines=lines,
    )


def summary(doc: Doc, kind: Kind) -> Doc:
    """The document as embedded in a payment or an allocation."""
    keys = (
        "Type",
        kind.id_key,
        kind.number_key,
        "Contact",
        "Status",
        "CurrencyCode",
        "CurrencyRate",
        "Total",
        "AmountDue",
        "RemainingCredit",
    )
    return {k: doc[k] for k in keys if k in doc}
