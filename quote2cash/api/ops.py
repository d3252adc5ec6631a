"""Ops endpoints (a token with the ``ops`` role): a deal's state, the inbox, replay; health."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query
from sqlmodel import Session
from temporalio.client import WorkflowExecutionDescription
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.api.deps import AppState, StateDep
from quote2cash.api.errors import Conflict, NotFound, TemporalUnavailable
from quote2cash.api.refunded import REFUNDED, full_refund_completed
from quote2cash.api.schemas import ConnectionState, Health, InboxView
from quote2cash.api.tokens import ROLE_OPS, require
from quote2cash.messages import QUERY_STAGE, deal_workflow_id
from quote2cash.store import InboxRepository, InboxStatus, connections, unit_of_work

router = APIRouter()
OpsDep = Depends(require(ROLE_OPS))
QUERY_TIMEOUT = timedelta(seconds=5)
# Inbox ids are INTEGER on PostgreSQL: a larger number is a 422, not a database error.
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
BeforeId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def _describe(d: WorkflowExecutionDescription) -> dict[str, Any]:
    return {
        "workflow_id": d.id,
        "run_id": d.run_id,
        "status": d.status.name if d.status else None,
        "task_queue": d.task_queue,
        "started_at": d.start_time,
        "closed_at": d.close_time,
        "search_attributes": {p.key.name: p.value for p in d.typed_search_attributes},
    }


@router.get("/deals/{crm}/{deal_id}", tags=["ops"], dependencies=[OpsDep])
async def deal(crm: str, deal_id: str, state: StateDep) -> dict[str, Any]:
    """The workflow as Temporal describes it, and what its ``stage`` query answers."""
    client = await state.gateway.client()
    handle = client.get_workflow_handle(deal_workflow_id(crm, deal_id))
    try:
        description = await handle.describe(rpc_timeout=QUERY_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(f"no workflow for deal {crm}/{deal_id}") from None
        raise TemporalUnavailable(f"Temporal could not describe the deal: {exc}") from exc
    answer: dict[str, Any] = {"workflow": _describe(description), "stage": None}
    # The deal's own workflow ends "completed" when paid; a full refund runs after it.
    if await full_refund_completed(client, crm, deal_id):
        answer["outcome"] = REFUNDED
    else:
        answer["outcome"] = answer["workflow"]["search_attributes"].get("Q2cStage", "")
    try:
        answer["stage"] = await handle.query(QUERY_STAGE, rpc_timeout=QUERY_TIMEOUT)
    except Exception as exc:  # no worker, or an old run: the description still helps
        answer["stage_error"] = f"{type(exc).__name__}: {exc}"
    return answer


def _database_ok(state: AppState) -> tuple[bool, dict[str, int], list[ConnectionState]]:
    try:
        with unit_of_work(state.engine) as session:
            session.connection().execute(sa.text("SELECT 1"))
            return True, InboxRepository(session).counts(), _connections(session)
    except sa.exc.SQLAlchemyError:
        return False, {}, []


def _connections(session: Session) -> list[ConnectionState]:
    stored = [
        ConnectionState(
            vendor=c.vendor,
            tenant_id=c.tenant_id,
            tenant_name=c.tenant_name,
            status=c.status,
            reason=c.status_reason,
            refreshed_at=c.refreshed_at,
            refreshes=c.refreshes,
        )
        for c in connections.states(session)
    ]
    if not any(c.vendor == "xero" for c in stored):
        stored.append(
            ConnectionState(
                vendor="xero",
                tenant_id="",
                tenant_name="",
                status="missing",
                reason="no Xero connection stored: run q2c connect xero",
            )
        )
    return stored


@router.get("/healthz", tags=["health"])
async def healthz(state: StateDep) -> Health:
    """Up when the database answers; Temporal being down degrades, it does not fail:
    webhooks are still stored and relayed later."""
    db_ok, counts, links = await asyncio.to_thread(_database_ok, state)
    temporal_ok = await state.gateway.reachable()
    status = "ok" if db_ok and temporal_ok else ("degraded" if db_ok else "down")
    return Health(
        status=status, database=db_ok, temporal=temporal_ok, inbox=counts, connections=links
    )


@router.get("/inbox", tags=["ops"], dependencies=[OpsDep])
def inbox(
    state: StateDep,
    status: InboxStatus | None = None,
    source: str | None = None,
    limit: int = 100,
    before_id: BeforeId = None,
) -> list[InboxView]:
    """Newest first; page with ``before_id``."""
    with unit_of_work(state.engine) as session:
        entries = InboxRepository(session).list(
            status=status, source=source, limit=min(max(limit, 1), 1000), before_id=before_id
        )
        return [InboxView.of(e) for e in entries]


@router.get("/inbox/{entry_id}", tags=["ops"], dependencies=[OpsDep])
def inbox_entry(entry_id: EntryId, state: StateDep) -> InboxView:
    with unit_of_work(state.engine) as session:
        entry = InboxRepository(session).get(entry_id)
        if entry is None:
            raise NotFound(f"no inbox entry {entry_id}")
        return InboxView.of(entry, full=True)


def _requeue(state: AppState, entry_id: int) -> InboxView:
    with unit_of_work(state.engine) as session:
        inbox = InboxRepository(session)
        entry = inbox.get(entry_id)
        if entry is None:
            raise NotFound(f"no inbox entry {entry_id}")
        if entry.status == InboxStatus.REJECTED:
            # Replaying it would hand Temporal a message whose sender was never verified,
            # or one about another organisation's books.
            raise Conflict(f"inbox entry {entry_id} was rejected at ingress: not replayable")
        inbox.requeue(entry_id, now=state.clock())
        return InboxView.of(entry)


@router.post("/inbox/{entry_id}/replay", status_code=202, tags=["ops"], dependencies=[OpsDep])
async def replay(entry_id: EntryId, state: StateDep, background: BackgroundTasks) -> InboxView:
    """Relay the entry again. Safe for any entry: deal starts never run a deal twice and
    workflows deduplicate signals."""
    view = await asyncio.to_thread(_requeue, state, entry_id)
    background.add_task(state.relay.relay_ids, [entry_id])
    return view
