"""The spine under the ``chaos`` profile of ``q2c demo --faults``: about one vendor call in
five fails (5xx, connections lost before and after the vendor acted, timeouts), 429
bursts recur, quotas hold, and every webhook comes twice and out of order. Every deal
still reaches completed with exactly one invoice, one payment and one journal of each
in the Xero emulator, and a balanced pair in our ledger.

The worker's vendor timeout is shorter here than in production (``chaos_spine``), and
the profile's late answers are late for that timeout: the same faults, cheaper to wait.
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from quote2cash.billing.accounts import Accounts
from quote2cash.billing.decimals import ZERO
from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.faults import EXEMPT_HEADERS, apply, chaos, report
from quote2cash.devstack.seed import seed_deals
from quote2cash.messages import Stage, deal_workflow_id
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.ledger import LedgerRepository
from tests.e2e.conftest import Spine
from tests.e2e.paid import paid_per_currency, receivable_and_cash
from tests.faults.conftest import CHAOS_HTTP_TIMEOUT_S

DEALS = 15
CHAOS = chaos(http_timeout_s=CHAOS_HTTP_TIMEOUT_S)
DEADLINE_SECONDS = 75


@pytest.fixture(autouse=True)
def chaos_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's limits of the profile (the spine reads its settings from Q2C_*)."""
    for name, value in CHAOS.limits.items():
        monkeypatch.setenv(f"Q2C_{name.upper()}", str(value))


async def _drive(spine: Spine, http: httpx.AsyncClient) -> DealDriver:
    probe = DealDriver(spine.settings, spine.client, http, [])
    driver = DealDriver(spine.settings, spine.client, http, await seed_deals(probe.hubspot, DEALS))
    await driver.close_all()
    assert await driver.run(DEADLINE_SECONDS), f"deals stuck: {driver.counts()}"
    return driver


async def test_deals_reach_posted_exactly_once_under_chaos(chaos_spine: Spine) -> None:
    spine = chaos_spine
    assert spine.settings.xero_calls_per_minute == CHAOS.limits["xero_calls_per_minute"]
    async with httpx.AsyncClient(timeout=30, headers=EXEMPT_HEADERS) as http:
        await apply(http, spine.settings, CHAOS)
        driver = await _drive(spine, http)
        ids = [deal_workflow_id("hubspot", d.deal_id) for d in driver.deals]
        found = await report(spine.client, http, spine.settings, ids)
        invoices = await driver.xero_records("Invoices")
        payments = await driver.xero_records("Payments")

    assert driver.counts() == Counter({Stage.COMPLETED.value: DEALS})
    assert len(invoices) == DEALS
    assert len({i["Reference"] for i in invoices}) == DEALS
    assert all(i["Status"] == "PAID" for i in invoices)
    assert len(payments) == DEALS
    assert found["xero_journals"] == {
        "ACCREC": DEALS,
        "ACCRECPAYMENT": DEALS,
        "sources_posted_twice": 0,
    }
    engine = make_engine(spine.settings.db_url)
    with unit_of_work(engine) as session:
        ledger = LedgerRepository(session)
        assert ledger.count() == 2 * DEALS
    engine.dispose()
    paid_in = paid_per_currency(invoices)
    assert receivable_and_cash(spine, Accounts()) == {c: (ZERO, paid_in[c]) for c in paid_in}

    # The chaos was real: faults were injected on both sides and activities retried.
    injected = found["injected"]
    assert sum(injected["xero"].values()) > DEALS
    assert sum(injected["hubspot"].values()) > DEALS
    assert injected["xero"]["webhook_duplicate"] >= DEALS
    assert found["activity_retries"] > 0
    assert "rate_limit_quota" not in injected["xero"]  # the limiter kept within the quota
