"""Messages that cross the Temporal boundary between ingress, ops tools and workflows.

They live here, not in ``workflows/``, because the API, the CLI and the workflows all
speak them. Names of workflows, signals, updates and queries are constants so that a
caller never spells one differently from the handler.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from quote2cash.billing.invoice import InvoiceDraft
from quote2cash.billing.snapshot import QuoteSnapshot
from quote2cash.billing.usage import UsageCharge, UsagePrice

DEAL_WORKFLOW = "DealWorkflow"
SIGNAL_PROVISIONING = "provisioning_confirmed"
SIGNAL_INVOICE_CHANGED = "invoice_changed"
SIGNAL_SHIPMENT = "shipment_confirmed"
SIGNAL_PAYMENT = "payment_received"
QUERY_STAGE = "stage"
UPDATE_RETRY = "retry"
UPDATE_APPROVE = "approve"
UPDATE_REJECT = "reject"
UPDATE_WRITE_OFF = "write_off"
UPDATE_CORRECT = "correct"
ROLE_APPROVER = "approver"
"""The role an approval Update's caller must hold (granted by the caller's API token)."""


def deal_workflow_id(crm: str, deal_id: str) -> str:
    """Workflow id of a deal: business ids only, never personal data."""
    return f"deal:{crm}:{deal_id}"


def credit_journal_key(workflow_id: str, payment_id: str) -> str:
    """Ledger key of a payment's unapplied-credit journal: the deal posts it, or the
    relay when the payment arrives after the deal closed; either way once."""
    return f"{workflow_id}:journal:credit:{payment_id}"


class Stage(StrEnum):
    RECEIVED = "received"
    SNAPSHOT = "snapshot"
    MASTER_DATA = "master_data"
    APPROVAL = "awaiting_approval"
    PROVISIONING = "awaiting_provisioning"
    INVOICING = "invoicing"
    AWAITING_PAYMENT = "awaiting_payment"
    POSTING = "posting"
    WRITE_BACK = "write_back"
    COMPLETED = "completed"
    REJECTED = "rejected"
    NEEDS_ATTENTION = "needs_attention"


class DealStart(BaseModel):
    """Input of DealWorkflow: which deal closed, and the inbox entry that said so."""

    crm: str = "hubspot"
    deal_id: str
    inbox_id: str
    closed_at: datetime


class ProvisioningConfirmed(BaseModel):
    confirmation_id: str = Field(description="dedupe key: at-least-once delivery")
    confirmed_by: str
    note: str = ""


class ShipmentConfirmed(BaseModel):
    """What one shipment of a ``per_shipment`` deal delivered: line id → quantity."""

    shipment_id: str = Field(description="dedupe key: at-least-once delivery")
    lines: dict[str, Decimal]
    confirmed_by: str = ""


class PaymentReceived(BaseModel):
    """Money received for one of the deal's invoices (a payment provider's event).

    The deal applies up to the amount due to the invoice in the accounting system; any
    excess becomes the customer's credit. A payment in another currency than the
    invoice's is not applied: it is held as the customer's credit in its own currency.
    """

    payment_id: str = Field(description="dedupe key: at-least-once delivery")
    invoice_id: str
    amount: Decimal = Field(gt=0)
    received_on: date
    reference: str = ""
    currency: str = Field(default="", pattern=r"^([A-Z]{3})?$")
    """ISO 4217 code; "" means the invoice's currency (what events before this field meant)."""


class InvoiceChanged(BaseModel):
    """An accounting-system event about one invoice (status or payments changed)."""

    event_id: str
    invoice_id: str
    event_type: str = "UPDATE"


class Attention(BaseModel):
    """Why a deal is parked, and what a person should do about it."""

    step: Stage
    reason: str
    """Error type, e.g. ``XeroValidation``; also the runbook page name."""
    message: str
    runbook: str
    since: datetime


class Approval(BaseModel):
    """Why a deal waits for approval, and what was decided, by whom and why."""

    required_because: list[str]
    owner_id: str = ""
    """The deal's owner in the CRM: segregation of duties bars them from deciding."""
    requested_at: datetime
    reminders: int = 0
    escalated: bool = False
    decision: str = ""
    """``approved`` or ``rejected`` once decided."""
    decided_by: str = ""
    reason: str = ""


