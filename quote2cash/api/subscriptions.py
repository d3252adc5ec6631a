"""Subscription endpoints: start one, ingest usage, amend, cancel, read its state.

Usage is signalled straight to the subscription: the workflow drops an event id it has
seen, so a client resends a batch safely. Amendments and cancellations are Updates: the
answer is the billing core's quote, or the workflow's reason for refusing (409).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)
from temporalio.service import RPCError

from quote2cash.api.deps import StateDep
from quote2cash.api.errors import TemporalUnavailable
from quote2cash.api.tokens import ROLE_OPS, ROLE_USAGE, Principal, require
from quote2cash.api.updates import run_query, run_update, send_signal
from quote2cash.messages import (
    QUERY_SUBSCRIPTION,
    SIGNAL_USAGE,
    SUBSCRIPTION_WORKFLOW,
    UPDATE_AMEND,
    UPDATE_CANCEL,
    AmendmentQuote,
    AmendmentRequest,
    CancelRequest,
    LineAmendment,
    SubscriptionStart,
    SubscriptionStatus,
    UsageBatch,
    subscription_workflow_id,
)
from quote2cash.temporal import SA_DEAL_ID, SA_STAGE

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])
OpsCaller = Annotated[Principal, Depends(require(ROLE_OPS))]
UsageCaller = Annotated[Principal, Depends(require(ROLE_USAGE))]


class Started(BaseModel):
    workflow_id: str
    run_id: str


class UsageAccepted(BaseModel):
    received: int


class Amendment(BaseModel):
    reason: str
    changes: list[LineAmendment]
    dry_run: bool = False


class Cancellation(BaseModel):
    reason: str
    when: Literal["end_of_term", "immediately"] = "end_of_term"


@router.post("", status_code=201)
async def start(body: SubscriptionStart, state: StateDep, _: OpsCaller) -> Started:
    """Start (or join: the id is the subscription's) its workflow at period 0."""
    workflow_id = subscription_workflow_id(body.terms.subscription_id)
    client = await state.gateway.client()
    try:
        handle = await client.start_workflow(
            SUBSCRIPTION_WORKFLOW,
            body.model_copy(update={"period_index": 0}),
            id=workflow_id,
            task_queue=state.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(SA_DEAL_ID, body.snapshot.deal_id),
                    SearchAttributePair(SA_STAGE, "subscription_active"),
                ]
            ),
        )
    except RPCError as exc:
        raise TemporalUnavailable(f"Temporal could not start {workflow_id}: {exc}") from exc
    return Started(workflow_id=workflow_id, run_id=handle.result_run_id or "")


@router.get("/{subscription_id}")
async def show(subscription_id: str, state: StateDep, _: OpsCaller) -> SubscriptionStatus:
    workflow_id = subscription_workflow_id(subscription_id)
    return await run_query(state, workflow_id, QUERY_SUBSCRIPTION, SubscriptionStatus)


@router.post("/{subscription_id}/usage", status_code=202)
async def usage(
    subscription_id: str, body: UsageBatch, state: StateDep, _: UsageCaller
) -> UsageAccepted:
    await send_signal(state, subscription_workflow_id(subscription_id), SIGNAL_USAGE, body)
    return UsageAccepted(received=len(body.events))


@router.post("/{subscription_id}/amend")
async def amend(
    subscription_id: str, body: Amendment, state: StateDep, who: OpsCaller
) -> AmendmentQuote:
    """Quote (``dry_run``) or apply an upgrade, downgrade or quantity change."""
    request = AmendmentRequest(
        requested_by=who.subject, reason=body.reason, changes=body.changes, dry_run=body.dry_run
    )
    workflow_id = subscription_workflow_id(subscription_id)
    return await run_update(state, workflow_id, UPDATE_AMEND, request, AmendmentQuote)


@router.post("/{subscription_id}/cancel")
async def cancel(subscription_id: str, body: Cancellation, state: StateDep, who: OpsCaller) -> str:
    """Cancel at the end of the current term, or immediately with a credit note for the
    unused rest of the period; the last usage is invoiced then."""
    request = CancelRequest(requested_by=who.subject, reason=body.reason, when=body.when)
    workflow_id = subscription_workflow_id(subscription_id)
    return await run_update(state, workflow_id, UPDATE_CANCEL, request, str)
