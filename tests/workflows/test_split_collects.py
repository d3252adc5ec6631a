"""A deal billed in parts collects its invoiced parts while it waits for delivery or the
next shipment, on the time-skipping server: payments are recorded in Xero, the parts are
read and an overdue part is reminded before the rest is invoiced. The provisioning
escalation parks the deal as before, and collecting goes on while it is parked.

Activities are the stand-ins of tests/workflows/fakes.py (payment terms: 30 days).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import (
    QUERY_STAGE,
    SIGNAL_INVOICE_CHANGED,
    SIGNAL_PAYMENT,
    SIGNAL_PROVISIONING,
    SIGNAL_SHIPMENT,
    UPDATE_RETRY,
    DealStatus,
    InvoiceChanged,
    PaymentReceived,
    ProvisioningConfirmed,
    RetryRequest,
    ShipmentConfirmed,
    Stage,
)
from tests.recording import record_history
from tests.workflows.fakes import FakeVendors
from tests.workflows.test_split_dunning import _reminders, _start, _until

PART = Decimal("23.94")
"""Each half of the 47.88 deal of the stand-ins."""


async def test_fifty_fifty_deal_records_part_one_paid_while_it_waits_40_days_for_delivery(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(schedule="50/50")
    async with vendors.worker(temporal_ts, task_queue):
        clock, handle = await _start(temporal_ts, task_queue, "21")
        await _until(handle, lambda s: s.stage == Stage.PROVISIONING)
        await clock.day(8)  # not delivered within 7 days: parked as before
        parked = await _query(handle)
        assert parked.attention is not None
        assert parked.attention.reason == "ProvisioningOverdue"
        await _pay(handle, "pay-1", "inv-1", PART)
        paid = await _until(handle, lambda s: s.invoices[0].status == "PAID")
        # Xero has the payment before delivery; the deal is still parked, since day 7.
        assert [(a.invoice_id, a.amount) for a in vendors.applied] == [("inv-1", PART)]
        assert paid.stage == Stage.NEEDS_ATTENTION
        assert paid.attention == parked.attention
        assert len(paid.invoices) == 1
        assert await _attention_attribute(handle) == "ProvisioningOverdue"
        await clock.day(40)
        await _deliver(handle)
        await _until(handle, lambda s: len(s.invoices) == 2)
        await _pay(handle, "pay-2", "inv-2", PART)
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert result.attention is None
    assert [(i.number, i.status, i.dunning_level) for i in result.invoices] == [
        ("INV-000001", "PAID", 0),
        ("INV-000002", "PAID", 0),
    ]
    assert result.amount_paid == "47.88"
    assert [a.invoice_id for a in vendors.applied] == ["inv-1", "inv-2"]
    assert _reminders(vendors) == []
    [posting] = vendors.postings
    assert [e.key.rsplit(":", 2)[-2] for e in posting.entries] == [
        "invoice",
        "payment",
        "invoice",
        "payment",
    ]
    await record_history(handle, "deal_workflow_v13_split_collects")


async def test_fifty_fifty_deal_duns_part_one_overdue_before_delivery(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(schedule="50/50")
    async with vendors.worker(temporal_ts, task_queue):
        clock, handle = await _start(temporal_ts, task_queue, "22")
        await _until(handle, lambda s: s.stage == Stage.PROVISIONING)
        # Part 1 is issued on day 0, due day 30: its first reminder is due on day 37.
        await clock.day(36)
        assert [p.dunning_level for p in (await _query(handle)).invoices] == [0]
        await clock.day(37)
        dunned = await _query(handle)
        assert dunned.stage == Stage.NEEDS_ATTENTION  # still parked: not delivered
        assert dunned.attention is not None
        assert dunned.attention.reason == "ProvisioningOverdue"
        assert [p.dunning_level for p in dunned.invoices] == [1]
        assert dunned.dunning_level == 1
        assert _reminders(vendors) == [
            {
                "q2c_dunning_level": "1",
                "q2c_amount_due": str(PART),
                "q2c_invoice_number": "INV-000001",
            }
        ]
        await clock.day(40)
        await _deliver(handle)
        await _until(handle, lambda s: len(s.invoices) == 2)
        await _pay(handle, "pay-1", "inv-1", PART)
        await _pay(handle, "pay-2", "inv-2", PART)
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert [(i.number, i.status, i.dunning_level) for i in result.invoices] == [
        ("INV-000001", "PAID", 1),
        ("INV-000002", "PAID", 0),
    ]
    assert len(_reminders(vendors)) == 1


async def test_a_failed_read_while_parked_overdue_parks_for_itself_then_for_delivery_again(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(schedule="50/50")
    async with vendors.worker(temporal_ts, task_queue):
        clock, handle = await _start(temporal_ts, task_queue, "24")
        await clock.day(8)
        vendors.read_failure = "Xero.NotFound"
        await clock.day(9)  # the daily read of part 1 fails for good
        failed = await _query(handle)
        assert failed.stage == Stage.NEEDS_ATTENTION
        assert failed.attention is not None
        assert (failed.attention.reason, failed.attention.step) == (
            "Xero.NotFound",
            Stage.PROVISIONING,
        )
        assert await _attention_attribute(handle) == "Xero.NotFound"
        vendors.read_failure = ""
        await handle.execute_update(UPDATE_RETRY, RetryRequest(requested_by="ops"))
        again = await _until(
            handle, lambda s: s.attention is not None and s.attention.reason != "Xero.NotFound"
        )
        assert again.stage == Stage.NEEDS_ATTENTION
        assert again.attention is not None
        assert again.attention.reason == "ProvisioningOverdue"
        assert await _attention_attribute(handle) == "ProvisioningOverdue"
        with pytest.raises(WorkflowUpdateFailedError):  # a retry cannot provision a tenant
            await handle.execute_update(UPDATE_RETRY, RetryRequest(requested_by="ops"))
        await _deliver(handle)
        await _until(handle, lambda s: len(s.invoices) == 2)
        await _pay(handle, "pay-1", "inv-1", PART)
        await _pay(handle, "pay-2", "inv-2", PART)
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert result.attention is None


async def test_per_shipment_deal_records_shipment_one_paid_before_shipment_two(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    vendors = FakeVendors(schedule="per_shipment")
    async with vendors.worker(temporal_ts, task_queue):
        clock, handle = await _start(temporal_ts, task_queue, "23")
        await _until(handle, lambda s: s.stage == Stage.PROVISIONING)
        await handle.signal(
            SIGNAL_SHIPMENT, ShipmentConfirmed(shipment_id="s1", lines={"1": Decimal(1)})
        )
        await _until(handle, lambda s: len(s.invoices) == 1)
        await clock.day(5)
        await _pay(handle, "pay-1", "inv-1", PART)
        paid = await _until(handle, lambda s: s.invoices[0].status == "PAID")
        assert paid.stage == Stage.PROVISIONING  # waiting for shipment 2
        assert paid.invoices[0].amount_due == "0.00"
        assert [(a.invoice_id, a.amount) for a in vendors.applied] == [("inv-1", PART)]
        # Xero's webhook of that payment is read too, and changes nothing.
        await handle.signal(
            SIGNAL_INVOICE_CHANGED, InvoiceChanged(event_id="x-1", invoice_id="inv-1")
        )
        await clock.day(45)  # part 1 was due on day 35: paid, never reminded
        await handle.signal(
            SIGNAL_SHIPMENT, ShipmentConfirmed(shipment_id="s2", lines={"1": Decimal(1)})
        )
        await _until(handle, lambda s: len(s.invoices) == 2)
        await _pay(handle, "pay-2", "inv-2", PART)
        result = await handle.result()

    assert result.stage == Stage.COMPLETED
    assert [(i.number, i.status, i.dunning_level) for i in result.invoices] == [
        ("INV-000001", "PAID", 0),
        ("INV-000002", "PAID", 0),
    ]
    assert [a.invoice_id for a in vendors.applied] == ["inv-1", "inv-2"]
    assert _reminders(vendors) == []
    [posting] = vendors.postings
    assert len(posting.entries) == 4


async def _pay(
    handle: WorkflowHandle[Any, Any], payment_id: str, invoice_id: str, amount: Decimal
) -> None:
    """The payment provider says the customer paid ``amount`` for the part."""
    payment = PaymentReceived(
        payment_id=payment_id, invoice_id=invoice_id, amount=amount, received_on=date(2026, 2, 1)
    )
    await handle.signal(SIGNAL_PAYMENT, payment)


async def _deliver(handle: WorkflowHandle[Any, Any]) -> None:
    confirmation = ProvisioningConfirmed(confirmation_id="c1", confirmed_by="ops")
    await handle.signal(SIGNAL_PROVISIONING, confirmation)


async def _query(handle: WorkflowHandle[Any, Any]) -> DealStatus:
    status: DealStatus = await handle.query(QUERY_STAGE, result_type=DealStatus)
    return status


async def _attention_attribute(handle: WorkflowHandle[Any, Any]) -> object:
    description = await handle.describe()
    attributes = {p.key.name: p.value for p in description.typed_search_attributes}
    return attributes.get("Q2cAttention")
