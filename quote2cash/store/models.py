"""SQLModel tables of the store. Every table here has an Alembic migration in
``migrations/versions``; a test checks that the two never drift apart.

Money is ``Money`` (exact), timestamps are ``UtcDateTime`` (aware UTC).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from quote2cash.store.columns import Money, UtcDateTime, utcnow


class InboxStatus(StrEnum):
    PENDING = "pending"  # stored, not yet handed to Temporal
    RELAYED = "relayed"  # handed over: workflow started or signalled
    FAILED = "failed"  # a relay attempt failed; the relay loop retries it
    IGNORED = "ignored"  # nothing to do (other event type, deal already completed, ...)
    POSTED = "posted"  # handled without a workflow: written to our ledger (late payment)
    HELD = "held"  # a payment we cannot match to its deal's invoice: held for review
    REJECTED = "rejected"  # refused at the door: bad signature, stale, malformed


RETRYABLE = (InboxStatus.PENDING, InboxStatus.FAILED)


def _utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    column: sa.Column[datetime] = sa.Column(UtcDateTime(), nullable=nullable, index=index)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


class InboxEntry(SQLModel, table=True):
    """One inbound message, stored before it is acknowledged (invariant 7)."""

    __tablename__ = "inbox_entry"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32, index=True)
    dedupe_key: str = Field(max_length=255, unique=True)
    kind: str = Field(default="", max_length=128)
    status: str = Field(default=InboxStatus.PENDING, max_length=16, index=True)
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    headers: dict[str, str] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON(), nullable=False)
    )
    body: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    received_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()
    relayed_at: datetime | None = _utc_column(nullable=True)
    next_attempt_at: datetime | None = _utc_column(nullable=True)
    attempts: int = 0
    duplicates: int = 0

    @property
    def body_text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class IdMapEntry(SQLModel, table=True):
    """Our business key ↔ an external system's id, one to one per (system, kind)."""

    __tablename__ = "id_map"
    __table_args__ = (
        sa.UniqueConstraint("system", "kind", "our_key", name="uq_id_map_ours"),
        sa.UniqueConstraint("system", "kind", "their_id", name="uq_id_map_theirs"),
    )

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=32)
    kind: str = Field(max_length=64)
    our_key: str = Field(max_length=255)
    their_id: str = Field(max_length=255)
    created_at: datetime = _utc_column()


class InvoiceCounter(SQLModel, table=True):
    """The next invoice sequence of one billing entity; locked while allocating."""

    __tablename__ = "invoice_counter"

    entity: str = Field(primary_key=True, max_length=64)
    next_value: int = 1


class InvoiceNumber(SQLModel, table=True):
    """An allocated invoice number, bound forever to the business key that asked."""

    __tablename__ = "invoice_number"
    __table_args__ = (
        sa.UniqueConstraint("entity", "business_key", name="uq_invoice_number_key"),
        sa.UniqueConstraint("entity", "seq", name="uq_invoice_number_seq"),
        sa.UniqueConstraint("entity", "number", name="uq_invoice_number_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=64)
    business_key: str = Field(max_length=255)
    seq: int
    number: str = Field(max_length=64)
    allocated_at: datetime = _utc_column()


class LedgerEntry(SQLModel, table=True):
    """A balanced journal entry of our ledger mirror, posted once per entry key."""

    __tablename__ = "ledger_entry"

    id: int | None = Field(default=None, primary_key=True)
    entry_key: str = Field(max_length=255, unique=True)
    deal_id: str = Field(max_length=255, index=True)
    currency: str = Field(max_length=3)
    entry_date: date
    description: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))
    source: str = Field(max_length=64)
    fingerprint: str = Field(max_length=64)
    posted_at: datetime = _utc_column()


class LedgerLine(SQLModel, table=True):
    __tablename__ = "ledger_line"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(
        sa_column=sa.Column(
            sa.Integer(), sa.ForeignKey("ledger_entry.id"), nullable=False, index=True
        )
    )
    line_no: int
    account: str = Field(max_length=64)
    debit: Decimal = Field(sa_column=sa.Column(Money(), nullable=False))
    credit: Decimal = Field(sa_column=sa.Column(Money(), nullable=False))
    memo: str = Field(default="", max_length=512)


