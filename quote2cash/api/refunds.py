"""Refund of a completed deal: started by someone holding the approver role (money goes
out), run as a saga by RefundWorkflow; its state is the workflow's ``refund`` query.

In full (one per deal), or an ``amount`` of it under a caller-given ``refund_id``: the
idempotency key of that partial refund. Asking again with the same request (amount and
reason) joins it: 202 while it runs, 200 once it is done. The same id with another
amount or reason is a 409 that says what the existing refund asked for. A full refund
after partial ones would pay back what they paid back already, so it is refused; the
workflow refuses a refund above what other refunds left of the invoice."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
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
from quote2cash.store.columns import MAX_AMOUNT

router = APIRouter(prefix="/deals", tags=["refunds"])
ApproverCaller = Annotated[Principal, Depends(require(ROLE_APPROVER))]


RefundId = Annotated[str, Field(pattern=REFUND_ID_PATTERN, max_length=64)]


class RefundBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    amount: Dec | None = Field(
        default=None,
        gt=0,
        lt=MAX_AMOUNT,  # beyond what the money columns hold: a 422, not a parked refund
        description="Refund this much (a decimal string); none: in full.",
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
    state: Literal["running", "done"] = "running"
    """``done``: the same request was made before and that refund has completed."""


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


async def _asked_with(client: Client, workflow_id: str, run_id: str | None) -> RefundStart:
    """What the run (the newest one without ``run_id``) was started with: its input."""
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    try:
        async for event in handle.fetch_history_events():
            payloads = event.workflow_execution_started_event_attributes.input.payloads
            [start] = await client.data_converter.decode(payloads, [RefundStart])
            if isinstance(start, RefundStart):
                return start
            break
    except RPCError as exc:
        raise TemporalUnavailable(f"Temporal could not read refund {workflow_id}: {exc}") from exc
    raise TemporalUnavailable(f"refund {workflow_id} has no start event to compare with")


def _same_request(asked: RefundStart, body: RefundBody, workflow_id: str) -> None:
    """Joining is for the same request only: another amount or reason is a 409."""
    if (asked.amount, asked.reason) == (body.amount, body.reason):
        return
    raise Conflict(
        f"refund {workflow_id} was asked for {_what(asked.amount, asked.reason)}; this "
        f"request asks for {_what(body.amount, body.reason)}. Send the same amount and "
        "reason to join it, or another refund_id for another refund"
    )


def _what(amount: Decimal | None, reason: str) -> str:
    return f"{'the whole invoice' if amount is None else amount} (reason {reason!r})"


@router.post("/{crm}/{deal_id}/refund", status_code=202)
async def refund(
    crm: str,
    deal_id: str,
    body: RefundBody,
    state: StateDep,
    who: ApproverCaller,
    response: Response,
) -> RefundStarted:
    """Refund the deal's paid invoice in full (one refund per deal), or ``amount`` of it
    (one per ``refund_id``); the same request again joins it, another one is a 409."""
    deal = await _completed_deal(state, crm, deal_id)
    workflow_id = refund_workflow_id(crm, deal_id, body.refund_id or "")
    client = await state.gateway.client()
    if body.amount is None and (partials := await _partial_refunds(client, crm, deal_id)):
        raise Conflict(
            f"deal {crm}/{deal_id} has partial refunds ({', '.join(partials)}): a full refund "
            "would pay them back twice; refund the rest as a partial refund"
        )
    try:
        handle = await client.start_workflow(
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
    except WorkflowAlreadyStartedError:  # it completed: the same request is answered done
        _same_request(await _asked_with(client, workflow_id, None), body, workflow_id)
        response.status_code = 200
        return RefundStarted(workflow_id=workflow_id, state="done")
    except RPCError as exc:
        raise TemporalUnavailable(f"Temporal could not start the refund: {exc}") from exc
    # Started, or joined a running one (USE_EXISTING): compared after the start, so two
    # different requests racing with one id cannot both be answered 202.
    _same_request(await _asked_with(client, workflow_id, handle.run_id), body, workflow_id)
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
