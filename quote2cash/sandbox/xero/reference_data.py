"""What a new Xero organisation starts with: chart of accounts, tax rates, currencies.

One per region the emulator can be (``organisation``: uk, au, us): a UK one (VAT, GBP),
an Australian one (GST, AUD) and a US one (sales tax, USD), each with its region's tax
types from Xero's tax-type table. Ids are derived from the codes so that they are the
same across resets and runs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from quote2cash.connectors.xero_dates import msdate
from quote2cash.sandbox.xero.clock import EPOCH_OF_SETUP

_NS = uuid.UUID("6f1f0b52-7c1e-4d7a-9a63-1f0a2a7e0c11")

Region = Literal["uk", "au", "us"]
# code, name, type, class, tax type, system account, bank currency
Account = tuple[str, str, str, str, str, str, str | None]
# tax type, name, rate, report tax type
Rate = tuple[str, str, str, str]


@dataclass(frozen=True)
class Organisation:
    name: str
    country: str
    version: str
    base_currency: str
    sales_code: str
    """Where a line without an account code goes (Xero's "Sales")."""
    no_tax: str
    """The tax type of a line that carries no tax."""
    tax_name: str
    output: str
    input: str
    """Default tax types of a new revenue and expense account."""
    accounts: tuple[Account, ...]
    rates: tuple[Rate, ...]
    currencies: tuple[tuple[str, str], ...]
    fx_rates: dict[str, Decimal]
    """Units of foreign currency per unit of base currency, when a request gives none."""


_DESCRIPTIONS = {
    "GBP": "British Pound",
    "EUR": "Euro",
    "USD": "United States Dollar",
    "AUD": "Australian Dollar",
}


def _currencies(*codes: str) -> tuple[tuple[str, str], ...]:
    return tuple((code, _DESCRIPTIONS[code]) for code in codes)


_FX = ("498", "Foreign Currency Gains and Losses", "OVERHEADS", "EXPENSE")
_GAIN = "REALISEDCURRENCYGAIN"

UK = Organisation(
    name="Demo Company (UK)",
    country="GB",
    version="UK",
    base_currency="GBP",
    sales_code="200",
    no_tax="NONE",
    tax_name="VAT",
    output="OUTPUT2",
    input="INPUT2",
    accounts=(
        ("090", "Business Bank Account", "BANK", "ASSET", "NONE", "", "GBP"),
        ("091", "EUR Bank Account", "BANK", "ASSET", "NONE", "", "EUR"),
        ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT2", "", None),
        ("260", "Other Revenue", "REVENUE", "REVENUE", "OUTPUT2", "", None),
        ("404", "Bank Fees", "OVERHEADS", "EXPENSE", "NONE", "", None),
        (*_FX, "NONE", _GAIN, None),
        ("610", "Accounts Receivable", "CURRENT", "ASSET", "NONE", "DEBTORS", None),
        ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "NONE", "CREDITORS", None),
        ("820", "VAT", "CURRLIAB", "LIABILITY", "NONE", "GST", None),
        ("835", "Revenue Received in Advance", "CURRLIAB", "LIABILITY", "NONE", "", None),
        ("860", "Rounding", "CURRLIAB", "LIABILITY", "NONE", "ROUNDING", None),
    ),
    rates=(
        ("OUTPUT2", "20% (VAT on Income)", "20", "OUTPUT"),
        ("RROUTPUT", "5% (VAT on Income)", "5", "OUTPUT"),
        ("ZERORATEDOUTPUT", "Zero Rated Income", "0", "OUTPUT"),
        ("EXEMPTOUTPUT", "Exempt Income", "0", "EXEMPTOUTPUT"),
        ("ECZROUTPUTSERVICES", "Zero Rated EC Services", "0", "ECOUTPUTSERVICES"),
        ("ECZROUTPUT", "Zero Rated EC Goods Income", "0", "ECOUTPUT"),
        ("INPUT2", "20% (VAT on Expenses)", "20", "INPUT"),
        ("NONE", "No VAT", "0", "NONE"),
    ),
    currencies=_currencies("GBP", "EUR", "USD"),
    fx_rates={"EUR": Decimal("1.170000"), "USD": Decimal("1.270000")},
)