class WriteOff(BaseModel):
    """An invoice long overdue: proposed for write-off, decided by an approver."""

    proposed_at: datetime
    amount_due: Decimal
    owner_id: str = ""
    decided_by: str = ""
    reason: str = ""
    credit_note_number: str = ""


class ApprovalDecision(BaseModel):
    """An approve or reject Update: who decides, with the roles their token grants."""

    actor: str
    roles: list[str] = Field(default_factory=list)
    reason: str = ""


class Correction(BaseModel):
    """A void-and-reissue of the deal's unpaid invoice: who asked, why, what came of it."""

    requested_by: str
    reason: str
    voided: str = ""
    """The voided invoice's number: it stays used (numbers are gapless, voids visible)."""
    reissued: str = ""
    refused: str = ""
    """Why the correction was not carried out (the invoice is then left as it was)."""


class StageChange(BaseModel):
    stage: Stage
    at: datetime


class InvoicePart(BaseModel):
    """One invoice of a deal (a deal billed in parts has several), as last read."""

    number: str
    invoice_id: str
    total: str
    status: str
    amount_paid: str = "0"
    amount_due: str = ""
    dunning_level: int = 0
    """How many payment reminders were sent for this invoice (see workflows/dunning.py)."""


class DealStatus(BaseModel):
    """What the ``stage`` query returns: the deal as an on-call engineer needs it."""

    workflow_id: str
    deal_id: str
    stage: Stage
    snapshot_hash: str = ""
    customer_id: str = ""
    invoice_id: str = ""
    invoice_number: str = ""
    amount: str = ""
    currency: str = ""
    amount_paid: str = ""
    amount_due: str = ""
    dunning_level: int = 0
    """How many payment reminders were sent; billed in parts, the highest of any part."""
    billing_schedule: str = ""
    invoices: list[InvoicePart] = Field(default_factory=list)
    """Every invoice of the deal, first to last: one, or one per part of its schedule."""
    corrections: list[Correction] = Field(default_factory=list)
    customer_credit: str = ""
    """Received above what was due, held as the customer's credit (see overpayment.py)."""
    held_payments: list[str] = Field(default_factory=list)
    """Payments not applied to the invoice (another currency), held as credit, and why."""
    shipment_problems: list[str] = Field(default_factory=list)
    """Shipments of a ``per_shipment`` deal that were not billed, and why."""
    write_off: WriteOff | None = None
    journal_entries: list[str] = Field(default_factory=list)
    attention: Attention | None = None
    approval: Approval | None = None
    history: list[StageChange] = Field(default_factory=list)


class RetryRequest(BaseModel):
    requested_by: str
    note: str = ""


# --- Subscriptions -------------------------------------------------------------------

SUBSCRIPTION_WORKFLOW = "SubscriptionWorkflow"
SIGNAL_USAGE = "usage"
UPDATE_AMEND = "amend"
UPDATE_CANCEL = "cancel"
QUERY_SUBSCRIPTION = "subscription"

Interval = Literal["monthly", "quarterly", "annual"]
Alignment = Literal["anniversary", "calendar"]


def subscription_workflow_id(subscription_id: str) -> str:
    return f"subscription:{subscription_id}"


class UsageRecord(BaseModel):
    """One metered event, as ingested; ``event_id`` makes ingestion idempotent."""

    event_id: str = Field(min_length=1, max_length=200)
    metric: str
    quantity: Decimal = Decimal(1)
    occurred_at: datetime


class UsageBatch(BaseModel):
    events: list[UsageRecord]


class SubscriptionTerms(BaseModel):
    """What was sold and how it renews; fixed for the subscription's life."""

    subscription_id: str
    contact_id: str
    """The customer's contact in the accounting system."""
    interval: Interval = "monthly"
    alignment: Alignment = "anniversary"
    timezone: str = "UTC"
    """The customer's IANA time zone: periods start at midnight there."""
    starts_on: date
    usage_prices: dict[str, UsagePrice] = Field(default_factory=dict)
    """Metric → price model; usage is billed in arrears on the next invoice."""


