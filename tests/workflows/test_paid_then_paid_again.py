"""Payments that come after the invoice is paid, while the deal writes back: all credit.

Time-skipping server, activities of tests/workflows/fakes.py (their invoice is in GBP).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    SIGNAL_PAYMENT,
    SIGNAL_PROVISIONING,
    DealStart,
    DealStatus,
    ProvisioningConfirmed,
    Stage,
)
from tests.recording import record_history
from tests.workflows.fakes import FakeVendors
from tests.workflows.test_other_currency import _payment, _until
from workflows.deal import DealWorkflow


async def test_payments_after_the_invoice_is_paid_are_held_before_completing(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    await _paid_then_paid_again(temporal_ts, task_queue, record=False)


async def test_paid_then_paid_again_on_the_dev_server(
    temporal_dev: WorkflowEnvironment, task_queue: str
) -> None:
    """The same on the dev server; its history is the recorded after-paid path."""
    await _paid_then_paid_again(temporal_dev, task_queue, record=True)


async def _paid_then_paid_again(env: WorkflowEnvironment, task_queue: str, *, record: bool) -> None:
    gate = asyncio.Event()
    vendors = FakeVendors(write_back_gate=gate)
    async with vendors.worker(env, task_queue):
        start = DealStart(deal_id="8", inbox_id="in-8", closed_at=datetime(2026, 1, 1, tzinfo=UTC))
        handle = await env.client.start_workflow(
            DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        await _until(handle, lambda s: s.stage == Stage.AWAITING_PAYMENT)
        await handle.signal(SIGNAL_PAYMENT, _payment("py_1", "47.88", "GBP"))
        await _until(handle, lambda s: s.stage == Stage.WRITE_BACK)
        # Paid in full and posted; the customer pays again, twice, once in dollars.
        for late in (_payment("py_2", "20.00", "GBP"), _payment("py_3", "5.00", "USD")):
            await handle.signal(SIGNAL_PAYMENT, late)
        gate.set()
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert result.customer_credit == "20.00"
    assert result.held_payments == [
        "payment py_2 of 20.00 GBP came after the invoice was paid: held as customer credit; "
        "refund it or apply it by hand",
        "payment py_3 of 5.00 USD held as customer credit: the invoice is in GBP; "
        "refund it or apply it by hand",
    ]
    assert [a.amount for a in vendors.applied] == [Decimal("47.88")]
    deal_posting, late_posting = vendors.postings
    assert not [e for e in deal_posting.entries if ":journal:credit:" in e.key]
    assert [(e.key.rsplit(":", 1)[-1], e.currency, e.total) for e in late_posting.entries] == [
        ("py_2", "GBP", Decimal("20.00")),
        ("py_3", "USD", Decimal("5.00")),
    ]
    assert result.journal_entries[-2:] == [e.key for e in late_posting.entries]
    for entry in late_posting.entries:
        assert [line.account for line in entry.lines] == ["090", "CUSTCREDIT"]
    assert [e.lines[0].memo for e in late_posting.entries] == [
        "cash received after the invoice was paid",
        "cash received in another currency than the invoice's",
    ]
    if record:  # the dev server's run, not the time-skipping one
        await record_history(handle, "deal_workflow_v10_paid_then_paid_again")


async def _paid_during_the_hold(
    env: WorkflowEnvironment, task_queue: str, deal_id: str, *, wait: float
) -> tuple[DealStatus, list[list[str]]]:
    """Paid in full, paid again (py_2) during write-back, then py_4 signalled ``wait``
    seconds into the posting of py_2's held credit. The result, and the payment ids of
    each posting after the deal's own."""
    write_back, posting = asyncio.Event(), asyncio.Event()
    vendors = FakeVendors(write_back_gate=write_back, post_gate=posting)
    async with vendors.worker(env, task_queue):
        start = DealStart(
            deal_id=deal_id, inbox_id=f"in-{deal_id}", closed_at=datetime(2026, 1, 1, tzinfo=UTC)
        )
        handle = await env.client.start_workflow(
            DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        await _until(handle, lambda s: s.stage == Stage.AWAITING_PAYMENT)
        await handle.signal(SIGNAL_PAYMENT, _payment("py_1", "47.88", "GBP"))
        await _until(handle, lambda s: s.stage == Stage.WRITE_BACK)
        await handle.signal(SIGNAL_PAYMENT, _payment("py_2", "20.00", "GBP"))
        write_back.set()
        await asyncio.wait_for(vendors.post_waiting.wait(), 30)  # the hold is posting py_2
        await asyncio.sleep(wait)
        await handle.signal(SIGNAL_PAYMENT, _payment("py_4", "3.00", "GBP"))
        posting.set()
        result = await handle.result()
    held = [[e.key.rsplit(":", 1)[-1] for e in p.entries] for p in vendors.postings[1:]]
    return result, held


async def test_a_payment_during_the_hold_is_held_too(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    """A payment signalled while the after-paid credit is being posted is posted in a
    second round, not dropped when the workflow returns."""
    result, held = await _paid_during_the_hold(temporal_ts, task_queue, "8b", wait=0)

    assert result.stage == Stage.COMPLETED
    assert result.customer_credit == "23.00"
    # The signal made Temporal refuse the task that posted py_2 and completed the deal:
    # the deal ran that task again with py_4 in view. py_2 may so be posted twice under
    # one key, which the ledger takes once (tests/store); what counts is the last word.
    assert {key for keys in held for key in keys} == {"py_2", "py_4"}
    assert "py_4" in held[-1]
    assert [k.rsplit(":", 1)[-1] for k in result.journal_entries[-2:]] == ["py_2", "py_4"]
    assert len(result.held_payments) == 2


async def test_a_payment_during_a_long_hold_is_held_in_a_second_round(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    """A posting that outlives the workflow task's timeout makes the worker heartbeat
    the task (after 8 of its 10 s): a payment signalled after that heartbeat reaches the
    running code, after the hold has taken its list, and needs a second round."""
    result, held = await _paid_during_the_hold(temporal_ts, task_queue, "8c", wait=9)

    assert result.stage == Stage.COMPLETED
    assert result.customer_credit == "23.00"
    # py_2's posting may run twice across the heartbeat (one key: the ledger takes it
    # once); py_4 comes in a round of its own, after the hold took its list.
    assert held[-1] == ["py_4"]
    assert {key for keys in held for key in keys} == {"py_2", "py_4"}
