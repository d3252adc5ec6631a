"""Payments against invoices and credit notes, and credit notes allocated to invoices.

A payment may be partial; one larger than what is still due is refused. The invoice
becomes ``PAID`` when nothing is due. Xero posts a payment journal: the bank account is
debited at the payment's rate, 610 credited at the invoice's rate, and any difference is
a realised currency gain or loss on 498. A payment against a sales credit note
(``ARCREDITPAYMENT``) is cash refunded to the customer: the mirror image, 610 debited and
the bank credited; the credit note becomes ``PAID`` when no credit remains. Allocating a
credit note moves no money, so it posts no journal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from quote2cash.sandbox.common.store import Doc
from quote2cash.sandbox.xero import documents
from quote2cash.sandbox.xero.books import Books, dated, to_base
from quote2cash.sandbox.xero.documents import CREDIT_NOTE, INVOICE
from quote2cash.sandbox.xero.envelope import XeroValidation
from quote2cash.sandbox.xero.invoice_math import money, number


def _invoice_of(books: Books, ref: Any, element: Doc) -> Doc:
    if not isinstance(ref, dict):
        raise XeroValidation(["An Invoice must be specified for this payment."], element)
    found = None
    if ref.get("InvoiceID"):
        found = books.store.get("invoices", str(ref["InvoiceID"]).lower())
    elif ref.get("InvoiceNumber"):
        found = next(
            (
                i
                for i in books.store.all("invoices")
                if i.get("InvoiceNumber") == ref["InvoiceNumber"]
            ),
            None,
        )
    if found is None:
        raise XeroValidation(["Invoice could not be found."], element)
    return found


def _bank_account_of(books: Books, ref: Any, element: Doc) -> Doc:
    account = None
    if isinstance(ref, dict) and ref.get("AccountID"):
        account = books.account_by_id(str(ref["AccountID"]).lower())
    elif isinstance(ref, dict) and ref.get("Code"):
        account = books.account_by_code(str(ref["Code"]))
    if account is None:
        raise XeroValidation(["Account could not be found."], element)
    if account["Type"] != "BANK" and not account.get("EnablePaymentsToAccount"):
        raise XeroValidation(
            [f"Account {account['Code']} is not a bank account and does not accept payments."],
            element,
        )
    return account


def _amount(element: Doc, name: str = "Amount") -> Decimal:
    try:
        amount = number(element, name)
    except ValueError as exc:
        raise XeroValidation([str(exc)], element) from None
    if amount is None or amount <= 0:
        raise XeroValidation([f"{name} must be greater than zero."], element)
    return money(amount)


def _credit_note_of(books: Books, element: Doc) -> Doc | None:
    """The credit note a payment names (``CreditNote`` or ``CreditNoteNumber``), if any."""
    ref = element.get("CreditNote")
    number = element.get("CreditNoteNumber")
    if ref is None and not number:
        return None
    ref = ref if isinstance(ref, dict) else {}
    found = None
    if ref.get("CreditNoteID"):
        found = books.store.get("creditnotes", str(ref["CreditNoteID"]).lower())
    elif ref.get("CreditNoteNumber") or number:
        wanted = ref.get("CreditNoteNumber") or number
        notes = books.store.all("creditnotes")
        found = next((c for c in notes if c.get("CreditNoteNumber") == wanted), None)
    if found is None:
        raise XeroValidation(["Credit note could not be found."], element)
    return found


def create_payment(books: Books, element: Doc) -> Doc:
    if element.get("Invoice") is None:
        credit = _credit_note_of(books, element)
        if credit is not None:
            return _refund_credit_note(books, credit, element)
    invoice = _invoice_of(books, element.get("Invoice"), element)
    account = _bank_account_of(books, element.get("Account"), element)
    amount = _payable(invoice, "invoices", "AmountDue", element)
    on = books.document_date(element.get("Date"))
    payment = _new_payment(books, element, amount, _rate(books, invoice, element), account)
    payment["PaymentType"] = "ACCRECPAYMENT" if invoice["Type"] == "ACCREC" else "ACCPAYPAYMENT"
    dated(payment, "Date", on)
    books.stamp_string(payment)
    _apply(books, invoice, amount, on, {"Payments": _payment_ref(payment)})
    payment["Invoice"] = documents.summary(invoice, INVOICE)
    books.store.put("payments", payment["PaymentID"], payment)
    _post_payment(books, invoice, payment, account)
    return payment


def _payable(document: Doc, kind: str, outstanding: str, element: Doc) -> Decimal:
    """The payment's amount, once Xero's checks against the document it pays pass."""
    amount = _amount(element)
    if document["Status"] != "AUTHORISED":
        raise XeroValidation(
            [
                f"Payments can only be made against AUTHORISED {kind} (this one is "
                f"{document['Status']})."
            ],
            element,
        )
    if amount > document[outstanding]:
        raise XeroValidation(
            ["Payment amount exceeds the amount outstanding on this document."], element
        )
    return amount


def _rate(books: Books, document: Doc, element: Doc) -> Decimal:
    return books.currency_rate(
        document["CurrencyCode"], element.get("CurrencyRate") or document["CurrencyRate"]
    )


def _refund_credit_note(books: Books, credit: Doc, element: Doc) -> Doc:
    """Cash paid out against a credit note: its remaining credit goes down by the amount."""
    account = _bank_account_of(books, element.get("Account"), element)
    amount = _payable(credit, "credit notes", "RemainingCredit", element)
    on = books.document_date(element.get("Date"))
    payment = _new_payment(books, element, amount, _rate(books, credit, element), account)
    payment["PaymentType"] = (
        "ARCREDITPAYMENT" if credit["Type"] == "ACCRECCREDIT" else "APCREDITPAYMENT"
    )
    dated(payment, "Date", on)
    books.stamp_string(payment)
    credit["AmountPaid"] = credit["AmountPaid"] + amount
    credit["Payments"] = [*credit.get("Payments", []), _payment_ref(payment)]
    _settle_credit(books, credit)
    payment["CreditNote"] = documents.summary(credit, CREDIT_NOTE)
    books.store.put("payments", payment["PaymentID"], payment)
    _post_payment(books, credit, payment, account)
    return payment


def _settle_credit(books: Books, credit: Doc) -> None:
    """RemainingCredit from payments and allocations; PAID when none remains."""
    credit["RemainingCredit"] = credit["Total"] - credit["AmountPaid"] - credit["AmountCredited"]
    if credit["Status"] in ("AUTHORISED", "PAID"):
        credit["Status"] = "PAID" if credit["RemainingCredit"] == 0 else "AUTHORISED"
    books.stamp_string(credit)
    books.store.put("creditnotes", credit["CreditNoteID"], credit)
    books.notify("CREDITNOTE", "UPDATE", credit["CreditNoteID"])


def _new_payment(books: Books, element: Doc, amount: Decimal, rate: Any, account: Doc) -> Doc:
    return {
        "PaymentID": books.new_id(),
        "Amount": amount,
        "BankAmount": amount,
        "CurrencyRate": rate,
        "Reference": element.get("Reference", ""),
        "Status": "AUTHORISED",
        "IsReconciled": False,
        "HasAccount": True,
        "HasValidationErrors": False,
        "Account": {
            "AccountID": account["AccountID"],
            "Code": account["Code"],
            "Name": account["Name"],
        },
    }


def _payment_ref(payment: Doc) -> Doc:
    keys = (
        "PaymentID",
        "Date",
        "Amount",
        "Reference",
        "CurrencyRate",
        "HasAccount",
        "HasValidationErrors",
    )
    return {k: payment[k] for k in keys if k in payment}


def _apply(books: Books, invoice: Doc, amount: Decimal, on: Any, ref: Doc) -> None:
    """Reduce what the invoice still owes; ``ref`` is {"Payments"|"CreditNotes": entry}."""
    ((field, entry),) = ref.items()
    if field == "Payments":
        invoice["AmountPaid"] = invoice["AmountPaid"] + amount
    else:
        invoice["AmountCredited"] = invoice["AmountCredited"] + amount
    invoice.setdefault(field, []).append(entry)
    invoice["AmountDue"] = invoice["Total"] - invoice["AmountPaid"] - invoice["AmountCredited"]
    if invoice["AmountDue"] == 0:
        invoice["Status"] = "PAID"
        dated(invoice, "FullyPaidOnDate", on)
    books.stamp_string(invoice)
    books.store.put("invoices", invoice["InvoiceID"], invoice)
    books.notify("INVOICE", "UPDATE", invoice["InvoiceID"])


def _post_payment(books: Books, document: Doc, payment: Doc, account: Doc) -> None:
    """Money in (sales invoice, purchase credit note) debits the bank; money out credits it."""
    doc_type = document["Type"]
    sign = Decimal(1 if doc_type in ("ACCREC", "ACCPAYCREDIT") else -1)
    bank = to_base(payment["Amount"], payment["CurrencyRate"])
    control = to_base(payment["Amount"], document["CurrencyRate"])
    lines = [
        books.journal_line(account["Code"], sign * bank),
        books.journal_line(
            books.system_code("DEBTORS" if doc_type.startswith("ACCREC") else "CREDITORS"),
            -sign * control,
        ),
        books.journal_line(books.system_code("REALISEDCURRENCYGAIN"), sign * (control - bank)),
    ]
    books.post_journal(
        source_type=payment["PaymentType"],
        source_id=payment["PaymentID"],
        on=books.document_date(payment["DateString"][:10]),
        reference=str(payment.get("Reference") or ""),
        lines=lines,
    )


def delete_payment(books: Books, payment_id: str, element: Doc) -> Doc:
    """``POST /Payments/{id}`` with ``Status: DELETED``: undo it and reverse its journal."""
    payment = books.get("payments", payment_id)
    if str(element.get("Status")) != "DELETED":
        raise XeroValidation(["A payment can only be updated to Status DELETED."], element)
    if payment["Status"] == "DELETED":
        return payment
    if "CreditNote" in payment:
        _unpay_credit_note(books, payment)
    else:
        _unpay_invoice(books, payment)
    payment["Status"] = "DELETED"
    books.stamp_string(payment)
    books.store.put("payments", payment_id, payment)
    posted = next(j for j in books.store.all("journals") if j["SourceID"] == payment_id)
    reversed_lines = [
        books.journal_line(str(line["AccountCode"]), -line["NetAmount"])
        for line in posted["JournalLines"]
    ]
    books.post_journal(
        source_type=posted["SourceType"],
        source_id=payment_id,
        on=books.now().date(),
        reference="Payment deleted",
        lines=reversed_lines,
    )
    return payment


def _unpay_invoice(books: Books, payment: Doc) -> None:
    invoice = books.get("invoices", payment["Invoice"]["InvoiceID"])
    invoice["AmountPaid"] = invoice["AmountPaid"] - payment["Amount"]
    invoice["AmountDue"] = invoice["Total"] - invoice["AmountPaid"] - invoice["AmountCredited"]
    invoice["Payments"] = [p for p in invoice["Payments"] if p["PaymentID"] != payment["PaymentID"]]
    if invoice["Status"] == "PAID":
        invoice["Status"] = "AUTHORISED"
        invoice.pop("FullyPaidOnDate", None)
        invoice.pop("FullyPaidOnDateString", None)
    books.stamp_string(invoice)
    books.store.put("invoices", invoice["InvoiceID"], invoice)
    books.notify("INVOICE", "UPDATE", invoice["InvoiceID"])


def _unpay_credit_note(books: Books, payment: Doc) -> None:
    credit = books.get("creditnotes", payment["CreditNote"]["CreditNoteID"])
    credit["AmountPaid"] = credit["AmountPaid"] - payment["Amount"]
    credit["Payments"] = [p for p in credit["Payments"] if p["PaymentID"] != payment["PaymentID"]]
    _settle_credit(books, credit)


def allocate_credit_note(books: Books, credit_note_id: str, element: Doc) -> Doc:
    credit = books.get("creditnotes", credit_note_id)
    invoice = _invoice_of(books, element.get("Invoice"), element)
    amount = _amount(element)
    if credit["Status"] != "AUTHORISED" or invoice["Status"] != "AUTHORISED":
        raise XeroValidation(["Both the credit note and the invoice must be AUTHORISED."], element)
    if invoice["Contact"]["ContactID"] != credit["Contact"]["ContactID"]:
        raise XeroValidation(
            ["The credit note and the invoice belong to different contacts."], element
        )
    if amount > credit["RemainingCredit"] or amount > invoice["AmountDue"]:
        raise XeroValidation(
            ["The amount allocated exceeds the remaining credit or the amount due."], element
        )
    on = books.document_date(element.get("Date"))
    allocation: Doc = {"AllocationID": books.new_id(), "Amount": amount, "IsDeleted": False}
    dated(allocation, "Date", on)
    credit_ref = {k: credit[k] for k in ("CreditNoteID", "CreditNoteNumber") if k in credit}
    _apply(books, invoice, amount, on, {"CreditNotes": {**credit_ref, "AppliedAmount": amount}})
    credit["AmountCredited"] = credit["AmountCredited"] + amount
    credit["RemainingCredit"] = credit["Total"] - credit["AmountPaid"] - credit["AmountCredited"]
    credit.setdefault("Allocations", []).append(
        {**allocation, "Invoice": documents.summary(invoice, INVOICE)}
    )
    if credit["RemainingCredit"] == 0:
        credit["Status"] = "PAID"
    books.stamp_string(credit)
    books.store.put("creditnotes", credit_note_id, credit)
    books.notify("CREDITNOTE", "UPDATE", credit_note_id)
    return {
        **allocation,
        "Invoice": documents.summary(invoice, INVOICE),
        "CreditNote": documents.summary(credit, CREDIT_NOTE),
    }