class SubscriptionStart(BaseModel):
    """Input of each run: the terms, plus what one period hands to the next."""

    terms: SubscriptionTerms
    snapshot: QuoteSnapshot
    period_index: int = 0
    usage_carried: list[UsageRecord] = Field(default_factory=list)
    """Events of later periods that arrived before this one began."""
    charges_due: list[UsageCharge] = Field(default_factory=list)
    """Usage of the closed period, billed on this period's invoice."""
    scheduled: QuoteSnapshot | None = None
    """A downgrade taking effect at this period's end."""
    invoices: list[str] = Field(default_factory=list)
    """Invoice numbers so far, newest last (the last 12 are kept)."""


class LineAmendment(BaseModel):
    line_id: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    sku: str | None = None
    name: str | None = None


class AmendmentRequest(BaseModel):
    requested_by: str
    reason: str
    changes: list[LineAmendment]
    dry_run: bool = False
    """True: only quote the delta; nothing changes."""


class AmendmentQuote(BaseModel):
    """The billing core's answer: price per period before and after, the prorated delta
    now, when it takes effect, and every line's explanation."""

    applied: bool
    timing: Literal["now", "at_renewal"]
    effective: date
    period_price_before: Decimal
    period_price_after: Decimal
    prorated_delta: Decimal
    currency: str
    explanation: list[str]
    invoice_number: str = ""


class CancelRequest(BaseModel):
    requested_by: str
    reason: str
    when: Literal["end_of_term", "immediately"] = "end_of_term"
    """``immediately``: stop today, credit the unused part of the paid period."""


class SubscriptionStatus(BaseModel):
    subscription_id: str
    state: Literal["active", "cancelling", "cancelled"]
    period_index: int
    period_start: date
    period_end: date
    period_price: Decimal
    currency: str
    invoices: list[str]
    usage_events: int
    scheduled_change: bool = False
    credit_notes: list[str] = Field(default_factory=list)
    credit_allocated: Decimal = Decimal(0)
    """Of the credit notes, how much was allocated to the invoices they credit."""
    customer_credit: Decimal = Decimal(0)
    """Credit left on the notes for the customer: the invoice was paid already."""
    history_length: int = 0


COLLECTION_WORKFLOW = "CollectionWorkflow"


class CollectionStart(BaseModel):
    """Input of CollectionWorkflow: one subscription invoice to collect and post.

    Its workflow id is the invoice's business key
    (``subscription:<id>:period:<n>:<kind>``), the key the id map holds for it, so
    Xero's webhook for the invoice reaches it."""

    workflow_id: str
    """The invoice's business key."""
    subscription_id: str
    deal_id: str
    """The subscription's CRM deal: dunning reminders are written back to it."""
    customer_key: str
    invoice_id: str
    invoice_number: str
    invoice: InvoiceDraft
    """The invoice as priced: what Xero must have posted, and what our journals post."""


# --- Refunds -------------------------------------------------------------------------

REFUND_WORKFLOW = "RefundWorkflow"
QUERY_REFUND = "refund"


REFUND_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
"""A caller's refund id: a business key (never personal data), safe in a workflow id."""


def refund_workflow_id(crm: str, deal_id: str, refund_id: str = "") -> str:
    """One full refund per deal; one partial refund per caller-given refund id. Asking
    again with the same id joins the first."""
    base = f"refund:{crm}:{deal_id}"
    return f"{base}:{refund_id}" if refund_id else base


class RefundStart(BaseModel):
    """A refund of a completed deal's paid invoice: in full, or ``amount`` of it."""

    crm: str = "hubspot"
    deal_id: str
    invoice_id: str
    invoice_number: str
    snapshot_hash: str
    """The deal's frozen snapshot: the credit note repeats exactly what was invoiced."""
    reason: str
    requested_by: str
    amount: Decimal | None = Field(default=None, gt=0)
    """A partial refund of this much (workflow id ``refund:<crm>:<deal>:<refund id>``)."""
    refund_id: str = ""


class RefundStatus(BaseModel):
    workflow_id: str
    step: str = "starting"
    done: list[str] = Field(default_factory=list)
    compensated: list[str] = Field(default_factory=list)
    credit_note_number: str = ""
    amount: str = ""
    currency: str = ""
    journal_entries: list[str] = Field(default_factory=list)
    refundable_before: str = ""
    """Partial refunds: what was still refundable on the invoice before this one."""
    cash_refund_payment_id: str = ""
