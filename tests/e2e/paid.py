"""A deal paid through the real spine, and what the Xero emulator holds: the starting
point of the refund tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from quote2cash.billing.accounts import Accounts
from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.seed import seed_deals
from quote2cash.store.db import make_engine, unit_of_work
from quote2cash.store.ledger import LedgerRepository
from tests.e2e.conftest import XERO_TEST_TOKEN, Spine


async def paid_deal(spine: Spine, http: httpx.AsyncClient) -> str:
    """One seeded deal driven through the spine until it is paid; its CRM id."""
    probe = DealDriver(spine.settings, spine.client, http, [])
    driver = DealDriver(spine.settings, spine.client, http, await seed_deals(probe.hubspot, 1))
    await driver.close_all()
    assert await driver.run(60), f"deal stuck: {driver.counts()}"
    return driver.deals[0].deal_id


async def xero_list(spine: Spine, http: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    """Every record of a Xero collection (``Invoices``, ``CreditNotes``...) in the emulator."""
    s = spine.settings
    response = await http.get(
        f"{s.xero_base_url}/api.xro/2.0/{name}",
        headers={"Authorization": f"Bearer {XERO_TEST_TOKEN}", "xero-tenant-id": s.xero_tenant_id},
    )
    response.raise_for_status()
    return list(response.json()[name])


def receivable_and_cash(spine: Spine, accounts: Accounts) -> dict[str, tuple[Decimal, Decimal]]:
    """Per currency, our ledger's receivable and bank balances (debits less credits).

    Every entry balances by construction, so the useful check is what sits on these two
    accounts, against figures taken from Xero's documents."""
    engine = make_engine(spine.settings.db_url)
    try:
        with unit_of_work(engine) as session:
            balance = LedgerRepository(session).trial_balance()
    finally:
        engine.dispose()
    return {
        currency: (
            by_account.get(accounts.receivable, Decimal(0)),
            by_account.get(accounts.cash, Decimal(0)),
        )
        for currency, by_account in balance.items()
    }


def paid_per_currency(invoices: list[dict[str, Any]]) -> dict[str, Decimal]:
    """What Xero says was paid on ``invoices``, per currency."""
    paid: dict[str, Decimal] = {}
    for invoice in invoices:
        currency = str(invoice["CurrencyCode"])
        paid[currency] = paid.get(currency, Decimal(0)) + Decimal(str(invoice["AmountPaid"]))
    return paid
