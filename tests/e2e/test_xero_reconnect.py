"""A revoked Xero grant, end to end: the worker's refresh gets ``invalid_grant``, the
connection is marked needs_reconnect, the deal parks as ``Xero.Unauthorized``; after the
runbook's fix (``q2c connect xero``, then ``q2c deals retry``) it completes. The
emulator counts one revocation, one ``invalid_grant`` and two consents."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import sqlalchemy as sa
from typer.testing import CliRunner

from quote2cash.cli import app
from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.seed import seed_deals
from quote2cash.messages import Stage
from quote2cash.settings import get_settings
from quote2cash.store.db import make_engine
from tests.e2e.conftest import Spine, connect_spine_xero

PARKED = 3


def _retry(spine: Spine, deal_id: str) -> tuple[int, str]:
    get_settings.cache_clear()
    env = {"Q2C_PUBLIC_API_URL": spine.api.url, "Q2C_TOKEN": spine.settings.ops_token}
    try:
        result = CliRunner().invoke(
            app, ["deals", "retry", deal_id, "--note", "reconnected"], env=env
        )
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


async def _until(driver: DealDriver, deal_id: str, stage: Stage, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (status := driver.status[deal_id]) is None or status.stage != stage:
        assert time.monotonic() < deadline, status
        await driver.tick()
        await asyncio.sleep(0.2)


def _connection_status(spine: Spine) -> str:
    engine = make_engine(spine.settings.db_url)
    try:
        with engine.connect() as conn:
            found: str = conn.execute(sa.text("SELECT status FROM vendor_connection")).scalar_one()
    finally:
        engine.dispose()
    return found


async def test_revoked_grant_parks_and_reconnect_resumes(spine: Spine) -> None:
    xero = spine.xero.url
    async with httpx.AsyncClient(timeout=20) as http:
        probe = DealDriver(spine.settings, spine.client, http, [])
        deals = await seed_deals(probe.hubspot, PARKED)
        # The user removes the app in Xero; the worker's token then stops working too.
        client_id = spine.settings.xero_client_id
        await http.post(f"{xero}/_sandbox/oauth/revoke", params={"client_id": client_id})
        driver = DealDriver(spine.settings, spine.client, http, deals)
        await driver.close_all()
        for deal in deals:
            await _until(driver, deal.deal_id, Stage.NEEDS_ATTENTION, 60)
            status = driver.status[deal.deal_id]
            assert status is not None
            assert status.attention is not None
            assert status.attention.reason == "Xero.Unauthorized"
            assert "q2c connect xero" in status.attention.message
        assert _connection_status(spine) == "needs_reconnect"

        await connect_spine_xero(spine.settings, http)
        assert _connection_status(spine) == "connected"
        for deal in deals:
            code, out = await asyncio.to_thread(_retry, spine, deal.deal_id)
            assert code == 0, out
            assert json.loads(out)["answer"].startswith("retrying step")
        assert await driver.run(90), driver.counts()
        invoices = await driver.xero_records("Invoices")
        seen = (await http.get(f"{xero}/_sandbox/oauth")).json()
    # Every parked deal completed, each with one invoice in Xero.
    assert sorted(str(i["Reference"]) for i in invoices) == sorted(
        f"deal {d.deal_id}" for d in deals
    )
    assert seen["revocations"] == 1
    # Once the grant is known dead, no process asks Xero again with it.
    assert seen["invalid_grant"] == 1
    assert seen["tokens_issued"]["authorization_code"] == 2
