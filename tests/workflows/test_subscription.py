"""SubscriptionWorkflow on the time-skipping server: three years of monthly periods in
Berlin time, usage billed in arrears, an upgrade and a downgrade, then a cancellation."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
from quote2cash.billing.usage import PerUnit
from quote2cash.messages import (
    SIGNAL_USAGE,
    UPDATE_AMEND,
    UPDATE_CANCEL,
    AmendmentQuote,
    AmendmentRequest,
    CancelRequest,
    LineAmendment,
    SubscriptionStart,
    SubscriptionStatus,
    SubscriptionTerms,
    UsageBatch,
    UsageRecord,
)
from tests.conftest import time_skipping_server
from tests.recording import record_history
from tests.workflows.subscription_fakes import Accounting
from workflows.collection import CollectionWorkflow
from workflows.subscription import SubscriptionWorkflow

BERLIN = "Europe/Berlin"


@pytest.fixture(scope="module")
async def temporal_ts() -> AsyncIterator[WorkflowEnvironment]:
    """This module's own time-skipping server: its subscriptions skip months and years
    and start a workflow per invoice; on the shared server's clock the timers of other
    modules' workflows would fire among them."""
    async with time_skipping_server() as env:
        yield env


Handle = WorkflowHandle[SubscriptionWorkflow, SubscriptionStatus]


def _snapshot() -> QuoteSnapshot:
    return QuoteSnapshot(
        deal_id="d-1",
        currency="EUR",
        bill_to=BillTo(customer_key="c-9", name="Contoso GmbH", country="DE"),
        lines=[
            SnapshotLine(
                line_id="seats",
                sku="SEAT-M",
                name="Seats",
                quantity=Decimal(10),
                unit_price=Decimal("15.95"),
                recurring="monthly",
            ),
            SnapshotLine(
                line_id="onboard",
                sku="ONBOARD",
                name="Onboarding",
                quantity=Decimal(1),
                unit_price=Decimal(500),
            ),
        ],
        catalog_version="v1",
    )


def _seats(quantity: int, *, dry_run: bool = False) -> AmendmentRequest:
    return AmendmentRequest(
        requested_by="cs-1",
        reason=f"customer asks for {quantity} seats",
        changes=[LineAmendment(line_id="seats", quantity=Decimal(quantity))],
        dry_run=dry_run,
    )


async def _status(handle: Handle) -> SubscriptionStatus:
    return await handle.query(SubscriptionWorkflow.subscription)


async def _amend(handle: Handle, request: AmendmentRequest) -> AmendmentQuote:
    answer = await handle.execute_update(UPDATE_AMEND, request, result_type=AmendmentQuote)
    assert isinstance(answer, AmendmentQuote)
    return answer


async def _months(env: WorkflowEnvironment, handle: Handle, n: int, seen: list[int]) -> None:
    """Skip ``n`` periods, reading the history length of each run on the way."""
    for _ in range(n):
        await env.sleep(timedelta(days=31))
        seen.append((await _status(handle)).history_length)


async def _start(env: WorkflowEnvironment, task_queue: str) -> Handle:
    now = await env.get_current_time()
    terms = SubscriptionTerms(
        subscription_id=str(uuid.uuid4()),
        contact_id="x-9",
        timezone=BERLIN,
        starts_on=now.astimezone(ZoneInfo(BERLIN)).date(),
        usage_prices={"api_calls": PerUnit(unit_price=Decimal("0.01"))},
    )
    return await env.client.start_workflow(
        SubscriptionWorkflow.run,
        SubscriptionStart(terms=terms, snapshot=_snapshot()),
        id=f"subscription:{terms.subscription_id}",
        task_queue=task_queue,
    )


async def _upgrade_now(handle: Handle) -> None:
    """A dry run quotes; the same amendment applied answers the same delta, invoiced."""
    preview = await _amend(handle, _seats(15, dry_run=True))
    assert (preview.applied, preview.timing) == (False, "now")
    assert preview.period_price_before == Decimal("159.50")
    assert preview.period_price_after == Decimal("239.25")
    assert Decimal(0) < preview.prorated_delta
    upgrade = await _amend(handle, _seats(15))
    assert upgrade.applied
    assert upgrade.invoice_number
    assert upgrade.prorated_delta == preview.prorated_delta
    assert any("Seats" in line for line in upgrade.explanation)


async def _downgrade_at_renewal(handle: Handle) -> None:
    downgrade = await _amend(handle, _seats(12))
    assert (downgrade.timing, downgrade.prorated_delta) == ("at_renewal", Decimal(0))
    with pytest.raises(WorkflowUpdateFailedError):  # one scheduled change at a time
        await _amend(handle, _seats(11))


