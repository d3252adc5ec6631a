"""Needs attention and the way back, end to end: a deal with a bad VAT id parks, is
listed by stage through the API, is fixed in the CRM and retried through the CLI."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from typer.testing import CliRunner

from quote2cash.cli import app
from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.scenarios import BAD_DATA, GOOD_VAT_ID, seed_deal
from quote2cash.messages import Stage, deal_workflow_id
from quote2cash.settings import get_settings
from tests.e2e.conftest import Spine
from tests.recording import record_history


def _cli(spine: Spine, *args: str) -> tuple[int, str]:
    get_settings.cache_clear()
    env = {"Q2C_PUBLIC_API_URL": spine.api.url, "Q2C_TOKEN": spine.settings.ops_token}
    try:
        result = CliRunner().invoke(app, ["deals", *args], env=env)
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


async def test_parked_deal_is_listed_fixed_and_retried(spine: Spine) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        probe = DealDriver(spine.settings, spine.client, http, [])
        deal = await seed_deal(probe.hubspot, BAD_DATA)
        driver = DealDriver(spine.settings, spine.client, http, [deal])
        await driver.close_all()
        deadline = time.monotonic() + 60
        while (
            status := driver.status[deal.deal_id]
        ) is None or status.stage != Stage.NEEDS_ATTENTION:
            assert time.monotonic() < deadline, status
            await driver.tick()
            await asyncio.sleep(0.2)
        assert status.attention is not None
        assert status.attention.reason == "InvalidMasterData"
        assert "q2c_vat_id" in status.attention.message

        workflow_id = deal_workflow_id("hubspot", deal.deal_id)
        for _ in range(100):  # visibility lags the workflow by a moment
            code, listed = await asyncio.to_thread(
                _cli, spine, "list", "--stage", "needs_attention"
            )
            if workflow_id in listed:
                break
            await asyncio.sleep(0.1)
        assert code == 0
        assert workflow_id in listed
        assert "InvalidMasterData" in listed

        await probe.hubspot.update_object("companies", deal.company_id, {"q2c_vat_id": GOOD_VAT_ID})
        await asyncio.sleep(0.5)
        code, out = await asyncio.to_thread(_cli, spine, "retry", deal.deal_id, "--note", "VAT id")
        assert (code, json.loads(out)["answer"]) == (0, "retrying step master_data")
        while not driver.done():
            assert time.monotonic() < deadline + 30, driver.counts()
            await driver.tick()
            await asyncio.sleep(0.2)
    # A failed step, the retry Update and the step run again: that history replays too.
    handle = spine.client.get_workflow_handle(workflow_id)
    await record_history(handle, "deal_workflow_v16_parked_and_retried")
