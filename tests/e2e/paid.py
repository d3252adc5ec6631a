"""A deal paid through the real spine, and what the Xero emulator holds: the starting
point of the refund tests."""

from __future__ import annotations

from typing import Any

import httpx

from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.seed import seed_deals
from tests.e2e.conftest import XERO_TEST_TOKEN, Spine


async def paid_deal(spine: Spine, http: httpx.AsyncClient) -> str:
    """One seeded deal driven through the spine until it is paid; its CRM id."""
    probe = DealDriver(spine.settings, spine.client, http, [])
    driver = DealDriver(spine.settings, spine.client, http, await seed_deals(probe.hubspot, 1))
    await driver.close_all()
    assert await driver.run(60), f"deal stuck: {driver.counts()}"
    return driver.deals[0].deal_id


async def xero_list(spine: Spine, http: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    """Every record of a Xero collection (``Invoices``, ``CreditNotes``...) in the emulator."""
    s = spine.settings
    response = await http.get(
        f"{s.xero_base_url}/api.xro/2.0/{name}",
        headers={"Authorization": f"Bearer {XERO_TEST_TOKEN}", "xero-tenant-id": s.xero_tenant_id},
    )
    response.raise_for_status()
    return list(response.json()[name])
