"""The daily reconciliation end to end: deals paid through the real spine reconcile with
zero findings; then the Xero emulator is changed behind our back (a payment deleted, an
invoice created by hand) and the next run explains each difference to the cent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import httpx

from quote2cash.billing.reconcile_model import Kind
from quote2cash.connectors.xero_models import XeroContactRef, XeroInvoiceIn, XeroLineItemIn
from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.seed import seed_deals
from quote2cash.reconciliation import (
    SCHEDULE_ID,
    ensure_schedule,
    reconciliation_workflow_id,
    run_reconciliation,
)
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.reconciliation import ReconciliationRepository
from tests.e2e.conftest import Spine
from tests.recording import record_history

DEALS = 2


async def _paid_deals(spine: Spine, http: httpx.AsyncClient) -> DealDriver:
    probe = DealDriver(spine.settings, spine.client, http, [])
    driver = DealDriver(spine.settings, spine.client, http, await seed_deals(probe.hubspot, DEALS))
    await driver.close_all()
    assert await driver.run(90), f"deals stuck: {driver.counts()}"
    return driver


async def _latest(spine: Spine, http: httpx.AsyncClient) -> dict[str, object]:
    auth = {"Authorization": f"Bearer {spine.settings.ops_token}"}
    response = await http.get(f"{spine.api.url}/reconciliations/latest", headers=auth)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


async def test_reconciliation_explains_what_changed_behind_our_back(spine: Spine) -> None:
    today = datetime.now(UTC).date()
    async with httpx.AsyncClient(timeout=20) as http:
        nothing = await http.get(
            f"{spine.api.url}/reconciliations/latest",
            headers={"Authorization": f"Bearer {spine.settings.ops_token}"},
        )
        assert nothing.status_code == 404
        driver = await _paid_deals(spine, http)

        clean = await run_reconciliation(spine.client, spine.settings, today)
        assert (clean.findings, clean.pending, clean.matched) == (0, 0, DEALS)
        assert clean.totals
        assert all(t.invoiced == t.matched > 0 for t in clean.totals)
        assert (await _latest(spine, http))["findings"] == []
        handle = spine.client.get_workflow_handle(reconciliation_workflow_id(today))
        await record_history(handle, "reconciliation_workflow_v1")

        invoices = await driver.xero_records("Invoices")
        [payment, *_] = await driver.xero_records("Payments")
        await driver.xero.delete_payment(payment["PaymentID"], idempotency_key="by-hand-1")
        outside = await driver.xero.create_invoice(
            XeroInvoiceIn(
                contact=XeroContactRef(contact_id=invoices[0]["Contact"]["ContactID"]),
                line_items=[
                    XeroLineItemIn(
                        description="typed in by hand",
                        quantity=Decimal(2),
                        unit_amount=Decimal("21.25"),
                        account_code="200",
                    )
                ],
                line_amount_types="NoTax",
                currency_code=invoices[0]["CurrencyCode"],
                status="AUTHORISED",
            ),
            idempotency_key="by-hand-2",
        )

        again = await run_reconciliation(spine.client, spine.settings, today)
        latest = await _latest(spine, http)

    found = {f["kind"]: f for f in latest["findings"]}  # type: ignore[attr-defined]
    assert again.findings == 2
    assert set(found) == {Kind.CASH_MISMATCH, Kind.UNKNOWN_INVOICE}
    cash = found[Kind.CASH_MISMATCH]
    assert Decimal(cash["amount"]) == -Decimal(str(payment["Amount"]))  # we posted it, Xero not
    assert payment["PaymentID"] in cash["explanation"]
    unknown = found[Kind.UNKNOWN_INVOICE]
    assert Decimal(unknown["amount"]) == Decimal("42.50")
    assert unknown["keys"]["invoice_id"] == outside.invoice_id
    assert again.matched == DEALS - 1
    engine = make_engine(spine.settings.db_url)
    with unit_of_work(engine) as session:
        assert ReconciliationRepository(session).runs() == 1  # the rerun replaced the day
    engine.dispose()


async def test_the_daily_schedule_is_created_once_and_follows_the_settings(spine: Spine) -> None:
    settings = spine.settings.model_copy(update={"reconciliation_cron": "15 4 * * *"})
    handle = spine.client.get_schedule_handle(SCHEDULE_ID)
    try:
        assert await ensure_schedule(spine.client, settings)
        assert await ensure_schedule(spine.client, settings)  # again: no error, same one
        first = await handle.describe()
        moved = settings.model_copy(update={"reconciliation_cron": "45 5 * * *"})
        assert await ensure_schedule(spine.client, moved)
        second = await handle.describe()
    finally:
        await handle.delete()
    assert _hours_minutes(first) == ([4], [15])
    assert _hours_minutes(second) == ([5], [45])
    off = settings.model_copy(update={"reconciliation_cron": ""})
    assert not await ensure_schedule(spine.client, off)


def _hours_minutes(description: object) -> tuple[list[int], list[int]]:
    spec = description.schedule.spec  # type: ignore[attr-defined]
    if spec.cron_expressions:
        minute, hour, *_ = spec.cron_expressions[0].split()
        return [int(hour)], [int(minute)]
    (calendar,) = spec.calendars
    return [r.start for r in calendar.hour], [r.start for r in calendar.minute]


async def _refund(
    spine: Spine, http: httpx.AsyncClient, deal_id: str, body: dict[str, str]
) -> None:
    auth = {"Authorization": f"Bearer {spine.settings.ops_token}"}
    path = f"{spine.api.url}/deals/hubspot/{deal_id}/refund"
    started = await http.post(path, json=body, headers=auth)
    assert started.status_code == 202, started.text
    workflow_id = started.json()["workflow_id"]
    await asyncio.wait_for(spine.client.get_workflow_handle(workflow_id).result(), timeout=60)


async def test_refunded_deals_reconcile_with_their_credit_notes(spine: Spine) -> None:
    """A full refund (payment taken off, credit note allocated) and a partial one (cash
    paid back on a credit note) match our credit-note and refund journals exactly."""
    today = datetime.now(UTC).date()
    async with httpx.AsyncClient(timeout=20) as http:
        driver = await _paid_deals(spine, http)
        full, partial = (d.deal_id for d in driver.deals)
        await _refund(spine, http, full, {"reason": "not delivered"})
        await _refund(
            spine, http, partial, {"reason": "seats", "amount": "10.00", "refund_id": "R1"}
        )
        summary = await run_reconciliation(spine.client, spine.settings, today)
        latest = await _latest(spine, http)
    assert latest["findings"] == []
    assert (summary.findings, summary.matched) == (0, DEALS)
