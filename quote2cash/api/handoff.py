"""What each kind of inbox entry becomes in Temporal: a deal start or a signal.

Workflows are addressed by name and id only: the API does not import ``workflows/``.
Each handler re-reads the stored body, so a replayed entry is handled exactly like the
original one. A payment for a subscription's invoice goes to that invoice's
CollectionWorkflow (the invoice's key in our id map), any other to the deal it names. A
payment whose workflow is no longer running is the one entry handled without a
workflow: see late_payments.py. Kinds in ``BATCHED`` are relayed several
entries at a time (usage: the events of one subscription in one signal); the others one
entry at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.api.late_payments import payment_after_close
from quote2cash.api.outcomes import Deferred, Held, Ignored, Outcome, Relayed
from quote2cash.api.schemas import (
    MAX_EPOCH_SECONDS,
    HubSpotEvent,
    PaymentEvent,
    ProvisioningRequest,
    ShipmentRequest,
    Unmatched,
    UsageReport,
    XeroEvent,
    payment_signal,
    too_long,
)
from quote2cash.api.tenancy import foreign_tenant, our_xero_tenants
from quote2cash.messages import (
    DEAL_WORKFLOW,
    SIGNAL_INVOICE_CHANGED,
    SIGNAL_PAYMENT,
    SIGNAL_PROVISIONING,
    SIGNAL_SHIPMENT,
    SIGNAL_USAGE,
    DealStart,
    InvoiceChanged,
    PaymentReceived,
    ProvisioningConfirmed,
    ShipmentConfirmed,
    Stage,
    UsageBatch,
    deal_workflow_id,
    subscription_workflow_id,
)
from quote2cash.store import InboxEntry
from quote2cash.sweep_model import SWEPT_DEAL, SweptDeal
from quote2cash.temporal import SA_DEAL_ID, SA_STAGE

if TYPE_CHECKING:
    from quote2cash.api.relay import Relay

HUBSPOT_DEAL_CHANGE = "deal.propertyChange"
PROVISIONING = "provisioning.confirmed"
SHIPMENT = "shipment.confirmed"
PAYMENT = "payment.succeeded"
USAGE = "usage.recorded"


Handler = Callable[["Relay", InboxEntry], Awaitable[Outcome]]
BatchHandler = Callable[["Relay", Sequence[InboxEntry]], Awaitable[Outcome]]


def not_won_reason(event: HubSpotEvent, won_stages: frozenset[str]) -> str | None:
    """Why the event does not close a deal, or None when it does."""
    if not 0 <= event.occurred_at <= MAX_EPOCH_SECONDS * 1000:
        return f"unusable event: occurredAt {event.occurred_at} is not a date"
    problem = too_long(objectId=str(event.object_id))
    if problem:
        return f"unusable event: {problem}"
    if event.subscription_type != HUBSPOT_DEAL_CHANGE or event.property_name != "dealstage":
        return f"not a deal stage change ({event.subscription_type} {event.property_name})"
    if event.property_value not in won_stages:
        return f"stage {event.property_value!r} is not a won stage"
    return None


async def start_deal(relay: Relay, entry: InboxEntry) -> Outcome:
    event = HubSpotEvent.model_validate_json(entry.body)
    reason = not_won_reason(event, relay.policy.won_stages)
    if reason is not None:
        return Ignored(reason)
    closed_at = datetime.fromtimestamp(event.occurred_at / 1000, UTC)
    return await _start(relay, entry, str(event.object_id), closed_at)


async def start_swept_deal(relay: Relay, entry: InboxEntry) -> Outcome:
    """A won deal the sweep found without a workflow: its webhook never came."""
    swept = SweptDeal.model_validate_json(entry.body)
    if swept.stage not in relay.policy.won_stages:
        return Ignored(f"stage {swept.stage!r} is not a won stage")
    return await _start(relay, entry, swept.deal_id, swept.closed_at)


async def _start(relay: Relay, entry: InboxEntry, deal_id: str, closed_at: datetime) -> Outcome:
    """Start the deal's workflow once, whichever of its webhook and the sweep comes first."""
    workflow_id = deal_workflow_id("hubspot", deal_id)
    started = await asyncio.to_thread(relay.deal_started, workflow_id)
    if started is not None:
        return Ignored(f"deal already started (run {started}): a deal never runs twice")
    client = await relay.gateway.client()
    handle = await client.start_workflow(
        DEAL_WORKFLOW,
        DealStart(
            crm="hubspot",
            deal_id=deal_id,
            inbox_id=str(entry.id),
            closed_at=closed_at,
        ),
        id=workflow_id,
        task_queue=relay.settings.task_queue,
        # Joins a running deal; refuses to re-run a closed one (and our id map refuses
        # it after Temporal's retention has forgotten the closed run).
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(SA_DEAL_ID, deal_id),
                SearchAttributePair(SA_STAGE, Stage.RECEIVED),
            ]
        ),
        rpc_timeout=relay.policy.rpc_timeout,
    )
    run_id = handle.first_execution_run_id or handle.result_run_id or ""
    await asyncio.to_thread(relay.remember_start, workflow_id, run_id)
    return Relayed()


