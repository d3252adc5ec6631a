"""The facts a daily reconciliation compares, and the report it produces.

Facts are small summaries of each side (the CRM's won deals, Xero's invoices, payments
and credit notes, our ledger's entries), gathered by activities; the comparison itself
(``quote2cash.billing.reconcile``) is pure. Money is exact ``Decimal`` throughout.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

ZERO = Decimal(0)
OPEN = frozenset({"AUTHORISED", "SUBMITTED"})
LIVE = frozenset({"AUTHORISED", "SUBMITTED", "PAID"})
"""Invoice / credit note statuses that count in the books; VOIDED, DELETED, DRAFT do not."""


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True)


class WonDeal(_Fact):
    """A closed-won deal in the CRM."""

    deal_id: str
    workflow_id: str
    won_on: date
    amount: Decimal | None = None
    currency: str = ""
    started: bool = True
    """Whether a workflow was ever started for it (our id map): a won deal without one
    lost its webhook, and nothing will bill it until the sweep or a person starts it."""


class PaymentFact(_Fact):
    payment_id: str
    amount: Decimal


class InvoiceFact(_Fact):
    """A sales invoice in Xero; ``our_key`` is None when our id map does not know it."""

    invoice_id: str
    number: str
    status: str
    currency: str
    total: Decimal
    amount_paid: Decimal = ZERO
    payments: tuple[PaymentFact, ...] = ()
    our_key: str | None = None


class CreditNoteFact(_Fact):
    """A sales credit note in Xero; ``refunds`` are its payments, the cash paid back
    against it (Xero sends them, never a total of them)."""

    credit_note_id: str
    number: str
    status: str
    currency: str
    total: Decimal
    refunds: tuple[PaymentFact, ...] = ()
    reference: str = ""

    @property
    def refunded(self) -> Decimal:
        return sum((p.amount for p in self.refunds), ZERO)


class EntryFact(_Fact):
    """One entry of our ledger, summarised: signed (debit - credit) per account."""

    key: str
    deal_id: str
    currency: str
    debits: Decimal
    credits: Decimal
    receivable: Decimal = ZERO
    cash: Decimal = ZERO


class HeldPaymentFact(_Fact):
    """A payment held for review: it names ``invoice_id`` of ``workflow_id``'s deal,
    which is not that deal's invoice (or it names none). Not in our ledger."""

    payment_id: str
    workflow_id: str
    invoice_id: str
    amount: Decimal
    currency: str
    inbox_id: int


class Facts(_Fact):
    business_date: date
    won_deals: tuple[WonDeal, ...] = ()
    invoices: tuple[InvoiceFact, ...] = ()
    credit_notes: tuple[CreditNoteFact, ...] = ()
    entries: tuple[EntryFact, ...] = ()
    held_payments: tuple[HeldPaymentFact, ...] = ()
    grace_days: int = Field(default=3, ge=0)
    """A won deal without an invoice is only a finding once this many days have passed."""


class Kind(StrEnum):
    WON_NOT_INVOICED = "won_not_invoiced"
    WON_NO_WORKFLOW = "won_no_workflow"
    UNKNOWN_INVOICE = "unknown_invoice"
    INVOICE_NOT_POSTED = "invoice_not_posted"
    RECEIVABLE_MISMATCH = "receivable_mismatch"
    CASH_MISMATCH = "cash_mismatch"
    CREDIT_NOTE_UNKNOWN = "credit_note_unknown"
    CREDIT_NOTE_MISMATCH = "credit_note_mismatch"
    LEDGER_UNBALANCED = "ledger_unbalanced"
    HELD_ABOVE_INVOICE = "held_payment_above_invoice"
    # Not findings: work in flight, listed so that every cent is accounted for.
    AWAITING_PAYMENT = "awaiting_payment"
    AWAITING_INVOICE = "awaiting_invoice"
    AWAITING_REVIEW = "held_payment_awaiting_review"


class Finding(_Fact):
    """One difference: ``amount`` is what one side has and the other does not
    (Xero or the CRM minus our ledger, so negative means we posted more)."""

    kind: Kind
    currency: str
    amount: Decimal
    explanation: str
    keys: dict[str, str] = Field(default_factory=dict)


class CurrencyTotals(_Fact):
    """Per currency: Xero's live invoices = matched + pending + mismatched, to the cent."""

    currency: str
    invoiced: Decimal = ZERO
    matched: Decimal = ZERO
    pending: Decimal = ZERO
    mismatched: Decimal = ZERO
    unexplained: Decimal = ZERO
    """Σ |amount| of the findings in this currency: what does not match, and why."""


class Report(_Fact):
    business_date: date
    matched: int
    """Invoices whose receivable, cash and credit notes agree with our ledger."""
    findings: tuple[Finding, ...] = ()
    pending: tuple[Finding, ...] = ()
    totals: tuple[CurrencyTotals, ...] = ()


class Summary(_Fact):
    """What a run found, small enough for workflow history; the full report (every
    finding) is in the store under ``business_date``."""

    business_date: date
    run_id: int
    matched: int
    findings: int
    pending: int
    totals: tuple[CurrencyTotals, ...] = ()

    @classmethod
    def of(cls, report: Report, run_id: int) -> Summary:
        return cls(
            business_date=report.business_date,
            run_id=run_id,
            matched=report.matched,
            findings=len(report.findings),
            pending=len(report.pending),
            totals=report.totals,
        )


RECONCILIATION_WORKFLOW = "ReconciliationWorkflow"


class ReconciliationStart(BaseModel):
    """The reconciliation workflow's input (quote2cash.reconciliation starts it)."""

    business_date: date | None = None
    """None: the day the workflow starts (what a scheduled run reconciles)."""
    grace_days: int = Field(default=3, ge=0)
