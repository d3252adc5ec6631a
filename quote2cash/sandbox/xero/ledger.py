"""Manual journals: balanced or refused; posted ones appear in ``/Journals`` as MANJOURNAL."""

from __future__ import annotations

from decimal import Decimal

from quote2cash.sandbox.common.store import Doc
from quote2cash.sandbox.xero.books import Books, dated
from quote2cash.sandbox.xero.envelope import XeroValidation
from quote2cash.sandbox.xero.invoice_math import money, number


def _lines(books: Books, element: Doc) -> list[Doc]:
    raw = element.get("JournalLines") or []
    problems: list[str] = []
    lines: list[Doc] = []
    for item in raw if isinstance(raw, list) else []:
        try:
            amount = number(item, "LineAmount")
        except ValueError as exc:
            problems.append(str(exc))
            continue
        code = str(item.get("AccountCode") or "")
        account = books.account_by_code(code)
        if account is None:
            problems.append(f"Account code '{code}' is not a valid code for this document.")
            continue
        line: Doc = {
            "LineAmount": money(amount or Decimal(0)),
            "AccountCode": code,
            "AccountID": account["AccountID"],
            "Description": item.get("Description", ""),
            "TaxType": item.get("TaxType", books.config.org.no_tax),
            "TaxAmount": Decimal("0.00"),
            "IsBlank": False,
            "Tracking": [],
        }
        lines.append(line)
    if len(lines) < 2 and not problems:
        problems.append("A manual journal must have at least two lines.")
    if problems:
        raise XeroValidation(problems, element)
    debits = sum((line["LineAmount"] for line in lines if line["LineAmount"] > 0), Decimal(0))
    credits = -sum((line["LineAmount"] for line in lines if line["LineAmount"] < 0), Decimal(0))
    if debits != credits:
        raise XeroValidation(
            [f"The total debits ({debits:.2f}) must equal total credits ({credits:.2f})."],
            element,
        )
    return lines


def create_manual_journal(books: Books, element: Doc) -> Doc:
    narration = str(element.get("Narration") or "").strip()
    if not narration:
        raise XeroValidation(["Narration must be specified."], element)
    status = str(element.get("Status") or "DRAFT")
    if status not in ("DRAFT", "POSTED"):
        raise XeroValidation([f"A manual journal cannot be created as {status}."], element)
    lines = _lines(books, element)
    journal: Doc = {
        "ManualJournalID": books.new_id(),
        "Narration": narration,
        "Status": status,
        "LineAmountTypes": element.get("LineAmountTypes", "NoTax"),
        "JournalLines": lines,
        "ShowOnCashBasisReports": element.get("ShowOnCashBasisReports", True),
        "HasAttachments": False,
        "Url": element.get("Url", ""),
    }
    on = books.document_date(element.get("Date"))
    dated(journal, "Date", on)
    books.stamp(journal)
    books.store.put("manualjournals", journal["ManualJournalID"], journal)
    if status == "POSTED":
        posted = [
            books.journal_line(
                line["AccountCode"], line["LineAmount"], description=str(line["Description"])
            )
            for line in lines
        ]
        books.post_journal(
            source_type="MANJOURNAL",
            source_id=journal["ManualJournalID"],
            on=on,
            reference=narration,
            lines=posted,
        )
    return journal