async def signal_invoice(relay: Relay, entry: InboxEntry) -> Outcome:
    event = XeroEvent.model_validate_json(entry.body)
    # Ingress refuses them; this catches an entry stored before it did, or replayed.
    ours = await asyncio.to_thread(our_xero_tenants, relay.settings, relay.engine)
    refused = foreign_tenant(event, ours)
    if refused:
        return Ignored(refused)
    workflow_id = await asyncio.to_thread(relay.find_invoice_owner, event.resource_id)
    if workflow_id is None:
        grace = relay.policy.unknown_invoice_grace
        if relay.clock() - entry.received_at >= grace:
            return Ignored(
                f"invoice {event.resource_id} is not one of ours (unknown after {grace})"
            )
        return Deferred(
            f"invoice {event.resource_id} not known yet: waiting for the id map",
            relay.policy.unknown_invoice_retry,
        )
    handle = await relay.handle(workflow_id)
    changed = InvoiceChanged(
        event_id=str(entry.id), invoice_id=event.resource_id, event_type=event.event_type
    )
    await handle.signal(SIGNAL_INVOICE_CHANGED, changed, rpc_timeout=relay.policy.rpc_timeout)
    return Relayed()


async def signal_provisioning(relay: Relay, entry: InboxEntry) -> Outcome:
    request = ProvisioningRequest.model_validate_json(entry.body)
    handle = await relay.handle(deal_workflow_id(request.crm, request.deal_id))
    confirmed = ProvisioningConfirmed(
        confirmation_id=request.confirmation_id,
        confirmed_by=request.confirmed_by,
        note=request.note,
    )
    await handle.signal(SIGNAL_PROVISIONING, confirmed, rpc_timeout=relay.policy.rpc_timeout)
    return Relayed()


async def signal_shipment(relay: Relay, entry: InboxEntry) -> Outcome:
    request = ShipmentRequest.model_validate_json(entry.body)
    handle = await relay.handle(deal_workflow_id(request.crm, request.deal_id))
    shipped = ShipmentConfirmed(
        shipment_id=request.shipment_id, lines=request.lines, confirmed_by=request.confirmed_by
    )
    await handle.signal(SIGNAL_SHIPMENT, shipped, rpc_timeout=relay.policy.rpc_timeout)
    return Relayed()


