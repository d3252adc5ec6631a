"""Shapes of what the API receives and answers.

Vendor events keep their unknown fields (``extra="allow"``): the inbox stores what the
vendor sent, not what we happened to model.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from quote2cash.billing.money import minor_units
from quote2cash.messages import PaymentReceived, UsageRecord
from quote2cash.store.columns import MAX_AMOUNT
from quote2cash.store.models import InboxEntry


class HubSpotEvent(BaseModel):
    """One element of HubSpot's webhook array (CRM webhooks, subscription events)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    event_id: int = Field(alias="eventId")
    subscription_type: str = Field(alias="subscriptionType")
    object_id: int = Field(alias="objectId")
    occurred_at: int = Field(alias="occurredAt", description="epoch milliseconds")
    property_name: str | None = Field(default=None, alias="propertyName")
    property_value: str | None = Field(default=None, alias="propertyValue")
    attempt_number: int = Field(default=0, alias="attemptNumber")


class XeroEvent(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    resource_id: str = Field(alias="resourceId")
    event_category: str = Field(alias="eventCategory")
    event_type: str = Field(alias="eventType")
    event_date_utc: str = Field(alias="eventDateUtc")
    tenant_id: str = Field(alias="tenantId")


class XeroPayload(BaseModel):
    """Xero's webhook body; the "intent to receive" handshake sends no events."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    events: list[XeroEvent]
    first_event_sequence: int = Field(alias="firstEventSequence")
    last_event_sequence: int = Field(alias="lastEventSequence")
    entropy: str = ""


class ProvisioningRequest(BaseModel):
    crm: str = "hubspot"
    deal_id: str = Field(min_length=1, max_length=128)
    confirmation_id: str = Field(min_length=1, max_length=128)
    confirmed_by: str = Field(min_length=1, max_length=255)
    note: str = ""


class ShipmentRequest(BaseModel):
    """A warehouse's confirmation that one shipment of a per-shipment deal went out."""

    crm: str = "hubspot"
    deal_id: str = Field(min_length=1, max_length=128)
    shipment_id: str = Field(min_length=1, max_length=128)
    lines: dict[str, Decimal] = Field(min_length=1, description="CRM line item id -> quantity")
    confirmed_by: str = Field(min_length=1, max_length=255)


class UsageReport(BaseModel):
    """One metered event as the inbox keeps it: the event and the subscription it is for."""

    subscription_id: str
    event: UsageRecord


class UsageAccepted(BaseModel):
    """Answer of ``POST /subscriptions/{id}/usage``: events stored now and those already
    stored by an earlier call (same event id for the same subscription)."""

    received: int
    accepted: int
    duplicates: int
    inbox_ids: list[int]


class Accepted(BaseModel):
    """Answer of an ingress endpoint: what was stored (duplicates are not stored twice)."""

    received: int
    stored: int
    duplicates: int
    inbox_ids: list[int]


class InboxView(BaseModel):
    id: int
    source: str
    kind: str
    dedupe_key: str
    status: str
    error: str | None
    attempts: int
    duplicates: int
    received_at: datetime
    updated_at: datetime
    relayed_at: datetime | None
    next_attempt_at: datetime | None
    body: str | None = None
    headers: dict[str, str] | None = None

    @classmethod
    def of(cls, entry: InboxEntry, *, full: bool = False) -> InboxView:
        data: dict[str, Any] = entry.model_dump(exclude={"body", "headers"})
        if full:
            data |= {"body": entry.body_text, "headers": entry.headers}
        return cls.model_validate(data)


class ConnectionState(BaseModel):
    """A stored vendor connection as health reports it: its state, never its tokens."""

    vendor: str
    tenant_id: str
    tenant_name: str
    status: str
    """``connected`` or ``needs_reconnect`` (the reason says why: q2c connect)."""
    reason: str = ""
    refreshed_at: datetime | None = None
    refreshes: int = 0


class Health(BaseModel):
    status: str
    database: bool
    temporal: bool
    inbox: dict[str, int] = Field(default_factory=dict)
    connections: list[ConnectionState] = Field(default_factory=list)
    """Every stored vendor connection; Xero with none stored is reported ``missing``."""


SUCCEEDED_PAYMENTS = frozenset({"payment_intent.succeeded", "charge.succeeded"})


class PaymentObject(BaseModel):
    id: str
    amount: int = Field(gt=0, description="minor units, as the provider sends them")
    currency: str = Field(min_length=3, max_length=3)
    created: int | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    payment_intent: str | None = None
    """A charge's payment intent; a payment intent itself carries none."""

    @property
    def payment_id(self) -> str:
        """The payment this object belongs to: ``payment_intent.succeeded`` (pi_…) and
        ``charge.succeeded`` (ch_…, naming pi_…) of one payment are one payment."""
        return self.payment_intent or self.id


class PaymentData(BaseModel):
    object: PaymentObject


class PaymentEvent(BaseModel):
    id: str = Field(min_length=1)
    type: str
    data: PaymentData


MAX_ID_CHARS = 64
"""Longest vendor id we take (Stripe's are about 30, Xero's GUIDs 36): our keys embed
them in columns of 255 characters."""
MAX_EPOCH_SECONDS = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())


