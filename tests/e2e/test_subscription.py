"""A subscription end to end: started through the API two periods late (so it catches
up, invoicing each and continuing as new), usage ingested twice, an upgrade quoted and
applied; every invoice counted in the Xero emulator."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from quote2cash.billing.proration import add_months
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import XeroContactIn
from quote2cash.devstack.scenarios import subscription_start
from quote2cash.messages import SubscriptionStatus
from tests.e2e.conftest import XERO_TEST_TOKEN, Spine
from tests.recording import record_history


async def _call(spine: Spine, method: str, path: str, body: Any = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {spine.settings.ops_token}"}
    async with httpx.AsyncClient(base_url=spine.api.url, timeout=20) as http:
        return await http.request(method, path, json=body, headers=headers)


async def _status(spine: Spine, sub: str, period: int, usage: int = 0) -> SubscriptionStatus:
    """The status once in ``period``, invoiced, and holding ``usage`` events (relayed
    from the inbox in the background, so not necessarily at the 202)."""
    deadline = time.monotonic() + 60
    while True:
        response = await _call(spine, "GET", f"/subscriptions/{sub}")
        if response.status_code == 200:
            status = SubscriptionStatus.model_validate(response.json())
            invoiced = status.period_index == period and len(status.invoices) > period
            if invoiced and status.usage_events >= usage:
                return status
        assert time.monotonic() < deadline, response.text
        await asyncio.sleep(0.2)


async def test_subscription_catches_up_takes_usage_and_an_upgrade(spine: Spine) -> None:
    s = spine.settings
    async with httpx.AsyncClient(timeout=20) as http:
        xero = XeroClient(
            http, base_url=s.xero_base_url, tenant_id=s.xero_tenant_id, token=XERO_TEST_TOKEN
        )
        contact = await xero.create_contact(
            XeroContactIn(name="Fourth Coffee GmbH", contact_number="c-sub"),
            idempotency_key="c-sub",
        )
        today = datetime.now(UTC).date()
        sub = uuid.uuid4().hex[:12]
        start = subscription_start(
            sub,
            contact_id=contact.contact_id,
            customer_key="c-sub",
            starts_on=add_months(today, -2),
        )
        created = await _call(spine, "POST", "/subscriptions", start.model_dump(mode="json"))
        assert created.status_code == 201, created.text
        status = await _status(spine, sub, 2)  # periods 0 and 1 already ended: caught up
        assert len(status.invoices) == 3

        now = datetime.now(UTC).isoformat()
        events = {
            "events": [
                {"event_id": f"u{i}", "metric": "api_calls", "quantity": "500", "occurred_at": now}
                for i in range(4)
            ]
        }
        for duplicates in (0, 4):
            sent = await _call(spine, "POST", f"/subscriptions/{sub}/usage", events)
            assert sent.status_code == 202
            assert sent.json()["duplicates"] == duplicates
        await _status(spine, sub, 2, usage=4)
        upgrade = {"reason": "five more seats", "changes": [{"line_id": "seats", "quantity": "15"}]}
        quoted = (
            await _call(spine, "POST", f"/subscriptions/{sub}/amend", upgrade | {"dry_run": True})
        ).json()
        applied = (await _call(spine, "POST", f"/subscriptions/{sub}/amend", upgrade)).json()
        assert quoted["applied"] is False
        assert applied["applied"] is True
        assert applied["prorated_delta"] == quoted["prorated_delta"]
        nothing = await _call(spine, "POST", f"/subscriptions/{sub}/amend", upgrade)
        assert nothing.status_code == 409
        assert "changes nothing" in nothing.json()["detail"]

        status = await _status(spine, sub, 2)
        assert status.usage_events == 4
        invoices = (
            await http.get(
                f"{s.xero_base_url}/api.xro/2.0/Invoices",
                headers={
                    "Authorization": f"Bearer {XERO_TEST_TOKEN}",
                    "xero-tenant-id": s.xero_tenant_id,
                },
            )
        ).json()["Invoices"]
        assert sorted(i["InvoiceNumber"] for i in invoices) == sorted(
            [*status.invoices[:3], applied["invoice_number"]]
        )
    first = created.json()["run_id"]  # period 0: invoiced, then continued as new
    for run_id, name in ((None, "amended"), (first, "renewed")):
        handle = spine.client.get_workflow_handle(f"subscription:{sub}", run_id=run_id)
        await record_history(handle, f"subscription_workflow_v1_{name}")
    await spine.client.get_workflow_handle(f"subscription:{sub}").terminate("test over")
