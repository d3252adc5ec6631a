"""Subscription endpoints: start one, ingest usage, amend, cancel, read its state.

Usage events are stored in the inbox before the 202, one entry per event deduplicated
by its id within the subscription, and relayed in the background as the subscription's
usage signal: a Temporal outage delays them, it does not lose them, and a client resends
a batch safely (the workflow also drops an event id it has seen).

Amendments and cancellations are Updates: the answer is the billing core's quote, or
the workflow's reason for refusing (409).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Request
from pydantic import BaseModel
from temporalio.client import WorkflowExecutionStatus
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.api.deps import StateDep
from quote2cash.api.errors import NotFound, TemporalUnavailable
from quote2cash.api.ingress import store_usage
from quote2cash.api.schemas import UsageAccepted
from quote2cash.api.subscription_start import (
    SubscriptionRequest,
    UsageBatchIn,
    subscription_start,
)
from quote2cash.api.tokens import ROLE_OPS, ROLE_USAGE, Principal, require
from quote2cash.api.updates import run_query, run_update
from quote2cash.api.webhooks import reject
from quote2cash.chart.mapping import mapping_for
from quote2cash.messages import (
    QUERY_SUBSCRIPTION,
    SUBSCRIPTION_WORKFLOW,
    UPDATE_AMEND,
    UPDATE_CANCEL,
    AmendmentQuote,
    AmendmentRequest,
    CancelRequest,
    LineAmendment,
    SubscriptionStatus,
    subscription_workflow_id,
)
from quote2cash.temporal import SA_DEAL_ID, SA_STAGE

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])
OpsCaller = Annotated[Principal, Depends(require(ROLE_OPS))]
UsageCaller = Annotated[Principal, Depends(require(ROLE_USAGE))]
# Keeps the inbox's dedupe key ("usage:<subscription>:<event id>") within its 255 characters.
SubscriptionId = Annotated[str, Path(min_length=1, max_length=48)]
DESCRIBE_TIMEOUT = timedelta(seconds=2)


class Started(BaseModel):
    workflow_id: str
    run_id: str


class Amendment(BaseModel):
    reason: str
    changes: list[LineAmendment]
    dry_run: bool = False


class Cancellation(BaseModel):
    reason: str
    when: Literal["end_of_term", "immediately"] = "end_of_term"


@router.post("", status_code=201)
async def start(request: SubscriptionRequest, state: StateDep, _: OpsCaller) -> Started:
    """Start (or join: the id is the subscription's) its workflow at period 0
    (examples/subscription.json)."""
    body = await subscription_start(state.engine, request)
    workflow_id = subscription_workflow_id(body.terms.subscription_id)
    client = await state.gateway.client()
    # Booked in the billing entity's organisation, as a deal is; the seller's country is
    # the subscription file's own.
    snapshot = body.snapshot.model_copy(update={"accounts": mapping_for(state.settings).accounts})
    try:
        handle = await client.start_workflow(
            SUBSCRIPTION_WORKFLOW,
            body.model_copy(update={"period_index": 0, "snapshot": snapshot}),
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
    subscription_id: SubscriptionId,
    sent: UsageBatchIn,
    request: Request,
    state: StateDep,
    background: BackgroundTasks,
    _: UsageCaller,
) -> UsageAccepted:
    """Store the batch's events, answer, then relay the new ones to the subscription.

    Usage for a subscription Temporal says is not running is refused (404) and kept as
    evidence: answering 202 would leave the caller believing it will be billed. While
    Temporal cannot be asked, the batch is stored and relayed once it answers."""
    body = sent.received(datetime.now(UTC))
    if await _not_running(state, subscription_id):
        body_bytes = await request.body()
        error = NotFound(
            f"subscription {subscription_id} is not running: its usage would not be billed. "
            "Check the id, or start the subscription (POST /subscriptions) and send again"
        )
        await reject(state, "usage", request, body_bytes, error)
    stored = await asyncio.to_thread(
        store_usage, state.engine, request.headers, subscription_id, body
    )
    background.add_task(state.relay.relay_ids, stored.inbox_ids)
    return UsageAccepted(
        received=stored.received,
        accepted=stored.stored,
        duplicates=stored.duplicates,
        inbox_ids=stored.inbox_ids,
    )


async def _not_running(state: StateDep, subscription_id: str) -> bool:
    """True only when Temporal answers that the workflow is missing or closed."""
    try:
        client = await state.gateway.client()
        handle = client.get_workflow_handle(subscription_workflow_id(subscription_id))
        description = await handle.describe(rpc_timeout=DESCRIBE_TIMEOUT)
    except RPCError as exc:
        return exc.status == RPCStatusCode.NOT_FOUND
    except TemporalUnavailable:
        return False
    return description.status != WorkflowExecutionStatus.RUNNING


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
