"""The missed-deal sweep's messages: pure, so workflow code may import them (see
quote2cash/sweep.py for what the sweep is and workers/sandbox.py for the rule)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

SWEEP_WORKFLOW = "SweepWorkflow"
SWEEP_ACTIVITY = "sweep_won_deals"


class SweepRequest(BaseModel):
    overlap_minutes: int = Field(default=60, ge=0)
    first_lookback_hours: int = Field(default=72, ge=1)
    """How far back the very first sweep looks (no mark yet)."""


class SweepResult(BaseModel):
    """What one sweep saw: ids only (deal ids are not personal data)."""

    since: datetime
    until: datetime
    found: int
    """Deals in a won stage modified in the window."""
    already_started: int
    recorded: list[str]
    """Deal ids stored in the inbox for the relay to start: their webhook never came."""


SWEPT_DEAL = "deal.won"
"""The inbox kind of a deal the sweep found (source ``sweep``)."""


class SweptDeal(BaseModel):
    """The inbox body of a won deal the sweep found without a workflow."""

    crm: str = "hubspot"
    deal_id: str
    stage: str
    closed_at: datetime


def swept_dedupe_key(crm: str, deal_id: str) -> str:
    """One sweep entry per deal, however many sweeps find it before it starts."""
    return f"sweep:{crm}:{deal_id}"
