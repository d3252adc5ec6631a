"""Dunning of a deal billed in parts, on the time-skipping server: each unpaid part is
reminded by its own due date, a part paid in time never is.

Activities are the stand-ins of tests/workflows/fakes.py (payment terms: 30 days).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    QUERY_STAGE,
    SIGNAL_INVOICE_CHANGED,
    SIGNAL_PROVISIONING,
    SIGNAL_SHIPMENT,
    DealStart,
    DealStatus,
    InvoiceChanged,
    ProvisioningConfirmed,
    ShipmentConfirmed,
    Stage,
)
from tests.recording import record_history
from tests.workflows.fakes import FakeVendors
from workflows.deal import DealWorkflow


async def test_fifty_fifty_deal_duns_only_the_unpaid_second_part(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(schedule="50/50")
    async with vendors.worker(temporal_ts, task_queue):
        clock, handle = await _start(temporal_ts, task_queue, "11")
        await _until(handle, lambda s: s.stage == Stage.PROVISIONING)
        # Part 1 is issued on day 0 (due day 30), part 2 on delivery, day 5 (due day 35).
        await temporal_ts.sleep(timedelta(days=5))
        await handle.signal(
            SIGNAL_PROVISIONING, ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
        )
        await _until(handle, lambda s: len(s.invoices) == 2)
        await clock.day(20)
        await _pay(handle, vendors, "inv-1")  # in time: 10 days before it is due
        # Day 40 is 10 days past part 1's due date but only 5 past part 2's: no reminder.
        assert await clock.levels_on(handle, 40) == (0, [0, 0])
        assert await clock.levels_on(handle, 43) == (1, [0, 1])
        assert await clock.levels_on(handle, 66) == (3, [0, 3])
        await _pay(handle, vendors, "inv-2")
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert [(i.number, i.status, i.dunning_level) for i in result.invoices] == [
        ("INV-000001", "PAID", 0),
        ("INV-000002", "PAID", 3),
    ]
    assert result.dunning_level == 3
    second = str(vendors.invoices["inv-2"].invoice.total)
    assert _reminders(vendors) == [
        {"q2c_dunning_level": n, "q2c_amount_due": second, "q2c_invoice_number": "INV-000002"}
        for n in ("1", "2", "3")
    ]
    assert vendors.write_backs[-1].properties["q2c_invoice_number"] == "INV-000001, INV-000002"
    await record_history(handle, "deal_workflow_v8_split_dunning")


async def test_per_shipment_deal_duns_the_late_shipment_not_the_one_paid_in_time(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(schedule="per_shipment")
    async with vendors.worker(temporal_ts, task_queue):
        clock, handle = await _start(temporal_ts, task_queue, "12")
        await _until(handle, lambda s: s.stage == Stage.PROVISIONING)
        # Shipment 1 on day 0 (due day 30), shipment 2 on day 10 (due day 40).
        await handle.signal(
            SIGNAL_SHIPMENT, ShipmentConfirmed(shipment_id="s1", lines={"1": Decimal(1)})
        )
        await _until(handle, lambda s: len(s.invoices) == 1)
        await clock.day(10)
        await handle.signal(
            SIGNAL_SHIPMENT, ShipmentConfirmed(shipment_id="s2", lines={"1": Decimal(1)})
        )
        await _until(handle, lambda s: s.stage == Stage.AWAITING_PAYMENT)
        await clock.day(29)
        await _pay(handle, vendors, "inv-1")  # the day before it is due
        # Day 46: part 1 would be at level 2 by now, part 2 is 6 days overdue.
        assert await clock.levels_on(handle, 46) == (0, [0, 0])
        assert await clock.levels_on(handle, 48) == (1, [0, 1])
        assert await clock.levels_on(handle, 55) == (2, [0, 2])
        await _pay(handle, vendors, "inv-2")
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert [(i.number, i.status, i.dunning_level) for i in result.invoices] == [
        ("INV-000001", "PAID", 0),
        ("INV-000002", "PAID", 2),
    ]
    assert result.dunning_level == 2
    reminders = _reminders(vendors)
    assert [(r["q2c_invoice_number"], r["q2c_dunning_level"]) for r in reminders] == [
        ("INV-000002", "1"),
        ("INV-000002", "2"),
    ]
    assert {r["q2c_amount_due"] for r in reminders} == {"23.94"}


@dataclass
class _Clock:
    """Days since the deal started, on the time-skipping server's clock."""

    env: WorkflowEnvironment
    started: datetime

    async def day(self, day: int) -> None:
        """Skip to an hour into ``day``: the daily read of that day has run."""
        target = self.started + timedelta(days=day, hours=1)
        await self.env.sleep(target - await self.env.get_current_time())

    async def levels_on(self, handle: WorkflowHandle[Any, Any], day: int) -> tuple[int, list[int]]:
        """The deal's dunning level and each part's, on ``day``."""
        await self.day(day)
        status: DealStatus = await handle.query(QUERY_STAGE, result_type=DealStatus)
        assert status.stage == Stage.AWAITING_PAYMENT
        return status.dunning_level, [p.dunning_level for p in status.invoices]


async def _start(
    env: WorkflowEnvironment, task_queue: str, deal_id: str
) -> tuple[_Clock, WorkflowHandle[Any, Any]]:
    clock = _Clock(env, await env.get_current_time())
    start = DealStart(
        deal_id=deal_id, inbox_id=f"in-{deal_id}", closed_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    handle = await env.client.start_workflow(
        DealWorkflow.run, start, id=f"deal:hubspot:{uuid.uuid4()}", task_queue=task_queue
    )
    return clock, handle


async def _pay(handle: WorkflowHandle[Any, Any], vendors: FakeVendors, invoice_id: str) -> None:
    """The customer pays the part in full; Xero's webhook says so."""
    vendors.paid_invoices.add(invoice_id)
    event = InvoiceChanged(event_id=f"paid-{invoice_id}", invoice_id=invoice_id)
    await handle.signal(SIGNAL_INVOICE_CHANGED, event)
    await _until(
        handle,
        lambda s: any(p.invoice_id == invoice_id and p.status == "PAID" for p in s.invoices),
    )


def _reminders(vendors: FakeVendors) -> list[dict[str, str]]:
    return [w.properties for w in vendors.write_backs if "q2c_dunning_level" in w.properties]


async def _until(handle: WorkflowHandle[Any, Any], check: Any) -> DealStatus:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status: DealStatus = await handle.query(QUERY_STAGE, result_type=DealStatus)
        if check(status):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached: {status}")
