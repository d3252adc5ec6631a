"""Approvals end to end: scoped tokens at the API, the workflow's validators behind them,
the CLI, a rejection written back to the CRM deal, an approved deal on to paid."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from quote2cash.cli import app
from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.scenarios import APPROVAL, DEAL_OWNER, REJECTED, seed_deal
from quote2cash.messages import Stage, deal_workflow_id
from quote2cash.settings import get_settings
from tests.e2e.conftest import Spine
from tests.recording import record_history

# Segregation of duties: whoever decides an approval may not be the deal's owner. The
# product compares the API token's subject, verbatim, with the deal's HubSpot owner
# (``hubspot_owner_id``, read from the CRM when the approval opens), so a sales rep's
# token carries their HubSpot owner id as its subject. The approved deal is given an
# owner of its own (not the scenarios' shared one), so the refusal can only come from
# that deal's owner as HubSpot holds it.
OWNER_ID = "hubspot-owner-7001"
TOKENS = {
    "owner": ("owner-token-0123456789", OWNER_ID, ["approver"]),
    "support": ("support-token-0123456789", "support-1", ["ops"]),
    "finance": ("finance-token-0123456789", "finance-1", ["approver"]),
}


@pytest.fixture(autouse=True)
def scoped_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read by the spine's Settings (environment) before the API starts."""
    tokens = [{"token": t, "subject": s, "roles": r} for t, s, r in TOKENS.values()]
    monkeypatch.setenv("Q2C_API_TOKENS", json.dumps(tokens))


async def _as(spine: Spine, who: str, path: str, body: dict[str, str]) -> httpx.Response:
    token = spine.settings.ops_token if who == "ops" else TOKENS[who][0]
    async with httpx.AsyncClient(base_url=spine.api.url, timeout=20) as http:
        return await http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


async def _state(spine: Spine, deal_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=spine.api.url, timeout=20) as http:
        response = await http.get(
            f"/deals/hubspot/{deal_id}",
            headers={"Authorization": f"Bearer {spine.settings.ops_token}"},
        )
    return dict(response.json().get("stage") or {})


async def _until(spine: Spine, deal_id: str, stage: Stage) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while (state := await _state(spine, deal_id)).get("stage") != stage or (
        stage == Stage.APPROVAL and not state.get("approval")
    ):
        assert time.monotonic() < deadline, f"deal {deal_id} stuck at {state.get('stage')}"
        await asyncio.sleep(0.2)
    return state


async def _listed(spine: Spine, stage: Stage, expected: int) -> set[str]:
    """Workflow ids the API lists at ``stage`` (visibility lags: wait for ``expected``)."""
    headers = {"Authorization": f"Bearer {spine.settings.ops_token}"}
    async with httpx.AsyncClient(base_url=spine.api.url, timeout=20) as http:
        for _ in range(100):
            rows = (await http.get("/deals", params={"stage": stage}, headers=headers)).json()
            if len(rows) >= expected:
                break
            await asyncio.sleep(0.1)
    return {row["workflow_id"] for row in rows}


def _cli(spine: Spine, *args: str) -> tuple[int, str]:
    get_settings.cache_clear()
    env = {"Q2C_PUBLIC_API_URL": spine.api.url, "Q2C_TOKEN": TOKENS["finance"][0]}
    try:
        result = CliRunner().invoke(app, ["deals", *args], env=env)
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


async def test_approvals_through_api_and_cli(spine: Spine) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        driver = DealDriver(spine.settings, spine.client, http, [])
        approved = await seed_deal(driver.hubspot, replace(APPROVAL, owner=OWNER_ID))
        rejected = await seed_deal(driver.hubspot, REJECTED)
        for deal in (approved, rejected):
            await driver.hubspot.update_deal(deal.deal_id, {"dealstage": "closedwon"})
        state = await _until(spine, approved.deal_id, Stage.APPROVAL)
        assert state["approval"]["required_because"] == ["discount 35% above 20%"]
        await _until(spine, rejected.deal_id, Stage.APPROVAL)
        waiting = await _listed(spine, Stage.APPROVAL, 2)
        assert {deal_workflow_id("hubspot", d.deal_id) for d in (approved, rejected)} <= waiting

        owners = [
            await driver.hubspot.get_deal(
                d.deal_id, properties=("hubspot_owner_id",), associations=()
            )
            for d in (approved, rejected)
        ]
        assert [o.properties["hubspot_owner_id"] for o in owners] == [OWNER_ID, DEAL_OWNER]

        path = f"/deals/hubspot/{approved.deal_id}"
        refusals = {
            "owner": await _as(spine, "owner", f"{path}/approve", {}),
            # The same person is no owner of the other deal: only its missing reason refuses.
            "owner elsewhere": await _as(
                spine, "owner", f"/deals/hubspot/{rejected.deal_id}/reject", {}
            ),
            "support": await _as(spine, "support", f"{path}/approve", {}),
            "no reason": await _as(spine, "finance", f"{path}/reject", {}),
            "no ops role": await _as(spine, "finance", f"{path}/retry", {}),
        }
        assert {k: r.status_code for k, r in refusals.items()} == {
            "owner": 409,
            "owner elsewhere": 409,
            "support": 409,
            "no reason": 409,
            "no ops role": 403,
        }
        assert "owns this deal" in refusals["owner"].json()["detail"]
        assert refusals["owner elsewhere"].json()["detail"].endswith(": a rejection needs a reason")
        assert "does not hold the 'approver' role" in refusals["support"].json()["detail"]
        assert "needs a reason" in refusals["no reason"].json()["detail"]

        code, out = await asyncio.to_thread(
            _cli, spine, "approve", approved.deal_id, "--reason", "strategic account"
        )
        assert (code, json.loads(out)["answer"]) == (0, "approved by finance-1")
        code, out = await asyncio.to_thread(_cli, spine, "reject", rejected.deal_id)
        assert code == 2  # --reason is required by the CLI itself
        answer = await _as(
            spine, "finance", f"/deals/hubspot/{rejected.deal_id}/reject", {"reason": "no margin"}
        )
        assert answer.json()["answer"] == "rejected by finance-1"

        await _until(spine, rejected.deal_id, Stage.REJECTED)
        crm = await driver.hubspot.get_deal(
            rejected.deal_id,
            properties=("q2c_approval_status", "q2c_approval_reason"),
            associations=(),
        )
        assert crm.properties["q2c_approval_status"] == "rejected"
        assert crm.properties["q2c_approval_reason"] == "no margin"

        follow = DealDriver(spine.settings, spine.client, http, [approved])
        deadline = time.monotonic() + 60
        while not follow.done():
            assert time.monotonic() < deadline, f"approved deal stuck: {follow.counts()}"
            await follow.tick()
            await asyncio.sleep(0.2)
    await record_history(
        spine.client.get_workflow_handle(deal_workflow_id("hubspot", approved.deal_id)),
        "deal_workflow_v2_approved",
    )