def _check_invoices(accounting: Accounting, last_period: int) -> None:
    """One renewal per period, one amendment, usage billed once, onboarding once."""
    keys = list(accounting.invoices)
    renewals = [k for k in keys if k.endswith(":renewal")]
    assert len(renewals) == last_period + 1
    assert len([k for k in keys if ":amendment:" in k]) == 1
    usage = [
        line.net_amount
        for req in accounting.invoices.values()
        for line in req.invoice.lines
        if line.kind == "usage"
    ]
    assert usage == [Decimal("3.00")]  # 300 calls delivered twice, billed once
    onboarding = [
        k
        for k, r in accounting.invoices.items()
        if any(line.line_id == "onboard" for line in r.invoice.lines)
    ]
    assert onboarding == [renewals[0]]


async def test_three_years_with_usage_two_amendments_and_a_cancellation(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    accounting = Accounting()
    async with Worker(
        temporal_ts.client,
        task_queue=task_queue,
        workflows=[SubscriptionWorkflow, CollectionWorkflow],
        activities=accounting.activities(),
    ):
        handle = await _start(temporal_ts, task_queue)
        first = await _status(handle)
        now = await temporal_ts.get_current_time()
        calls = [
            UsageRecord(
                event_id=f"e{i}", metric="api_calls", quantity=Decimal(100), occurred_at=now
            )
            for i in range(3)
        ]
        for _ in range(2):  # delivered twice: billed once
            await handle.signal(SIGNAL_USAGE, UsageBatch(events=calls))
        lengths: list[int] = []
        await _months(temporal_ts, handle, 4, lengths)

        await _upgrade_now(handle)

        await _months(temporal_ts, handle, 10, lengths)
        await _downgrade_at_renewal(handle)
        await _months(temporal_ts, handle, 1, lengths)
        assert (await _status(handle)).period_price == Decimal("191.40")

        await _months(temporal_ts, handle, 20, lengths)
        ended = await handle.execute_update(
            UPDATE_CANCEL, CancelRequest(requested_by="cs-1", reason="moving to a competitor")
        )
        assert "cancels at the end of the term" in ended
        await temporal_ts.sleep(timedelta(days=32))
        result = await handle.result()
        await record_history(handle, "subscription_workflow_v5_cancelled_at_term_end")
        # Each invoice's collection read it paid a day later and posted it.
        collected = await accounting.stop_collections(temporal_ts.client)
        assert collected == len(accounting.invoices)
        assert sum(k.endswith(":journal:invoice:1") for k in accounting.posted_keys()) == collected

    assert result.state == "cancelled"
    assert first.period_index == 0
    assert result.period_index >= 35
    _check_invoices(accounting, result.period_index)
    assert max(lengths) < 40, lengths  # each run is one period: history stays bounded


async def test_immediate_cancellation_credits_the_unused_period_and_bills_usage(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    accounting = Accounting()
    async with Worker(
        temporal_ts.client,
        task_queue=task_queue,
        workflows=[SubscriptionWorkflow, CollectionWorkflow],
        activities=accounting.activities(),
    ):
        handle = await _start(temporal_ts, task_queue)
        await temporal_ts.sleep(timedelta(days=10))
        now = await temporal_ts.get_current_time()
        used = UsageRecord(event_id="e1", metric="api_calls", quantity=Decimal(50), occurred_at=now)
        await handle.signal(SIGNAL_USAGE, UsageBatch(events=[used]))
        answer = await handle.execute_update(
            UPDATE_CANCEL,
            CancelRequest(requested_by="cs-1", reason="closing down", when="immediately"),
        )
        result = await handle.result()
        await accounting.stop_collections(temporal_ts.client)
        await record_history(handle, "subscription_workflow_v3_cancelled_now")
    assert "credit for the unused period" in answer
    assert result.state == "cancelled"
    assert result.credit_notes == ["CN-0001"]
    [credit] = accounting.credits
    first = accounting.invoices[next(iter(accounting.invoices))].invoice
    recurring = sum(line.net_amount for line in first.lines if line.line_id == "seats")
    assert Decimal(0) < credit.note.subtotal < recurring  # about two thirds of a month
    assert credit.invoice_number == "INV-000001"
    assert [k.rsplit(":", 1)[-1] for k in accounting.invoices] == ["renewal", "final"]
    # The credit note's journal is keyed under the invoice it credits.
    renewal_key = next(iter(accounting.invoices))
    [entry] = [e for p in accounting.postings for e in p.entries if "credit_note" in e.key]
    assert entry.key == f"{renewal_key}:journal:credit_note"
    assert sum(line.debit for line in entry.lines) == credit.note.total
