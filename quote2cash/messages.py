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


def deal_workflow_id(crm: str, deal_id: str) -> str:
    """Workflow id of a deal: business ids only, never personal data."""
    return f"deal:{crm}:{deal_id}"


class Stage(StrEnum):
    RECEIVED = "received"
    SNAPSHOT = "snapshot"
    MASTER_DATA = "master_data"
    PROVISIONING = "awaiting_provisioning"
    INVOICING = "invoicing"
    AWAITING_PAYMENT = "awaiting_payment"
    POSTING = "posting"
    WRITE_BACK = "write_back"
    COMPLETED = "completed"
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
