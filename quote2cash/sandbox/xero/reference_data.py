"""What a new Xero organisation starts with: chart of accounts, tax rates, currencies.

A UK-style organisation (VAT, GBP). Ids are derived from the codes so that they are
the same across resets and runs.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from quote2cash.connectors.xero_dates import msdate
from quote2cash.sandbox.xero.clock import EPOCH_OF_SETUP

_NS = uuid.UUID("6f1f0b52-7c1e-4d7a-9a63-1f0a2a7e0c11")

# code, name, type, class, tax type, system account, bank currency
_ACCOUNTS = [
    ("090", "Business Bank Account", "BANK", "ASSET", "NONE", "", "GBP"),
    ("091", "EUR Bank Account", "BANK", "ASSET", "NONE", "", "EUR"),
    ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT2", "", None),
    ("260", "Other Revenue", "REVENUE", "REVENUE", "OUTPUT2", "", None),
    ("404", "Bank Fees", "OVERHEADS", "EXPENSE", "NONE", "", None),
    (
        "498",
        "Foreign Currency Gains and Losses",
        "OVERHEADS",
        "EXPENSE",
        "NONE",
        "REALISEDCURRENCYGAIN",
        None,
    ),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "NONE", "DEBTORS", None),
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "NONE", "CREDITORS", None),
    ("820", "VAT", "CURRLIAB", "LIABILITY", "NONE", "GST", None),
    ("835", "Revenue Received in Advance", "CURRLIAB", "LIABILITY", "NONE", "", None),
    ("860", "Rounding", "CURRLIAB", "LIABILITY", "NONE", "ROUNDING", None),
]

# tax type, name, rate, report tax type
_TAX_RATES = [
    ("OUTPUT2", "20% (VAT on Income)", "20", "OUTPUT"),
    ("RROUTPUT", "5% (VAT on Income)", "5", "OUTPUT"),
    ("ZERORATEDOUTPUT", "Zero Rated Income", "0", "OUTPUT"),
    ("EXEMPTOUTPUT", "Exempt Income", "0", "EXEMPTOUTPUT"),
    ("ECZROUTPUTSERVICES", "Zero Rated EC Services", "0", "ECOUTPUTSERVICES"),
    ("ECZROUTPUT", "Zero Rated EC Goods Income", "0", "ECOUTPUT"),
    ("INPUT2", "20% (VAT on Expenses)", "20", "INPUT"),
    ("NONE", "No VAT", "0", "NONE"),
]

CURRENCIES = [
    {"Code": "GBP", "Description": "British Pound"},
    {"Code": "EUR", "Description": "Euro"},
    {"Code": "USD", "Description": "United States Dollar"},
]


def account_id(code: str) -> str:
    return str(uuid.uuid5(_NS, f"account:{code}"))


def accounts() -> list[dict[str, Any]]:
    found = []
    for code, name, kind, klass, tax, system, currency in _ACCOUNTS:
        account: dict[str, Any] = {
            "AccountID": account_id(code),
            "Code": code,
            "Name": name,
            "Status": "ACTIVE",
            "Type": kind,
            "TaxType": tax,
            "Class": klass,
            "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": False,
            "ReportingCode": "",
            "HasAttachments": False,
            "UpdatedDateUTC": msdate(EPOCH_OF_SETUP),
            "AddToWatchlist": False,
        }
        if system:
            account["SystemAccount"] = system
        if kind == "BANK":
            account.update(
                BankAccountType="BANK",
                CurrencyCode=currency,
                BankAccountNumber=f"20-00-00 {code}00000",
            )
        found.append(account)
    return found


def tax_rates() -> list[dict[str, Any]]:
    return [
        {
            "Name": name,
            "TaxType": tax_type,
            "TaxComponents": [
                {
                    "Name": "VAT",
                    "Rate": Decimal(rate),
                    "IsCompound": False,
                    "IsNonRecoverable": False,
                }
            ],
            "Status": "ACTIVE",
            "ReportTaxType": report,
            "CanApplyToAssets": True,
            "CanApplyToEquity": True,
            "CanApplyToExpenses": tax_type != "OUTPUT2",
            "CanApplyToLiabilities": True,
            "CanApplyToRevenue": not tax_type.startswith("INPUT"),
            "DisplayTaxRate": Decimal(rate),
            "EffectiveRate": Decimal(rate),
        }
        for tax_type, name, rate, report in _TAX_RATES
    ]
