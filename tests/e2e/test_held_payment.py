"""A signed payment naming a completed deal and an invoice that is not that deal's,
for 10**15 minor units: held for review, nothing in our ledger, and the reconciliation
reports the money above the invoice it names (issue 12: "a signed event posts any
amount"). Real HTTP to the real API, real Temporal, the emulators, SQLite or PostgreSQL."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from quote2cash.billing.reconcile_model import Kind
from quote2cash.connectors.signatures import PAYMENT_SIGNATURE, sign_payment
from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.seed import seed_deals
from quote2cash.reconciliation import run_reconciliation
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.ledger import LedgerRepository
from tests.api.support import eventually
from tests.e2e.conftest import Spine

HUGE = 10**15


def _forged(deal_id: str, invoice_id: str, currency: str) -> bytes:
    paid = {
        "id": "pi_forged",
        "amount": HUGE,
        "currency": currency.lower(),
        "created": int(time.time()),
        "metadata": {"q2c_deal_id": deal_id, "q2c_invoice_id": invoice_id},
    }
    event = {"id": "evt_forged", "type": "payment_intent.succeeded", "data": {"object": paid}}
    return json.dumps(event).encode()


async def _held(spine: Spine, http: httpx.AsyncClient, entry_id: int) -> dict[str, Any] | None:
    auth = {"Authorization": f"Bearer {spine.settings.ops_token}"}
    view = (await http.get(f"{spine.api.url}/inbox/{entry_id}", headers=auth)).json()
    return view if view["status"] == "held" else None


async def test_a_payment_naming_another_deals_invoice_is_held_not_posted(spine: Spine) -> None:
    engine = make_engine(spine.settings.db_url)
    async with httpx.AsyncClient(timeout=20) as http:
        probe = DealDriver(spine.settings, spine.client, http, [])
        deals = await seed_deals(probe.hubspot, 2)
        driver = DealDriver(spine.settings, spine.client, http, deals)
        await driver.close_all()
        assert await driver.run(90), f"deals stuck: {driver.counts()}"
        other = driver.status[deals[1].deal_id]
        assert other is not None
        named = other.invoices[0]
        with unit_of_work(engine) as session:
            before = [e.entry_key for e in LedgerRepository(session).entries()]

        body = _forged(deals[0].deal_id, named.invoice_id, other.currency)
        signature = sign_payment(spine.settings.payments_webhook_secret, body, int(time.time()))
        response = await http.post(
            f"{spine.api.url}/webhooks/payments",
            content=body,
            headers={PAYMENT_SIGNATURE: signature, "content-type": "application/json"},
        )
        assert response.status_code == 202, response.text
        [entry_id] = response.json()["inbox_ids"]
        view = await eventually(lambda: _held(spine, http, entry_id), within=30)
        assert "held for review" in view["error"]

        auth = {"Authorization": f"Bearer {spine.settings.ops_token}"}
        [held] = (await http.get(f"{spine.api.url}/payments/held", headers=auth)).json()
        assert (held["inbox_id"], held["payment_id"]) == (entry_id, "pi_forged")
        assert Decimal(held["amount"]) == Decimal(HUGE).scaleb(-2)
        with unit_of_work(engine) as session:
            after = [e.entry_key for e in LedgerRepository(session).entries()]
        assert after == before  # not a cent of it in our ledger

        summary = await run_reconciliation(spine.client, spine.settings, datetime.now(UTC).date())
        latest = await http.get(f"{spine.api.url}/reconciliations/latest", headers=auth)
    engine.dispose()
    [finding] = [f for f in latest.json()["findings"] if f["kind"] == Kind.HELD_ABOVE_INVOICE]
    assert summary.findings >= 1
    assert Decimal(finding["amount"]) == Decimal(HUGE).scaleb(-2) - Decimal(named.total)
    assert finding["keys"]["payment_id"] == "pi_forged"
