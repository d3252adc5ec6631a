"""Keep each test's CRM ids apart: every test gets a fresh HubSpot emulator whose ids
start at 1001, while the dev server (and so the ``deal:hubspot:<id>`` workflow ids,
which a closed deal never gives up) lives for the whole session."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import Spine

BATCH = 100


async def _create(spine: Spine, http: httpx.AsyncClient, n: int) -> int:
    response = await http.post(
        f"{spine.settings.hubspot_base_url}/crm/v3/objects/products/batch/create",
        json={"inputs": [{"properties": {"name": "id filler"}} for _ in range(n)]},
        headers={"Authorization": f"Bearer {spine.settings.hubspot_token}"},
    )
    response.raise_for_status()
    return max(int(r["id"]) for r in response.json()["results"])


async def start_ids_at(spine: Spine, first: int) -> None:
    """Use up the emulator's ids below ``first``, so this test's records start there."""
    async with httpx.AsyncClient(timeout=20) as http:
        last = await _create(spine, http, 1)
        while last < first - 1:
            last = await _create(spine, http, min(BATCH, first - 1 - last))
