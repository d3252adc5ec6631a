"""Void and reissue end to end: the approver asks through the CLI, the deal voids its
unpaid invoice in the Xero emulator, reissues it under the next number, and goes on to
paid with both the voided entry and its reversal in our ledger."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.scenarios import DealSpec, seed_deal
from quote2cash.messages import Stage, deal_workflow_id
from quote2cash.store import LedgerRepository, make_engine, unit_of_work
from tests.e2e.conftest import Spine
from tests.e2e.test_approvals import OWNER_ID, _as, _cli, _state, scoped_tokens
from tests.recording import record_history

__all__ = ["scoped_tokens"]  # the approvers' tokens, read by the API at start

PLAIN = DealSpec(
    label="corrected: voided and reissued",
    company={"name": "Fabrikam Ltd", "country": "United Kingdom"},
    lines=[("ONBOARD", "1", "0"), ("SEAT-M", "4", "0")],
    currency="GBP",
    owner=OWNER_ID,  # the "owner" token's subject: see test_approvals for the rule
)


async def _awaiting_payment(spine: Spine, deal_id: str, driver: DealDriver) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while (state := await _state(spine, deal_id)).get("stage") != Stage.AWAITING_PAYMENT:
        assert time.monotonic() < deadline, f"deal {deal_id} stuck at {state.get('stage')}"
        if state.get("stage") == Stage.PROVISIONING:
            await driver.confirm(deal_id)
        await asyncio.sleep(0.2)
    return state


async def test_void_and_reissue_through_the_cli(spine: Spine) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        driver = DealDriver(spine.settings, spine.client, http, [])
        deal = await seed_deal(driver.hubspot, PLAIN)
        await driver.hubspot.update_deal(deal.deal_id, {"dealstage": "closedwon"})
        before = await _awaiting_payment(spine, deal.deal_id, driver)
        first = before["invoice_number"]

        path = f"/deals/hubspot/{deal.deal_id}/correct"
        # This deal needed no approval: its owner is read when the correction is asked.
        owner = await _as(spine, "owner", path, {"reason": "wrong contact"})
        assert owner.status_code == 200
        assert owner.json()["answer"] == (
            f"not corrected: {PLAIN.owner} owns this deal and may not correct its invoice"
        )
        code, out = await asyncio.to_thread(
            _cli, spine, "correct", deal.deal_id, "--reason", "billed to the wrong contact"
        )
        assert code == 0, out
        answer = json.loads(out)["answer"]
        second = answer.rsplit(" ", 1)[-1]
        assert answer == f"{first} voided, reissued as {second}"
        assert second != first

        invoices = {i["InvoiceNumber"]: i for i in await driver.xero_records("Invoices")}
        assert invoices[first]["Status"] == "VOIDED"
        assert invoices[second]["Status"] == "AUTHORISED"
        assert invoices[second]["Total"] == invoices[first]["Total"]

        follow = DealDriver(spine.settings, spine.client, http, [deal])
        assert await follow.run(give_up_after=60), follow.counts()
    # The owner read for a correction of a deal that needed no approval, then the void.
    handle = spine.client.get_workflow_handle(deal_workflow_id("hubspot", deal.deal_id))
    await record_history(handle, "deal_workflow_v17_correction_owner_refused")
    final = follow.status[deal.deal_id]
    assert final is not None
    assert final.invoice_number == second
    refused, done = final.corrections  # both stay in the deal's state, with who asked
    assert (refused.requested_by, refused.voided) == (PLAIN.owner, "")
    assert "owns this deal" in refused.refused
    assert (done.requested_by, done.voided, done.reissued) == ("finance-1", first, second)

    engine = make_engine(spine.settings.db_url)
    with unit_of_work(engine) as session:
        ledger = LedgerRepository(session)
        receivable = ledger.trial_balance()["GBP"]["610"]
    engine.dispose()
    assert receivable == 0  # voided, reversed, reissued, paid: nothing left owing
