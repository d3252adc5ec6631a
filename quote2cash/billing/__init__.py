"""The billing core: exact, explained money math. Pure and deterministic.

No I/O, no clock, no randomness, no float: time comes in as arguments, and the package
imports only the standard library, pydantic, babel and python-stdnum (their data is
read at import), so workflows can call it directly inside the Temporal sandbox.

Modules, by role: ``money``/``currency``/``rounding`` (amounts), ``catalog``/``snapshot``
(what was sold), ``discounts``/``proration``/``usage``/``tax`` (pricing rules),
``invoice``/``amendment``/``credit_note`` (documents), ``journal``/``recognition``
(postings), ``conventions`` (a tenant's declared choices), ``preview`` (JSON in,
explained invoice out).
"""

from quote2cash.billing.accounts import Accounts
from quote2cash.billing.amendment import AmendmentDelta, amendment_invoice, diff_snapshots
from quote2cash.billing.catalog import Price, PriceBookVersion, Product, Quote, QuoteItem, freeze
from quote2cash.billing.conventions import Conventions
from quote2cash.billing.credit_note import (
    CreditNoteDraft,
    credit_note_entry,
    credit_note_for,
    credit_note_of_amount,
)
from quote2cash.billing.errors import (
    BillingError,
    CurrencyMismatchError,
    DocumentError,
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
    overpayment_entry,
    payment_entry,
    refund_entry,
    reversal_entry,
    write_off_entry,
)
from quote2cash.billing.money import Money, minor_units, quantize
from quote2cash.billing.preview import PreviewResult, preview_document
from quote2cash.billing.proration import ProrationBasis, ProrationPolicy, Span, plan_change, prorate
from quote2cash.billing.recognition import (
    RecognitionSchedule,
    recognition_entries,
    recognition_schedule,
    schedules_for,
)
from quote2cash.billing.rounding import RoundingMode, RoundingPolicy, allocate
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
from quote2cash.billing.tax import DEFAULT_TAX_TABLE, TaxRate, TaxTable, VatCheck, VatRegistry
from quote2cash.billing.usage import UsageCharge, UsageEvent, aggregate

__all__ = [
    "DEFAULT_TAX_TABLE",
    "Accounts",
    "AmendmentDelta",
    "BillTo",
    "BillingError",
    "BillingPeriod",
    "Conventions",
    "CreditNoteDraft",
    "CurrencyMismatchError",
    "DocumentError",
    "FloatAmountError",
    "InvoiceDraft",
    "InvoiceLine",
    "JournalEntry",
    "JournalLine",
    "Money",
    "PreviewResult",
    "Price",
    "PriceBookVersion",
    "Product",
    "ProrationBasis",
    "ProrationPolicy",
    "Quote",
    "QuoteItem",
    "QuoteSnapshot",
    "RecognitionSchedule",
    "RoundingMode",
    "RoundingPolicy",
    "SnapshotLine",
    "Span",
    "TaxRate",
    "TaxTable",
    "UnbalancedEntryError",
    "UnknownCurrencyError",
    "UsageCharge",
    "UsageEvent",
    "VatCheck",
    "VatRegistry",
    "aggregate",
    "allocate",
    "amendment_invoice",
    "build_invoice",
    "credit_note_entry",
    "credit_note_for",
    "credit_note_of_amount",
    "diff_snapshots",
    "freeze",
    "fx_payment_entry",
    "invoice_entry",
    "minor_units",
    "overpayment_entry",
    "payment_entry",
    "plan_change",
    "preview_document",
    "prorate",
    "quantize",
    "recognition_entries",
    "recognition_schedule",
    "refund_entry",
    "reversal_entry",
    "schedules_for",
    "write_off_entry",
]
