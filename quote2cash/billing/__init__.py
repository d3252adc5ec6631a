"""The billing core: exact, explained money math. Pure and deterministic.

No I/O, no clock, no randomness, no float: time comes in as arguments, and the module
imports only the standard library, pydantic, babel and python-stdnum, so workflows can
call it directly inside the Temporal sandbox.
"""

from quote2cash.billing.accounts import Accounts
from quote2cash.billing.errors import (
    BillingError,
    CurrencyMismatchError,
    FloatAmountError,
    UnbalancedEntryError,
    UnknownCurrencyError,
)
from quote2cash.billing.invoice import BillingPeriod, InvoiceDraft, InvoiceLine, build_invoice
from quote2cash.billing.journal import (
    JournalEntry,
    JournalLine,
    fx_payment_entry,
    invoice_entry,
    payment_entry,
    refund_entry,
    write_off_entry,
)
from quote2cash.billing.money import Money, minor_units, quantize
from quote2cash.billing.proration import ProrationBasis, ProrationPolicy, Span, plan_change, prorate
from quote2cash.billing.rounding import RoundingMode, RoundingPolicy, allocate
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
from quote2cash.billing.tax import DEFAULT_TAX_TABLE, TaxRate, TaxTable, VatRegistry

__all__ = [
    "DEFAULT_TAX_TABLE",
    "Accounts",
    "BillTo",
    "BillingError",
    "BillingPeriod",
    "CurrencyMismatchError",
    "FloatAmountError",
    "InvoiceDraft",
    "InvoiceLine",
    "JournalEntry",
    "JournalLine",
    "Money",
    "ProrationBasis",
    "ProrationPolicy",
    "QuoteSnapshot",
    "RoundingMode",
    "RoundingPolicy",
    "SnapshotLine",
    "Span",
    "TaxRate",
    "TaxTable",
    "UnbalancedEntryError",
    "UnknownCurrencyError",
    "VatRegistry",
    "allocate",
    "build_invoice",
    "fx_payment_entry",
    "invoice_entry",
    "minor_units",
    "payment_entry",
    "plan_change",
    "prorate",
    "quantize",
    "refund_entry",
    "write_off_entry",
]
