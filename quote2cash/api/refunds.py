"""Refund of a completed deal: started by someone holding the approver role (money goes
out), run as a saga by RefundWorkflow; its state is the workflow's ``refund`` query.

In full (one per deal), or an ``amount`` of it under a caller-given ``refund_id``: the
idempotency key of that partial refund (asking again with the same id joins it). A full
refund after partial ones would pay back what they paid back already, so it is refused;
the workflow refuses a partial refund above what is still refundable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, model_validator
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.api.deps import StateDep
from quote2cash.api.errors import Conflict, NotFound, TemporalUnavailable
from quote2cash.api.tokens import Principal, require
from quote2cash.api.updates import run_query
from quote2cash.billing.decimals import Dec
from quote2cash.messages import (
    QUERY_REFUND,
    REFUND_ID_PATTERN,
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


RefundId = Annotated[str, Field(pattern=REFUND_ID_PATTERN, max_length=64)]


class RefundBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    amount: Dec | None = Field(
        default=None, gt=0, description="Refund this much (a decimal string); none: in full."
    )
    refund_id: RefundId | None = Field(
        default=None, description="Your key for a partial refund: the same id joins it."
    )

    @model_validator(mode="after")
    def _both_or_neither(self) -> RefundBody:
        if (self.amount is None) != (self.refund_id is None):
            raise ValueError(
                "a partial refund needs both amount and refund_id (your idempotency key); "
                "a full refund neither"
            )
        return self


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


async def _partial_refunds(client: Client, crm: str, deal_id: str) -> list[str]:
    """The deal's partial refunds that ran or are running (failed ones undid themselves).

    Temporal's visibility trails a start by a moment: a partial refund asked for in the
    same second may not be listed yet.
    """
    prefix = refund_workflow_id(crm, deal_id) + ":"
    if any(c in prefix for c in "'\\\""):
        raise Conflict(f"deal {crm}/{deal_id}: quotes cannot be part of a deal id")
    query = (
        f"WorkflowType = '{REFUND_WORKFLOW}' AND WorkflowId STARTS_WITH '{prefix}' "
        "AND ExecutionStatus IN ('Running', 'Completed')"
    )
    try:
        return [w.id async for w in client.list_workflows(query, limit=1000)]
    except RPCError as exc:
        raise TemporalUnavailable(f"Temporal could not list the deal's refunds: {exc}") from exc


@router.post("/{crm}/{deal_id}/refund", status_code=202)
async def refund(
    crm: str, deal_id: str, body: RefundBody, state: StateDep, who: ApproverCaller
) -> RefundStarted:
    """Refund the deal's paid invoice in full (one refund per deal: asking again joins it),
    or ``amount`` of it (one per ``refund_id``: asking again joins it)."""
    deal = await _completed_deal(state, crm, deal_id)
    workflow_id = refund_workflow_id(crm, deal_id, body.refund_id or "")
    client = await state.gateway.client()
    if body.amount is None and (partials := await _partial_refunds(client, crm, deal_id)):
        raise Conflict(
            f"deal {crm}/{deal_id} has partial refunds ({', '.join(partials)}): a full refund "
            "would pay them back twice; refund the rest as a partial refund"
        )
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
                amount=body.amount,
                refund_id=body.refund_id or "",
            ),
            id=workflow_id,
            task_queue=state.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A compensated (failed) refund may be asked again; a done one may not.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
    except WorkflowAlreadyStartedError:
        if body.refund_id:
            raise Conflict(
                f"refund {body.refund_id} of deal {crm}/{deal_id} is done already; another "
                "refund needs another refund_id"
            ) from None
        raise Conflict(f"deal {crm}/{deal_id} was refunded already") from None
    except RPCError as exc:
        raise TemporalUnavailable(f"Temporal could not start the refund: {exc}") from exc
    return RefundStarted(workflow_id=workflow_id)


@router.get("/{crm}/{deal_id}/refund")
async def refund_state(
    crm: str,
    deal_id: str,
    state: StateDep,
    _: ApproverCaller,
    refund_id: Annotated[RefundId | None, Query(description="A partial refund's id.")] = None,
) -> RefundStatus:
    workflow_id = refund_workflow_id(crm, deal_id, refund_id or "")
    return await run_query(state, workflow_id, QUERY_REFUND, RefundStatus)
