"""The missed-deal sweep end to end: deals whose won webhook never arrived are found in
the CRM and carried to completed, once each; a deal its webhook started is left alone.
Counted in the Xero emulator and Temporal's visibility, not in the sweep's own word.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime

import httpx
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.seed import seed_deals
from quote2cash.messages import Stage, deal_workflow_id
from quote2cash.reconciliation import run_reconciliation
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.reconciliation import ReconciliationRepository
from quote2cash.sweep import MANUAL_ID, sweep_now
from tests.e2e.conftest import Spine
from tests.recording import record_history

LOST = 3


async def _webhooks(spine: Spine, http: httpx.AsyncClient, *, drop: bool) -> None:
    faults = {"webhooks": {"drop_rate": 1.0 if drop else 0.0}}
    answer = await http.put(f"{spine.hubspot.url}/_sandbox/faults", json=faults)
    answer.raise_for_status()


async def test_deals_whose_webhook_never_came_are_swept_in_once(spine: Spine) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        probe = DealDriver(spine.settings, spine.client, http, [])
        deals = await seed_deals(probe.hubspot, LOST + 1)
        lost, heard = deals[:LOST], deals[LOST:]

        await _webhooks(spine, http, drop=True)  # the API is out of reach of the CRM
        lost_driver = DealDriver(spine.settings, spine.client, http, lost)
        await lost_driver.close_all()
        await asyncio.sleep(1)  # what the webhooks would have had to arrive
        assert [await _started(spine, d.deal_id) for d in lost] == [False] * LOST

        await _webhooks(spine, http, drop=False)
        heard_driver = DealDriver(spine.settings, spine.client, http, heard)
        await heard_driver.close_all()
        assert await heard_driver.run(90), f"stuck: {heard_driver.counts()}"

        # Before the sweep, the day's reconciliation already names them, with no grace.
        today = datetime.now(UTC).date()
        before = await run_reconciliation(spine.client, spine.settings, today)
        assert before.findings == LOST
        assert _findings(spine, today) == {(d.deal_id, "won_no_workflow") for d in lost}
        swept = await sweep_now(spine.client, spine.settings)
        assert sorted(swept.recorded) == sorted(d.deal_id for d in lost)
        assert swept.already_started == len(heard)
        assert await lost_driver.run(120), f"swept deals stuck: {lost_driver.counts()}"

        again = await sweep_now(spine.client, spine.settings)
        await record_history(spine.client.get_workflow_handle(MANUAL_ID), "sweep_workflow_v1")
        invoices = await lost_driver.xero_records("Invoices")

    assert again.recorded == []
    assert again.already_started == len(deals)
    assert lost_driver.counts() == Counter({Stage.COMPLETED.value: LOST})
    references = Counter(str(i["Reference"]) for i in invoices if i["Status"] != "VOIDED")
    assert sorted(references) == sorted(f"deal {d.deal_id}" for d in deals)
    assert set(references.values()) == {1}  # one invoice per deal in Xero
    assert [await _runs(spine, d.deal_id) for d in deals] == [1] * len(deals)


async def _started(spine: Spine, deal_id: str) -> bool:
    """Whether Temporal has the deal's workflow (asked directly, not through visibility)."""
    try:
        await spine.client.get_workflow_handle(deal_workflow_id("hubspot", deal_id)).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


def _findings(spine: Spine, day: date) -> set[tuple[str, str]]:
    """(deal id, kind) of the day's stored findings, as the report keeps them."""
    engine = make_engine(spine.settings.db_url)
    try:
        with unit_of_work(engine) as session:
            report = ReconciliationRepository(session).of(day)
    finally:
        engine.dispose()
    assert report is not None
    return {(f.keys["deal_id"], f.kind.value) for f in report.findings}


async def _runs(spine: Spine, deal_id: str) -> int:
    """Runs of the deal's workflow id that Temporal knows (visibility lags: wait for it)."""
    workflow_id = deal_workflow_id("hubspot", deal_id)
    runs: list[object] = []
    for _ in range(50):
        runs = [w async for w in spine.client.list_workflows(f"WorkflowId = '{workflow_id}'")]
        if runs:
            return len(runs)
        await asyncio.sleep(0.1)
    return len(runs)
