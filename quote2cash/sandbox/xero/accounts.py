"""Creating an account in the chart (``PUT /Accounts``), as an organisation's user does.

Xero's rules (``xero_accounting.yaml``, ``Account`` and ``AccountType``): a ``Code`` of
at most 10 characters and a ``Name`` of at most 150, both unique in the chart; a
``Type`` from the spec's enum, which decides the read-only ``Class``; a ``TaxType`` that
exists (else the type's default); a bank account needs its number and takes no
description. Xero processes only the first account of a request. Read-only fields sent
(``Class``, ``SystemAccount``, ``AccountID``...) are ignored, as Xero ignores them.
"""

from __future__ import annotations

from typing import Any

from quote2cash.sandbox.common.store import Doc
from quote2cash.sandbox.xero.books import Books
from quote2cash.sandbox.xero.envelope import XeroValidation

MAX_CODE = 10
MAX_NAME = 150
MAX_DESCRIPTION = 4000
# AccountType of the spec → the Class Xero derives from it.
CLASS_OF_TYPE = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "EQUITY": "EQUITY",
    "OTHERINCOME": "REVENUE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
}
FLAGS = ("EnablePaymentsToAccount", "ShowInExpenseClaims", "AddToWatchlist")


def _text(element: Doc, key: str) -> str:
    value = element.get(key)
    return "" if value is None else str(value).strip()


def _problems(books: Books, element: Doc) -> list[str]:
    """Every rule the element breaks, worded as Xero words them."""
    code, name, kind = _text(element, "Code"), _text(element, "Name"), _text(element, "Type")
    chart = books.store.all("accounts")
    problems: list[str] = []
    if not code:
        problems.append("Please enter a Code.")
    elif len(code) > MAX_CODE:
        problems.append(f"Account Code is too long. Maximum of {MAX_CODE} characters allowed")
    elif any(a["Code"] == code for a in chart):
        problems.append("Please enter a unique Code.")
    if not name:
        problems.append("Please enter a Name.")
    elif len(name) > MAX_NAME:
        problems.append(f"Account Name is too long. Maximum of {MAX_NAME} characters allowed")
    elif any(str(a["Name"]).strip().lower() == name.lower() for a in chart):
        problems.append("Please enter a unique Name.")
    if not kind:
        problems.append("Please select an Account Type.")
    elif kind not in CLASS_OF_TYPE:
        problems.append(f"Account Type '{kind}' is not valid.")
    tax = _text(element, "TaxType")
    if tax and books.tax_rate(tax) is None:
        problems.append(
            f"The TaxType code '{tax}' does not exist or cannot be used with this account."
        )
    description = _text(element, "Description")
    if len(description) > MAX_DESCRIPTION:
        problems.append(f"Description cannot be longer than {MAX_DESCRIPTION} characters.")
    if kind == "BANK":
        if description:
            problems.append("Bank accounts cannot have a Description.")
        if not _text(element, "BankAccountNumber"):
            problems.append("Please enter a Bank Account Number.")
    return problems


def _default_tax(books: Books, klass: str) -> str:
    """The organisation's tax type for a new account of ``klass`` that names none."""
    org = books.config.org
    return {"EXPENSE": org.input, "REVENUE": org.output}.get(klass, org.no_tax)


def create_account(books: Books, element: Doc) -> Doc:
    """Add the account to the chart; ``XeroValidation`` with every problem otherwise."""
    problems = _problems(books, element)
    if problems:
        raise XeroValidation(problems, element)
    kind = _text(element, "Type")
    klass = CLASS_OF_TYPE[kind]
    account: dict[str, Any] = {
        "AccountID": books.new_id(),
        "Code": _text(element, "Code"),
        "Name": _text(element, "Name"),
        "Status": "ACTIVE",
        "Type": kind,
        "TaxType": _text(element, "TaxType") or _default_tax(books, klass),
        "Class": klass,
        "ReportingCode": "",
        "HasAttachments": False,
        **{flag: element.get(flag) is True for flag in FLAGS},
    }
    if _text(element, "Description"):
        account["Description"] = _text(element, "Description")
    if kind == "BANK":
        account.update(
            BankAccountNumber=_text(element, "BankAccountNumber"),
            BankAccountType=_text(element, "BankAccountType") or "BANK",
            CurrencyCode=_text(element, "CurrencyCode") or books.config.base_currency,
        )
    books.stamp(account)
    books.store.put("accounts", account["AccountID"], account)
    return account