class AuditEvent(SQLModel, table=True):
    """Who did what to which subject, append only: the auditor's trail."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc_column()
    actor: str = Field(max_length=255)
    action: str = Field(max_length=128)
    subject: str = Field(max_length=255, index=True)
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON(), nullable=False)
    )


class RefundInvoice(SQLModel, table=True):
    """One row per invoice that has been refunded from: locked while a refund reserves."""

    __tablename__ = "refund_invoice"

    invoice_number: str = Field(primary_key=True, max_length=64)
    created_at: datetime = _utc_column()


class RefundReservation(SQLModel, table=True):
    """What one refund (keyed by its workflow id) holds of an invoice. ``held`` counts
    against the invoice while the refund runs and after it is done; ``released`` (its
    compensation ran) counts no more."""

    __tablename__ = "refund_reservation"

    id: int | None = Field(default=None, primary_key=True)
    refund_key: str = Field(max_length=255, unique=True)
    invoice_number: str = Field(max_length=64, index=True)
    run_id: str = Field(default="", max_length=64)
    amount: Decimal = Field(sa_column=sa.Column(Money(), nullable=False))
    status: str = Field(default="held", max_length=16)
    reserved_at: datetime = _utc_column()
    released_at: datetime | None = _utc_column(nullable=True)


class ReconciliationRun(SQLModel, table=True):
    """One daily reconciliation, one per business date: a rerun replaces it."""

    __tablename__ = "reconciliation_run"

    id: int | None = Field(default=None, primary_key=True)
    business_date: date = Field(unique=True)
    ran_at: datetime = _utc_column()
    matched: int = 0
    findings: int = 0
    pending: int = 0
    totals: list[dict[str, str]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False)
    )
    pending_items: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False)
    )


class ReconciliationFinding(SQLModel, table=True):
    """A difference a run found: exact amount, plain explanation, the keys to look at."""

    __tablename__ = "reconciliation_finding"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(
        sa_column=sa.Column(
            sa.Integer(), sa.ForeignKey("reconciliation_run.id"), nullable=False, index=True
        )
    )
    kind: str = Field(max_length=32)
    currency: str = Field(max_length=3)
    amount: Decimal = Field(sa_column=sa.Column(Money(), nullable=False))
    explanation: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    keys: dict[str, str] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON(), nullable=False)
    )


class SweepMark(SQLModel, table=True):
    """How far a scheduled sweep has looked: the next one starts there (less an overlap)."""

    __tablename__ = "sweep_mark"

    name: str = Field(primary_key=True, max_length=64)
    swept_until: datetime = _utc_column()
    updated_at: datetime = _utc_column()


class HeldPayment(SQLModel, table=True):
    """A payment we could not match to an invoice of the deal it names (or that names
    none): not money in our ledger until someone reviews it. ``inbox_id`` is the
    evidence, the provider's signed event as received."""

    __tablename__ = "held_payment"

    id: int | None = Field(default=None, primary_key=True)
    inbox_id: int = Field(unique=True)
    payment_id: str = Field(max_length=255)
    workflow_id: str = Field(default="", max_length=255, index=True)
    invoice_id: str = Field(default="", max_length=255)
    amount: Decimal = Field(sa_column=sa.Column(Money(), nullable=False))
    currency: str = Field(max_length=3)
    reason: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    status: str = Field(default="held", max_length=16)
    held_at: datetime = _utc_column()


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"  # the grant was revoked or expired: q2c connect


class VendorConnection(SQLModel, table=True):
    """One connected vendor account (a Xero organisation): who granted what, and its token
    set sealed with AES-256-GCM (``quote2cash.connect.tokens``); no token is ever stored
    in clear. The row is also the lock under which one process at a time refreshes."""

    __tablename__ = "vendor_connection"
    __table_args__ = (sa.UniqueConstraint("vendor", "tenant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    vendor: str = Field(max_length=32)
    tenant_id: str = Field(max_length=64)
    tenant_name: str = Field(default="", max_length=255)
    vendor_connection_id: str = Field(default="", max_length=64)
    grant_type: str = Field(max_length=32)
    client_id: str = Field(max_length=255)
    scopes: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))
    sealed_tokens: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    access_expires_at: datetime | None = _utc_column(nullable=True)
    status: str = Field(default=ConnectionStatus.CONNECTED, max_length=32)
    status_reason: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))
    refreshes: int = 0
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()
    refreshed_at: datetime | None = _utc_column(nullable=True)
