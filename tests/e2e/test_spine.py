"""Invariants 1, 2, 3 and 7 end to end: N deals, each webhook delivered twice and out of
order, reach completed with exactly one invoice, one payment and one balanced journal
pair each — counted in the Xero emulator and in our ledger, not in our own bookkeeping.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import select

from quote2cash.billing.decimals import ZERO
from quote2cash.chart.presets import PRESETS
from quote2cash.connect.hubspot_contract import AMOUNT_PAID, INVOICE_NUMBER, INVOICE_STATUS
from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.seed import seed_deals
from quote2cash.messages import Stage, deal_workflow_id
from quote2cash.sandbox.xero.reference_data import Region
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.ledger import LedgerRepository
from quote2cash.store.models import InboxEntry
from tests.e2e.charted import assert_journals_charted, assert_lines_charted
from tests.e2e.conftest import Spine
from tests.e2e.paid import paid_per_currency, receivable_and_cash, xero_list
from tests.recording import record_history

DEALS = 6


async def _drive(spine: Spine, http: httpx.AsyncClient) -> DealDriver:
    probe = DealDriver(spine.settings, spine.client, http, [])
    driver = DealDriver(spine.settings, spine.client, http, await seed_deals(probe.hubspot, DEALS))
    await driver.close_all()
    assert await driver.run(90), f"deals stuck: {driver.counts()}"
    return driver


# The same spine in a UK, an Australian and a US organisation: each with its own chart
# and tax types (quote2cash.chart), which the emulator's stored documents must carry.
@pytest.mark.parametrize("organisation", ["uk", "au", "us"])
async def test_deals_reach_posted_exactly_once_despite_duplicate_webhooks(
    spine: Spine, organisation: Region
) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        driver = await _drive(spine, http)
        invoices = await driver.xero_records("Invoices")
        payments = await driver.xero_records("Payments")
        journals = await xero_list(spine, http, "Journals")
        written = [await _written_back(driver, d.deal_id) for d in driver.deals]

    assert driver.counts() == Counter({Stage.COMPLETED.value: DEALS})
    assert len(invoices) == DEALS
    assert len({i["Reference"] for i in invoices}) == DEALS
    assert all(i["Status"] == "PAID" for i in invoices)
    assert len(payments) == DEALS
    # Written back through an emulator that refuses undefined properties, as HubSpot
    # does: the properties exist because the spine ran q2c connect hubspot first.
    by_number = {str(i["InvoiceNumber"]): i for i in invoices}
    for number, status, paid in written:
        assert status == "PAID"
        assert Decimal(paid) == Decimal(str(by_number[number]["AmountPaid"])) > 0
    numbers = sorted(str(i["InvoiceNumber"]) for i in invoices)
    assert numbers == [f"INV-{n:06d}" for n in range(1, DEALS + 1)]  # gapless
    mapping = PRESETS[organisation]
    assert_lines_charted(mapping, invoices)
    assert_journals_charted(mapping, journals)

    engine = make_engine(spine.settings.db_url)
    with unit_of_work(engine) as session:
        ledger = LedgerRepository(session)
        assert ledger.count() == 2 * DEALS
        duplicates = session.exec(select(sa.func.sum(InboxEntry.duplicates))).one()
    engine.dispose()
    # Every invoice paid in full: the receivable is cleared, the bank holds what Xero says
    # was paid, per currency.
    paid_in = paid_per_currency(invoices)
    assert receivable_and_cash(spine, mapping.accounts) == {c: (ZERO, paid_in[c]) for c in paid_in}
    assert (duplicates or 0) >= DEALS  # the webhooks really did come twice

    for deal in driver.deals:  # one workflow run per deal: a second start joined the first
        assert await _runs(spine, deal_workflow_id("hubspot", deal.deal_id)) == 1
    if organisation != "uk":
        return
    # v1 is the plain deal before invoice reads became local activities; it still replays.
    plain = spine.client.get_workflow_handle(deal_workflow_id("hubspot", driver.deals[0].deal_id))
    await record_history(plain, "deal_workflow_v12_plain_local_reads")


async def _written_back(driver: DealDriver, deal_id: str) -> tuple[str, str, str]:
    names = (INVOICE_NUMBER.name, INVOICE_STATUS.name, AMOUNT_PAID.name)
    deal = await driver.hubspot.get_deal(deal_id, properties=names, associations=())
    number, status, paid = (str(deal.properties.get(n)) for n in names)
    return number, status, paid


async def _runs(spine: Spine, workflow_id: str) -> int:
    """Runs of a workflow id in visibility (eventually consistent: wait until it shows)."""
    for _ in range(50):
        runs = [w async for w in spine.client.list_workflows(f"WorkflowId = '{workflow_id}'")]
        if runs and all(r.status is not None and r.close_time for r in runs):
            return len(runs)
        await asyncio.sleep(0.1)
    return len(runs)