AU = Organisation(
    name="Demo Company (AU)",
    country="AU",
    version="AU",
    base_currency="AUD",
    sales_code="200",
    no_tax="BASEXCLUDED",
    tax_name="GST",
    output="OUTPUT",
    input="INPUT",
    accounts=(
        ("090", "Business Bank Account", "BANK", "ASSET", "BASEXCLUDED", "", "AUD"),
        ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT", "", None),
        ("260", "Other Revenue", "REVENUE", "REVENUE", "OUTPUT", "", None),
        ("404", "Bank Fees", "EXPENSE", "EXPENSE", "INPUT", "", None),
        ("499", "Realised Currency Gains", "EXPENSE", "EXPENSE", "BASEXCLUDED", _GAIN, None),
        ("610", "Accounts Receivable", "CURRENT", "ASSET", "BASEXCLUDED", "DEBTORS", None),
        ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "BASEXCLUDED", "CREDITORS", None),
        ("820", "GST", "CURRLIAB", "LIABILITY", "BASEXCLUDED", "GST", None),
        ("835", "Revenue in Advance", "CURRLIAB", "LIABILITY", "BASEXCLUDED", "", None),
        ("860", "Rounding", "CURRLIAB", "LIABILITY", "BASEXCLUDED", "ROUNDING", None),
    ),
    rates=(
        ("OUTPUT", "GST on Income", "10", "OUTPUT"),
        ("EXEMPTOUTPUT", "GST Free Income", "0", "OUTPUT"),
        ("EXEMPTEXPORT", "GST Free Exports", "0", "OUTPUT"),
        ("INPUTTAXED", "Input Taxed", "0", "OUTPUT"),
        ("BASEXCLUDED", "BAS Excluded", "0", "NONE"),
        ("INPUT", "GST on Expenses", "10", "INPUT"),
        ("EXEMPTEXPENSES", "GST Free Expenses", "0", "INPUT"),
    ),
    currencies=_currencies("AUD", "GBP", "EUR", "USD"),
    fx_rates={"GBP": Decimal("0.520000"), "EUR": Decimal("0.610000"), "USD": Decimal("0.660000")},
)

US = Organisation(
    name="Demo Company (US)",
    country="US",
    version="US",
    base_currency="USD",
    sales_code="400",
    no_tax="NONE",
    tax_name="Sales Tax",
    output="OUTPUT",
    input="INPUT",
    accounts=(
        ("090", "Checking Account", "BANK", "ASSET", "NONE", "", "USD"),
        ("120", "Accounts Receivable", "CURRENT", "ASSET", "NONE", "DEBTORS", None),
        ("210", "Accounts Payable", "CURRLIAB", "LIABILITY", "NONE", "CREDITORS", None),
        ("220", "Sales Tax", "CURRLIAB", "LIABILITY", "NONE", "GST", None),
        ("240", "Unearned Revenue", "CURRLIAB", "LIABILITY", "NONE", "", None),
        ("250", "Rounding", "CURRLIAB", "LIABILITY", "NONE", "ROUNDING", None),
        ("400", "Sales", "REVENUE", "REVENUE", "OUTPUT", "", None),
        (*_FX, "NONE", _GAIN, None),
        ("600", "Bank Service Charges", "EXPENSE", "EXPENSE", "NONE", "", None),
    ),
    rates=(
        # A US organisation's rates are per state; these carry what the tests bill.
        ("OUTPUT", "Tax on Sales", "0", "OUTPUT"),
        ("INPUT", "Tax on Purchases", "0", "INPUT"),
        ("NONE", "Tax Exempt", "0", "NONE"),
    ),
    currencies=_currencies("USD", "GBP", "EUR"),
    fx_rates={"GBP": Decimal("0.790000"), "EUR": Decimal("0.920000")},
)

ORGANISATIONS: dict[Region, Organisation] = {"uk": UK, "au": AU, "us": US}


def account_id(code: str) -> str:
    return str(uuid.uuid5(_NS, f"account:{code}"))


def accounts(org: Organisation) -> list[dict[str, Any]]:
    return [_account(org, *row) for row in org.accounts]


def _account(
    org: Organisation,
    code: str,
    name: str,
    kind: str,
    klass: str,
    tax: str,
    system: str,
    currency: str | None,
) -> dict[str, Any]:
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
            BankAccountType="BANK", CurrencyCode=currency, BankAccountNumber=f"20-00-00 {code}00000"
        )
    return account


def tax_rates(org: Organisation) -> list[dict[str, Any]]:
    return [
        {
            "Name": name,
            "TaxType": tax_type,
            "TaxComponents": [
                {
                    "Name": org.tax_name,
                    "Rate": Decimal(rate),
                    "IsCompound": False,
                    "IsNonRecoverable": False,
                }
            ],
            "Status": "ACTIVE",
            "ReportTaxType": report,
            "CanApplyToAssets": True,
            "CanApplyToEquity": True,
            "CanApplyToExpenses": tax_type != org.output,
            "CanApplyToLiabilities": True,
            "CanApplyToRevenue": report != "INPUT",
            "DisplayTaxRate": Decimal(rate),
            "EffectiveRate": Decimal(rate),
        }
        for tax_type, name, rate, report in org.rates
    ]


def currencies(org: Organisation) -> list[dict[str, str]]:
    return [{"Code": code, "Description": text} for code, text in org.currencies]
