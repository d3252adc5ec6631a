"""A refund end to end: a deal paid through the real spine, refunded through the API;
the credit note, the removed payment and the allocation counted in the Xero emulator,
the journals in our ledger."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx

from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.seed import seed_deals
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.ledger import LedgerRepository
from tests.e2e.conftest import Spine
from tests.e2e.ids import start_ids_at

HISTORIES = Path(__file__).parents[1] / "histories"


async def _paid_deal(spine: Spine, http: httpx.AsyncClient) -> str:
    probe = DealDriver(spine.settings, spine.client, http, [])
    driver = DealDriver(spine.settings, spine.client, http, await seed_deals(probe.hubspot, 1))
    await driver.close_all()
    assert await driver.run(60), f"deal stuck: {driver.counts()}"
    return driver.deals[0].deal_id


async def _xero(spine: Spine, http: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    s = spine.settings
    response = await http.get(
        f"{s.xero_base_url}/api.xro/2.0/{name}",
        headers={"Authorization": f"Bearer {s.xero_token}", "xero-tenant-id": s.xero_tenant_id},
    )
    response.raise_for_status()
    return list(response.json()[name])


async def test_refund_of_a_paid_deal(spine: Spine) -> None:
    await start_ids_at(spine, 5001)
    auth = {"Authorization": f"Bearer {spine.settings.ops_token}"}
    async with httpx.AsyncClient(timeout=20) as http:
        deal_id = await _paid_deal(spine, http)
        path = f"{spine.api.url}/deals/hubspot/{deal_id}/refund"
        started = await http.post(path, json={"reason": "service not delivered"}, headers=auth)
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + 60
        while (state := (await http.get(path, headers=auth)).json()).get("step") != "refunded":
            assert time.monotonic() < deadline, state
            await asyncio.sleep(0.2)
        again = await http.post(path, json={"reason": "twice"}, headers=auth)
        [invoice] = await _xero(spine, http, "Invoices")
        [note] = await _xero(spine, http, "CreditNotes")
        payments = await _xero(spine, http, "Payments")

    assert again.status_code == 409  # one refund per deal
    assert state["done"] == ["credit note", "payments removed", "credit note allocated"]
    assert note["Total"] == invoice["Total"]
    assert note["Status"] == "PAID"  # fully allocated
    assert invoice["AmountPaid"] == 0
    assert invoice["AmountCredited"] == invoice["Total"]
    assert [p["Status"] for p in payments] == ["DELETED"]
    engine = make_engine(spine.settings.db_url)
    with unit_of_work(engine) as session:
        ledger = LedgerRepository(session)
        assert ledger.count() == 4  # invoice, payment, credit note, refund
        assert ledger.is_balanced()
    engine.dispose()
    if os.environ.get("Q2C_RECORD_HISTORIES"):
        handle = spine.client.get_workflow_handle(f"refund:hubspot:{deal_id}")
        text = json.dumps(json.loads((await handle.fetch_history()).to_json()))
        await asyncio.to_thread((HISTORIES / "refund_workflow_v1.json").write_text, text)
