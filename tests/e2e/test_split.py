"""A deal billed 50/50 end to end: two invoices in the Xero emulator under gapless
numbers, both paid (each payment webhook routed to the deal through the id map), four
balanced entries in our ledger, every number written back to the CRM deal."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from decimal import Decimal

import httpx

from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.scenarios import SPLIT, seed_deal
from quote2cash.messages import (
    SIGNAL_SHIPMENT,
    DealStatus,
    ShipmentConfirmed,
    Stage,
    deal_workflow_id,
)
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.idmap import IdMapRepository
from quote2cash.store.ledger import LedgerRepository
from tests.e2e.conftest import Spine
from tests.recording import record_history


async def test_fifty_fifty_deal_is_invoiced_twice_paid_and_posted(spine: Spine) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        probe = DealDriver(spine.settings, spine.client, http, [])
        deal = await seed_deal(probe.hubspot, SPLIT)
        driver = DealDriver(spine.settings, spine.client, http, [deal])
        await driver.close_all()
        assert await driver.run(90), f"split deal stuck: {driver.counts()}"
        crm = await probe.hubspot.get_deal(
            deal.deal_id, properties=("q2c_invoice_number",), associations=()
        )
        xero = [await probe.xero.get_invoice(i.invoice_id) for i in driver_status(driver).invoices]

    status = driver_status(driver)
    wf = deal_workflow_id("hubspot", deal.deal_id)
    assert status.stage == Stage.COMPLETED
    assert [x.status for x in xero] == ["PAID", "PAID"]
    numbers = [str(x.invoice_number) for x in xero]
    assert [i.number for i in status.invoices] == numbers
    assert int(numbers[1][-6:]) == int(numbers[0][-6:]) + 1  # gapless, allocated in order
    assert sum((x.total for x in xero), Decimal(0)) == Decimal(status.amount)
    assert crm.properties["q2c_invoice_number"] == ", ".join(numbers)

    engine = make_engine(spine.settings.db_url)
    with unit_of_work(engine) as session:
        entries = LedgerRepository(session).entries(deal.deal_id)
        keys = [
            IdMapRepository(session).find_ours("xero", "invoice", str(x.invoice_id)) for x in xero
        ]
        balanced = LedgerRepository(session).is_balanced()
    engine.dispose()
    assert len(entries) == 4
    assert balanced
    assert keys == [wf, f"{wf}#invoice:2"]
    await record_history(spine.client.get_workflow_handle(wf), "deal_workflow_v4_split")


async def test_per_shipment_deal_is_invoiced_per_shipment_paid_and_posted(spine: Spine) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        probe = DealDriver(spine.settings, spine.client, http, [])
        spec = replace(SPLIT, label="billed per shipment", billing_schedule="per_shipment")
        deal = await seed_deal(probe.hubspot, spec)
        crm = await probe.hubspot.get_deal(
            deal.deal_id, properties=(), associations=("line_items",)
        )
        items = await probe.hubspot.batch_read(
            "line_items", crm.associations["line_items"], properties=("quantity",)
        )
        quantities = {i.id: Decimal(str(i.properties["quantity"])) for i in items}
        first, *rest = sorted(quantities)
        shipments = [
            ShipmentConfirmed(shipment_id="box-1", lines={first: quantities[first]}),
            ShipmentConfirmed(shipment_id="box-2", lines={k: quantities[k] for k in rest}),
        ]
        driver = DealDriver(spine.settings, spine.client, http, [deal])
        await driver.close_all()
        wf = deal_workflow_id("hubspot", deal.deal_id)
        deadline = time.monotonic() + 90
        while not driver.done():
            assert time.monotonic() < deadline, f"per-shipment deal stuck: {driver.counts()}"
            await driver.tick()
            status = driver.status[deal.deal_id]
            if status is not None and status.stage == Stage.PROVISIONING and shipments:
                await spine.client.get_workflow_handle(wf).signal(SIGNAL_SHIPMENT, shipments.pop(0))
            await asyncio.sleep(0.2)
        xero = [await probe.xero.get_invoice(i.invoice_id) for i in driver_status(driver).invoices]

    assert [x.status for x in xero] == ["PAID", "PAID"]
    assert sum((x.total for x in xero), Decimal(0)) == Decimal(driver_status(driver).amount)
    engine = make_engine(spine.settings.db_url)
    with unit_of_work(engine) as session:
        assert len(LedgerRepository(session).entries(deal.deal_id)) == 4
    engine.dispose()
    await record_history(spine.client.get_workflow_handle(wf), "deal_workflow_v5_per_shipment")


def driver_status(driver: DealDriver) -> DealStatus:
    [status] = driver.status.values()
    assert status is not None
    return status