class Unmatched(ValueError):
    """Money we cannot match to an invoice of a deal: held for review, never dropped."""

    def __init__(
        self,
        reason: str,
        *,
        crm: str,
        payment_id: str,
        deal_id: str,
        invoice_id: str,
        amount: Decimal,
        currency: str,
    ) -> None:
        super().__init__(reason)
        self.crm, self.payment_id = crm, payment_id
        self.deal_id, self.invoice_id = deal_id, invoice_id
        self.amount, self.currency = amount, currency


def too_long(**ids: str | None) -> str | None:
    """Why one of ``ids`` cannot be ours, or None."""
    for name, value in ids.items():
        if value is not None and len(value) > MAX_ID_CHARS:
            return f"{name} of {len(value)} characters (at most {MAX_ID_CHARS})"
    return None


def _checked(paid: PaymentObject, deal: str, invoice: str) -> Decimal:
    """The amount in major units, or ``ValueError`` for what no column or date can hold."""
    problem = too_long(
        event_object=paid.id, payment_intent=paid.payment_intent, deal=deal, invoice=invoice
    )
    if problem:
        raise ValueError(f"unusable payment: {problem}")
    if paid.created is not None and not 0 <= paid.created <= MAX_EPOCH_SECONDS:
        raise ValueError(f"unusable payment: created {paid.created} is not a date")
    amount = Decimal(paid.amount).scaleb(-minor_units(paid.currency.upper()))
    if amount >= MAX_AMOUNT:
        raise ValueError(
            f"unusable payment: amount {amount} {paid.currency.upper()} is beyond what "
            f"our money columns hold (below {MAX_AMOUNT})"
        )
    return amount


def payment_signal(event: PaymentEvent) -> tuple[str, str, PaymentReceived]:
    """(crm, deal id, signal) of a succeeded payment, in its own currency; ``ValueError``
    if it names no deal, its currency is not an ISO 4217 code, or an id, amount or date
    is out of what we can hold."""
    paid = event.data.object
    deal = paid.metadata.get("q2c_deal_id", "")
    invoice = paid.metadata.get("q2c_invoice_id", "")
    currency = paid.currency.upper()
    amount = _checked(paid, deal, invoice)
    if not deal or not invoice:
        raise Unmatched(
            "metadata must carry q2c_deal_id and q2c_invoice_id",
            crm=paid.metadata.get("q2c_crm", "hubspot"),
            payment_id=paid.payment_id,
            deal_id=deal,
            invoice_id=invoice,
            amount=amount,
            currency=currency,
        )
    on = datetime.fromtimestamp(paid.created, UTC).date() if paid.created else None
    signal = PaymentReceived(
        payment_id=paid.payment_id,
        invoice_id=invoice,
        amount=amount,
        received_on=on or datetime.now(UTC).date(),
        reference=f"{event.type} {event.id}",
        currency=currency,
    )
    return paid.metadata.get("q2c_crm", "hubspot"), deal, signal
