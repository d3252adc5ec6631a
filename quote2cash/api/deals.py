"""Deal actions for ops and finance: list by stage, retry a parked deal, approve, reject,
write off, correct (void and reissue).

Each action is a Temporal Update of the deal's workflow, so the caller gets the
workflow's answer, or the reason its validator refused (``Refused``, 409); an action on
a deal whose workflow has ended says how it ended and what to do (``DealClosed``, 409,
api/closed.py). Listing is a visibility query on the search attributes the workflow
keeps at resting stages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from temporalio.client import WorkflowExecution
from temporalio.service import RPCError

from quote2cash.api.closed import closed_reason
from quote2cash.api.deps import StateDep
from quote2cash.api.errors import NotFound, TemporalUnavailable
from quote2cash.api.refunded import REFUNDED, refunded_deals
from quote2cash.api.tokens import ROLE_OPS, CallerDep, Principal, require
from quote2cash.api.updates import run_update
from quote2cash.messages import (
    DEAL_WORKFLOW,
    UPDATE_APPROVE,
    UPDATE_CORRECT,
    UPDATE_REJECT,
    UPDATE_RETRY,
    UPDATE_WRITE_OFF,
    ApprovalDecision,
    RetryRequest,
    Stage,
    deal_workflow_id,
)

router = APIRouter(prefix="/deals", tags=["deals"])
OpsCaller = Annotated[Principal, Depends(require(ROLE_OPS))]


class DealRow(BaseModel):
    workflow_id: str
    status: str
    started_at: datetime | None
    search_attributes: dict[str, Any]
    outcome: str = ""
    """The deal's stage, or ``refunded`` once a full refund of it completed."""


class Decision(BaseModel):
    reason: str = Field(default="", max_length=2000)


class RetryBody(BaseModel):
    note: str = Field(default="", max_length=2000)


class Answer(BaseModel):
    workflow_id: str
    answer: str


def _row(w: WorkflowExecution, refunded: set[str]) -> DealRow:
    attributes = {p.key.name: p.value for p in w.typed_search_attributes}
    return DealRow(
        workflow_id=w.id,
        status=w.status.name if w.status else "UNKNOWN",
        started_at=w.start_time,
        search_attributes=attributes,
        outcome=REFUNDED if w.id in refunded else str(attributes.get("Q2cStage", "")),
    )


@router.get("")
async def list_deals(
    state: StateDep, _: OpsCaller, stage: Stage | None = None, limit: int = 100
) -> list[DealRow]:
    """Deals by stage, newest first (``needs_attention``: the ones waiting for a fix)."""
    query = f"WorkflowType = '{DEAL_WORKFLOW}'"
    if stage is not None:  # an enum value: nothing from the caller reaches the query text
        query += f" AND Q2cStage = '{stage.value}'"
    client = await state.gateway.client()
    try:
        found = [w async for w in client.list_workflows(query, limit=min(max(limit, 1), 1000))]
        refunded = await refunded_deals(client) if found else set()
        return [_row(w, refunded) for w in found]
    except RPCError as exc:
        raise TemporalUnavailable(f"Temporal could not list deals: {exc}") from exc


async def _update(state: StateDep, crm: str, deal_id: str, name: str, arg: BaseModel) -> Answer:
    workflow_id = deal_workflow_id(crm, deal_id)
    try:
        answer = await run_update(state, workflow_id, name, arg, str)
    except NotFound:
        # "No running workflow" is all Temporal says of an ended deal: say how it ended.
        client = await state.gateway.client()
        closed = await closed_reason(client, workflow_id, name.replace("_", " "))
        if closed is None:
            raise
        raise closed from None
    return Answer(workflow_id=workflow_id, answer=answer)


@router.post("/{crm}/{deal_id}/retry")
async def retry(crm: str, deal_id: str, body: RetryBody, state: StateDep, who: OpsCaller) -> Answer:
    """Run a parked deal's failed step again, after the data was fixed at its source."""
    request = RetryRequest(requested_by=who.subject, note=body.note)
    return await _update(state, crm, deal_id, UPDATE_RETRY, request)


@router.post("/{crm}/{deal_id}/approve")
async def approve(
    crm: str, deal_id: str, body: Decision, state: StateDep, who: CallerDep
) -> Answer:
    decision = ApprovalDecision(actor=who.subject, roles=list(who.roles), reason=body.reason)
    return await _update(state, crm, deal_id, UPDATE_APPROVE, decision)


@router.post("/{crm}/{deal_id}/reject")
async def reject(crm: str, deal_id: str, body: Decision, state: StateDep, who: CallerDep) -> Answer:
    decision = ApprovalDecision(actor=who.subject, roles=list(who.roles), reason=body.reason)
    return await _update(state, crm, deal_id, UPDATE_REJECT, decision)


@router.post("/{crm}/{deal_id}/write-off")
async def write_off(
    crm: str, deal_id: str, body: Decision, state: StateDep, who: CallerDep
) -> Answer:
    """Approve the write-off a long-overdue deal proposed (approver role, not its owner)."""
    decision = ApprovalDecision(actor=who.subject, roles=list(who.roles), reason=body.reason)
    return await _update(state, crm, deal_id, UPDATE_WRITE_OFF, decision)


@router.post("/{crm}/{deal_id}/correct")
async def correct(
    crm: str, deal_id: str, body: Decision, state: StateDep, who: CallerDep
) -> Answer:
    """Void the deal's unpaid invoice and reissue it under the next number (approver
    role, not the deal's owner, a reason). Answers once done: the voided and reissued
    numbers, or why the invoice was left as it was (paid, not AUTHORISED, or the deal
    changed in the CRM since it was invoiced)."""
    decision = ApprovalDecision(actor=who.subject, roles=list(who.roles), reason=body.reason)
    return await _update(state, crm, deal_id, UPDATE_CORRECT, decision)
