"""Refunds of one invoice started together: the hold in our database (the real
repository on this test's real database) lets exactly one through, also when both
passed the Xero-side check before either issued a credit note. A completed refund
keeps its hold; a compensated one gives it back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import SnapshotRequest
from activities.reservations import ReservationActivities
from quote2cash.billing.snapshot import QuoteSnapshot
from quote2cash.messages import RefundStart, RefundStatus, refund_workflow_id
from quote2cash.store import RefundReservationRepository, unit_of_work
from tests.recording import record_history
from tests.workflows.test_partial_refund import Xero, _start
from tests.workflows.test_refund import SNAPSHOT
from tests.workflows.test_refund import Xero as FullXero
from workflows.refund import RefundWorkflow

D = Decimal


def _together(xero: Xero, parties: int) -> list[Callable[..., Any]]:
    """The stand-ins, the full refund's steps too, with the deal re-read held until
    ``parties`` refunds have passed the Xero-side check: they reach the hold together."""
    arrived, count = asyncio.Event(), [0]

    @activity.defn(name="fetch_snapshot")
    async def fetch_snapshot(req: SnapshotRequest) -> QuoteSnapshot:
        count[0] += 1
        if count[0] >= parties:
            arrived.set()
        await asyncio.wait_for(arrived.wait(), timeout=20)
        return SNAPSHOT

    full = {a.__name__: a for a in FullXero().activities()}
    steps = [full[n] for n in ("remove_payments", "allocate_credit_note", "restore_payments")]
    mine = [a for a in xero.activities() if a.__name__ != "fetch_snapshot"]
    return [*mine, *steps, fetch_snapshot]


async def _race(
    env: WorkflowEnvironment,
    task_queue: str,
    reservations: ReservationActivities,
    xero: Xero,
    *starts: RefundStart,
) -> list[RefundStatus | BaseException]:
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[RefundWorkflow],
        activities=[
            *_together(xero, len(starts)),
            reservations.reserve_refund,
            reservations.release_refund,
        ],
    ):
        # Real time: skipped ahead while the gate holds, the activities would time out.
        with env.auto_time_skipping_disabled():
            return await _started_together(env, task_queue, starts)


async def _started_together(
    env: WorkflowEnvironment, task_queue: str, starts: tuple[RefundStart, ...]
) -> list[RefundStatus | BaseException]:
    handles = [
        await env.client.start_workflow(
            RefundWorkflow.run,
            start,
            id=refund_workflow_id(start.crm, start.deal_id, start.refund_id),
            task_queue=task_queue,
        )
        for start in starts
    ]
    return await asyncio.gather(*(h.result() for h in handles), return_exceptions=True)


def _refused(outcome: RefundStatus | BaseException) -> str:
    assert isinstance(outcome, WorkflowFailureError), outcome
    assert isinstance(outcome.cause, ApplicationError)
    assert outcome.cause.type == "RefundRefused"
    return outcome.cause.message


def _held(reservations: ReservationActivities) -> dict[str, Decimal]:
    with unit_of_work(reservations._engine) as session:
        rows = RefundReservationRepository(session).held("INV-000001")
    return {r.refund_key: r.amount for r in rows}


def _full(deal_id: str) -> RefundStart:
    return _start("1", "", deal_id).model_copy(update={"amount": None})


async def test_two_partials_started_together_only_one_is_paid(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero, deal = Xero(), str(uuid.uuid4())
    outcomes = await _race(
        temporal_ts,
        task_queue,
        reservations,
        xero,
        _start("30.00", "R1", deal),
        _start("20.00", "R2", deal),
    )
    [won] = [o for o in outcomes if isinstance(o, RefundStatus)]
    [lost] = [o for o in outcomes if not isinstance(o, RefundStatus)]
    # Both saw nothing refunded in Xero yet; the hold refused the second.
    assert won.refundable_before == "47.88"
    message = _refused(lost)
    assert "exceeds what is still refundable on INV-000001" in message
    assert f"(held by other refunds, running or done: {won.amount} by {won.workflow_id})" in message
    assert len(xero.notes) == 1
    assert len(xero.cash) == 1
    assert len(xero.postings) == 1
    assert _held(reservations) == {won.workflow_id: D(won.amount)}


async def test_a_full_and_a_partial_refund_started_together_only_one_is_paid(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero, deal = Xero(), str(uuid.uuid4())
    outcomes = await _race(
        temporal_ts, task_queue, reservations, xero, _full(deal), _start("0.01", "R1", deal)
    )
    [won] = [o for o in outcomes if isinstance(o, RefundStatus)]
    [lost] = [o for o in outcomes if not isinstance(o, RefundStatus)]
    assert "exceeds what is still refundable on INV-000001" in _refused(lost)
    assert len(xero.notes) == 1
    assert len(xero.postings) == 1
    assert _held(reservations) == {won.workflow_id: D(won.amount)}


async def test_a_compensated_refund_gives_its_hold_back(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    xero, deal = Xero(fail_cash=True), str(uuid.uuid4())
    [failed] = await _race(temporal_ts, task_queue, reservations, xero, _start("47.88", "R1", deal))
    assert isinstance(failed, WorkflowFailureError)
    assert _held(reservations) == {}
    xero.fail_cash = False
    [done] = await _race(temporal_ts, task_queue, reservations, xero, _start("47.88", "R1", deal))
    assert isinstance(done, RefundStatus)  # the same refund id, asked again after the failure
    assert _held(reservations) == {f"refund:hubspot:{deal}:R1": D("47.88")}


async def test_recorded_reserved_refund_histories(
    temporal_dev: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    """A partial and a full refund with holds on the dev server: the recorded paths
    (Q2C_RECORD_HISTORIES=1) that tests/workflows/test_replay.py replays."""
    paths = {"v3_reserved_partial": "R1", "v4_reserved_full": ""}
    for name, refund_id in paths.items():
        xero, deal = Xero(), str(uuid.uuid4())
        start = _full(deal) if not refund_id else _start("10.00", refund_id, deal)
        start = start.model_copy(update={"invoice_number": f"INV-{name}"})  # one hold each
        [status] = await _race(temporal_dev, task_queue, reservations, xero, start)
        assert isinstance(status, RefundStatus), status
        assert status.done[0] == "amount reserved"
        handle = temporal_dev.client.get_workflow_handle(status.workflow_id)
        await record_history(handle, f"refund_workflow_{name}")


async def test_partials_together_stay_within_what_was_paid(
    temporal_ts: WorkflowEnvironment, task_queue: str, reservations: ReservationActivities
) -> None:
    """30.00 of 47.88 paid (the rest written off): two refunds of 20.00 each pass the
    Xero-side check (30.00 left), but the hold counts against what was paid, not the
    invoice total, so only one goes through."""
    xero, deal = Xero(paid=D("30.00")), str(uuid.uuid4())
    outcomes = await _race(
        temporal_ts,
        task_queue,
        reservations,
        xero,
        _start("20.00", "R1", deal),
        _start("20.00", "R2", deal),
    )
    [won] = [o for o in outcomes if isinstance(o, RefundStatus)]
    [lost] = [o for o in outcomes if not isinstance(o, RefundStatus)]
    assert won.refundable_before == "30.00"
    assert "10.00 of 30.00" in _refused(lost)
    assert len(xero.cash) == 1