async def signal_payment(relay: Relay, entry: InboxEntry) -> Outcome:
    """To the deal the payment names, if the invoice it names is that deal's; a
    subscription's invoice to its collection. Anything else is held for review."""
    try:
        crm, deal_id, received = payment_signal(PaymentEvent.model_validate_json(entry.body))
    except Unmatched as exc:
        workflow_id = deal_workflow_id(exc.crm, exc.deal_id) if exc.deal_id else ""
        return _held(str(exc), exc.payment_id, workflow_id, exc.invoice_id, exc)
    except ValueError as exc:  # stored before ingress checked it: retrying cannot help
        return Ignored(str(exc))
    workflow_id = deal_workflow_id(crm, deal_id)
    owner = await asyncio.to_thread(relay.find_invoice_owner, received.invoice_id)
    collection = owner if owner and owner.startswith(subscription_workflow_id("")) else None
    if owner != workflow_id and collection is None:
        return _not_the_deals(relay, entry, workflow_id, owner, received)
    handle = await relay.handle(collection or workflow_id)
    try:
        await handle.signal(SIGNAL_PAYMENT, received, rpc_timeout=relay.policy.rpc_timeout)
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        # The deal is not running: the money must not vanish with the signal.
        return await payment_after_close(
            relay, entry, handle, deal_id, received, ours=collection is not None
        )
    return Relayed()


class _Paid(Protocol):
    amount: Decimal
    currency: str


def _held(reason: str, payment_id: str, workflow_id: str, invoice_id: str, paid: _Paid) -> Held:
    return Held(
        f"{reason}: held for review, not posted as credit (runbooks/HeldPayment.md)",
        payment_id=payment_id,
        workflow_id=workflow_id,
        invoice_id=invoice_id,
        amount=paid.amount,
        currency=paid.currency,
    )


def _not_the_deals(
    relay: Relay, entry: InboxEntry, workflow_id: str, owner: str | None, paid: PaymentReceived
) -> Outcome:
    """A payment naming an invoice that is not its deal's. One we do not know yet may
    be a deal's invoice whose id the invoice activity is about to record: wait a while."""
    if owner is None and relay.clock() - entry.received_at < relay.policy.unknown_invoice_grace:
        return Deferred(
            f"invoice {paid.invoice_id} not known yet: waiting for the id map",
            relay.policy.unknown_invoice_retry,
        )
    whose = f"invoice of {owner}" if owner else "not an invoice of ours"
    reason = (
        f"payment {paid.payment_id} of {paid.amount} {paid.currency} names {workflow_id} "
        f"and invoice {paid.invoice_id}, which is {whose}"
    )
    return _held(reason, paid.payment_id, workflow_id, paid.invoice_id, paid)


def usage_subscription(entry: InboxEntry) -> str:
    return UsageReport.model_validate_json(entry.body).subscription_id


async def signal_usage(relay: Relay, entries: Sequence[InboxEntry]) -> Outcome:
    """Events of one subscription as one usage signal (one history event, not one per
    metered event); the workflow drops an event id it has seen."""
    reports = [UsageReport.model_validate_json(e.body) for e in entries]
    subscription = reports[0].subscription_id
    handle = await relay.handle(subscription_workflow_id(subscription))
    batch = UsageBatch(events=[r.event for r in reports])
    try:
        await handle.signal(SIGNAL_USAGE, batch, rpc_timeout=relay.policy.rpc_timeout)
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        return Ignored(
            f"subscription {subscription} is not running (never started, or cancelled and "
            f"closed): its usage was not billed; replay the entry once it runs ({exc.message})"
        )
    return Relayed()


@dataclass(frozen=True)
class Batched:
    """Entries of one kind relayed together: ``group`` says which belong together."""

    group: Callable[[InboxEntry], str]
    handler: BatchHandler


HANDLERS: dict[tuple[str, str], Handler] = {
    ("hubspot", HUBSPOT_DEAL_CHANGE): start_deal,
    ("sweep", SWEPT_DEAL): start_swept_deal,
    # INVOICE.CREATE is not relayed: the deal created that invoice itself and waits
    # only for changes (payments, voids), so a signal would cost it a wasted read.
    ("xero", "INVOICE.UPDATE"): signal_invoice,
    ("ops", PROVISIONING): signal_provisioning,
    ("ops", SHIPMENT): signal_shipment,
    ("payments", PAYMENT): signal_payment,
}
BATCHED: dict[tuple[str, str], Batched] = {
    ("usage", USAGE): Batched(usage_subscription, signal_usage),
}
