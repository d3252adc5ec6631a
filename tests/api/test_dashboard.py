"""The ops dashboard reads live figures: parked deals from Temporal, the ledger's balance."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import httpx
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from quote2cash.api.app import create_app
from quote2cash.settings import Settings
from quote2cash.store import LedgerLineIn, LedgerRepository, make_engine, migrate, unit_of_work
from quote2cash.temporal import SA_ATTENTION, SA_DEAL_ID, SA_STAGE
from tests.e2e.conftest import TEST_KEY


def _post_one_entry(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        LedgerRepository(session).post(
            "k1",
            deal_id="d1",
            currency="GBP",
            entry_date=date(2026, 1, 1),
            description="invoice",
            source="test",
            lines=[
                LedgerLineIn(account="610", debit=Decimal("12.00"), credit=Decimal(0), memo=""),
                LedgerLineIn(account="200", debit=Decimal(0), credit=Decimal("12.00"), memo=""),
            ],
        )
    engine.dispose()


async def test_dashboard_shows_parked_deals_and_the_ledger(
    database_url: str, temporal_dev: WorkflowEnvironment, task_queue: str
) -> None:
    await asyncio.to_thread(_post_one_entry, database_url)
    parked = f"deal:hubspot:dash-{uuid.uuid4().hex[:8]}"
    # No worker: the workflow only needs to exist with the attributes a parked deal has.
    await temporal_dev.client.start_workflow(
        "DealWorkflow",
        id=parked,
        task_queue=task_queue,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(SA_DEAL_ID, parked),
                SearchAttributePair(SA_STAGE, "needs_attention"),
                SearchAttributePair(SA_ATTENTION, "InvalidMasterData"),
            ]
        ),
    )
    settings = Settings(
        database_url=database_url,
        temporal_address=temporal_dev.client.service_client.config.target_host,
        payload_key=TEST_KEY,
    )
    app = create_app(settings, relay_loop=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://q2c.test"
        ) as http,
    ):
        for _ in range(50):  # visibility is eventually consistent
            page = (await http.get("/dashboard")).text
            if parked in page:
                break
            await asyncio.sleep(0.1)
        runbook = await http.get("/runbooks/InvalidMasterData")
        missing = await http.get("/runbooks/NoSuchThing")
    assert parked in page
    assert '<a href="/runbooks/InvalidMasterData">InvalidMasterData</a>' in page
    assert "GBP 610 receivable" in page
    assert "12.00" in page
    assert "balanced" in page
    await temporal_dev.client.get_workflow_handle(parked).terminate("test done")
    assert runbook.status_code == 200
    assert "<h1>InvalidMasterData</h1>" in runbook.text
    assert missing.status_code == 404
