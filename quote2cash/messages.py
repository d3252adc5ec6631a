"""Messages that cross the Temporal boundary between ingress, ops tools and workflows.

They live here, not in ``workflows/``, because the API, the CLI and the workflows all
speak them. Names of workflows, signals, updates and queries are constants so that a
caller never spells one differently from the handler.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

DEAL_WORKFLOW = "DealWorkflow"
SIGNAL_PROVISIONING = "provisioning_confirmed"
SIGNAL_INVOICE_CHANGED = "invoice_changed"
QUERY_STAGE = "stage"
UPDATE_RETRY = "retry"
UPDATE_APPROVE = "approve"
UPDATE_REJECT = "reject"
ROLE_APPROVER = "approver"
"""The role an approval Update's caller must hold (granted by the caller's API token)."""


def deal_workflow_id(crm: str, deal_id: str) -> str:
    """Workflow id of a deal: business ids only, never personal data."""
    return f"deal:{crm}:{deal_id}"


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


class ApprovalDecision(BaseModel):
    """An approve or reject Update: who decides, with the roles their token grants."""

    actor: str
    roles: list[str] = Field(default_factory=list)
    reason: str = ""


class StageChange(BaseModel):
    stage: Stage
    at: datetime


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
    journal_entries: list[str] = Field(default_factory=list)
    attention: Attention | None = None
    approval: Approval | None = None
    history: list[StageChange] = Field(default_factory=list)


class RetryRequest(BaseModel):
    requested_by: str
    note: str = ""
