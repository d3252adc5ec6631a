"""Refund of a completed deal: started by someone holding the approver role (money goes
out), run as a saga by RefundWorkflow; its state is the workflow's ``refund`` query."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from temporalio.client import WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.api.deps import StateDep
from quote2cash.api.errors import Conflict, NotFound, TemporalUnavailable
from quote2cash.api.tokens import Principal, require
from quote2cash.api.updates import run_query
from quote2cash.messages import (
    QUERY_REFUND,
    REFUND_WORKFLOW,
    ROLE_APPROVER,
    DealStatus,
    RefundStart,
    RefundStatus,
    Stage,
    deal_workflow_id,
    refund_workflow_id,
)

router = APIRouter(prefix="/deals", tags=["refunds"])
ApproverCaller = Annotated[Principal, Depends(require(ROLE_APPROVER))]


class RefundBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class RefundStarted(BaseModel):
    workflow_id: str


async def _completed_deal(state: StateDep, crm: str, deal_id: str) -> DealStatus:
    client = await state.gateway.client()
    handle = client.get_workflow_handle(deal_workflow_id(crm, deal_id), result_type=DealStatus)
    try:
        description = await handle.describe()
        if description.status != WorkflowExecutionStatus.COMPLETED:
            raise Conflict(f"deal {crm}/{deal_id} is not completed: nothing paid to refund")
        result: DealStatus = await handle.result()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(f"no workflow for deal {crm}/{deal_id}") from None
        raise TemporalUnavailable(f"Temporal could not read the deal: {exc}") from exc
    if result.stage != Stage.COMPLETED:
        raise Conflict(f"deal {crm}/{deal_id} ended {result.stage.value}: nothing to refund")
    return result


@router.post("/{crm}/{deal_id}/refund", status_code=202)
async def refund(
    crm: str, deal_id: str, body: RefundBody, state: StateDep, who: ApproverCaller
) -> RefundStarted:
    """Refund the deal's paid invoice in full (one refund per deal: asking again joins it)."""
    deal = await _completed_deal(state, crm, deal_id)
    workflow_id = refund_workflow_id(crm, deal_id)
    client = await state.gateway.client()
    try:
        await client.start_workflow(
            REFUND_WORKFLOW,
            RefundStart(
                crm=crm,
                deal_id=deal_id,
                invoice_id=deal.invoice_id,
                invoice_number=deal.invoice_number,
                snapshot_hash=deal.snapshot_hash,
                reason=body.reason,
                requested_by=who.subject,
            ),
            id=workflow_id,
            task_queue=state.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A compensated (failed) refund may be asked again; a done one may not.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
    except WorkflowAlreadyStartedError:
        raise Conflict(f"deal {crm}/{deal_id} was refunded already") from None
    except RPCError as exc:
        raise TemporalUnavailable(f"Temporal could not start the refund: {exc}") from exc
    return RefundStarted(workflow_id=workflow_id)


@router.get("/{crm}/{deal_id}/refund")
async def refund_state(crm: str, deal_id: str, state: StateDep, _: ApproverCaller) -> RefundStatus:
    return await run_query(state, refund_workflow_id(crm, deal_id), QUERY_REFUND, RefundStatus)
