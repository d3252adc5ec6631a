"""Lifecycle scenario: deals that take the paths beyond the spine, for the demo and tests.

Each scenario deal is seeded in the CRM emulator so that the workflow, not the driver,
decides its path: a deep discount makes it wait for approval; a wrong VAT id parks it in
needs-attention until the company is corrected in the CRM and ``retry`` is sent. The
people act through the API, as ops and finance would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
from rich.console import Console

from quote2cash.billing.proration import add_months
from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
from quote2cash.billing.usage import PerUnit
from quote2cash.connect.accounts import ensure_bad_debts_account
from quote2cash.connect.hubspot_contract import BILLING_SCHEDULE, VAT_ID
from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import XeroContactIn
from quote2cash.devstack.driver import DealDriver
from quote2cash.devstack.seed import PRODUCTS, SeededDeal, prepare_crm, seed_deals
from quote2cash.messages import (
    QUERY_STAGE,
    DealStatus,
    Stage,
    SubscriptionStart,
    SubscriptionTerms,
)
from quote2cash.settings import Settings
from quote2cash.temporal import connect

if TYPE_CHECKING:
    from temporalio.client import Client

    from quote2cash.devstack.demo import DemoResult

DEAL_OWNER = "hubspot-owner-42"
"""The sales rep owning scenario deals; approvals refuse them as deciders."""
GOOD_VAT_ID = "DE136695976"
BAD_VAT_ID = "DE136695970"  # wrong check digit


@dataclass(frozen=True)
class DealSpec:
    label: str
    company: dict[str, str]
    lines: list[tuple[str, str, str]]
    """(SKU, quantity, discount %)."""
    currency: str = "EUR"
    owner: str = DEAL_OWNER
    billing_schedule: str = ""
    """``q2c_billing_schedule`` on the deal: ``50/50`` bills half on signature."""


@dataclass(frozen=True)
class ScenarioDeal(SeededDeal):
    label: str = ""
    company_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)


APPROVAL = DealSpec(
    label="needs approval (35% discount)",
    company={"name": "Litware GmbH", "country": "Germany", VAT_ID.name: GOOD_VAT_ID},
    lines=[("PLAT-ANNUAL", "10", "35"), ("ONBOARD", "1", "0")],
)
REJECTED = DealSpec(
    label="rejected (60% discount)",
    company={"name": "Proseware GmbH", "country": "Germany", VAT_ID.name: GOOD_VAT_ID},
    lines=[("PLAT-ANNUAL", "40", "60")],
)
BAD_DATA = DealSpec(
    label="parked on a bad VAT id, fixed, retried",
    company={"name": "Lucerne Publishing GmbH", "country": "Germany", VAT_ID.name: BAD_VAT_ID},
    lines=[("SUPPORT-M", "3", "0"), ("MIGRATE", "1", "0")],
)
SPLIT = DealSpec(
    label="billed 50/50: half on signature, half on delivery",
    company={"name": "Coho Winery Ltd", "country": "United Kingdom"},
    lines=[("ONBOARD", "1", "0"), ("MIGRATE", "3", "0"), ("SEAT-M", "7", "0")],
    currency="GBP",
    billing_schedule="50/50",
)


async def seed_deal(hubspot: HubSpotClient, spec: DealSpec) -> ScenarioDeal:
    """Create the company, its open deal and line items; the deal is not closed yet."""
    company = await hubspot.create_object("companies", spec.company)
    deal = await hubspot.create_object(
        "deals",
        {
            "dealname": f"{spec.company['name']}: {spec.label}",
            "dealstage": "contractsent",
            "pipeline": "default",
            "deal_currency_code": spec.currency,
            "hubspot_owner_id": spec.owner,
            **({BILLING_SCHEDULE.name: spec.billing_schedule} if spec.billing_schedule else {}),
        },
        associations=[("companies", company.id)],
    )
    products = {p["hs_sku"]: p for p in PRODUCTS}
    for sku, quantity, discount in spec.lines:
        product = products[sku]
        await hubspot.create_object(
            "line_items",
            {
                "name": product["name"],
                "hs_sku": sku,
                "price": product["price"],
                "quantity": quantity,
                "hs_discount_percentage": discount,
                "recurringbillingfrequency": product.get("recurringbillingfrequency", ""),
            },
            associations=[("deals", deal.id)],
        )
    return ScenarioDeal(
        deal_id=deal.id,
        company=spec.company["name"],
        currency=spec.currency,
        label=spec.label,
        company_id=company.id,
    )


def subscription_start(
    subscription_id: str, *, contact_id: str, customer_key: str, starts_on: date
) -> SubscriptionStart:
    """A monthly seats subscription with metered API calls, in Berlin time."""
    snapshot = QuoteSnapshot(
        deal_id=f"sub-{subscription_id}",
        currency="EUR",
        bill_to=BillTo(
            customer_key=customer_key, name="Fourth Coffee GmbH", country="DE", vat_id=GOOD_VAT_ID
        ),
        lines=[
            SnapshotLine(
                line_id="seats",
                sku="SEAT-M",
                name="Extra seat (monthly)",
                quantity=Decimal(10),
                unit_price=Decimal("15.95"),
                recurring="monthly",
            )
        ],
        catalog_version="demo",
    )
    terms = SubscriptionTerms(
        subscription_id=subscription_id,
        contact_id=contact_id,
        timezone="Europe/Berlin",
        starts_on=starts_on,
        usage_prices={"api_calls": PerUnit(unit_price=Decimal("0.002"))},
    )
    return SubscriptionStart(terms=terms, snapshot=snapshot)


# --- The lifecycle demo (``q2c demo --scenario lifecycle``) ----------------------------

Summarize = Callable[[Settings, httpx.AsyncClient, DealDriver, float], Awaitable["DemoResult"]]


class People:
    """The humans of the lifecycle: an approver and someone who fixes master data."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient, hubspot: HubSpotClient):
        self._api = settings.api_url
        self._auth = {"Authorization": f"Bearer {settings.ops_token}"}
        self._http = http
        self._hubspot = hubspot
        self.done: set[str] = set()
        self.story: list[str] = []

    async def act(self, deal: ScenarioDeal, status: DealStatus | None) -> None:
        if status is None or deal.deal_id in self.done:
            return
        if status.stage == Stage.APPROVAL and status.approval is not None:
            why = "; ".join(status.approval.required_because)
            answer = await self._post(f"/deals/hubspot/{deal.deal_id}/approve", "margin reviewed")
            self.story.append(f"deal {deal.deal_id} waited for approval ({why}): {answer}")
            self.done.add(deal.deal_id)
        elif status.stage == Stage.NEEDS_ATTENTION and status.attention is not None:
            await self._hubspot.update_object(
                "companies", deal.company_id, {VAT_ID.name: GOOD_VAT_ID}
            )
            answer = await self._post(f"/deals/hubspot/{deal.deal_id}/retry", "VAT id corrected")
            self.story.append(
                f"deal {deal.deal_id} parked ({status.attention.reason}: "
                f"{status.attention.message}); VAT id fixed in the CRM; {answer}"
            )
            self.done.add(deal.deal_id)

    async def _post(self, path: str, text: str) -> str:
        body = {"reason": text, "note": text}
        response = await self._http.post(f"{self._api}{path}", json=body, headers=self._auth)
        response.raise_for_status()
        return str(response.json()["answer"])


def _split_story(status: DealStatus | None) -> list[str]:
    """What the deal billed in parts shows: each invoice, its amount and its status."""
    if status is None or not status.invoices:
        return []
    parts = ", ".join(f"{i.number} {i.total} {i.status}" for i in status.invoices)
    return [
        f"deal {status.deal_id} billed {status.billing_schedule} ({status.stage}): "
        f"{status.amount} {status.currency} as {parts}; "
        f"{len(status.journal_entries)} journals posted"
    ]


async def _refund(settings: Settings, http: httpx.AsyncClient, deal_id: str) -> str:
    """Refund one completed deal in full and wait for the saga to finish."""
    path = f"{settings.api_url}/deals/hubspot/{deal_id}/refund"
    auth = {"Authorization": f"Bearer {settings.ops_token}"}
    started = await http.post(path, json={"reason": "customer withdrew"}, headers=auth)
    started.raise_for_status()
    state: dict[str, Any] = {}
    for _ in range(100):
        state = (await http.get(path, headers=auth)).json()
        if state.get("step") == "refunded":
            break
        await asyncio.sleep(0.2)
    return (
        f"deal {deal_id} refunded ({state.get('step')}): credit note "
        f"{state.get('credit_note_number')} of {state.get('amount')} {state.get('currency')}, "
        f"steps: {', '.join(state.get('done', []))}; "
        f"{len(state.get('journal_entries', []))} journals posted"
    )


async def _subscription(settings: Settings, http: httpx.AsyncClient, xero: XeroClient) -> list[str]:
    """Start a subscription one period late (it renews at once), then upgrade it."""
    contact = await xero.create_contact(
        XeroContactIn(name="Fourth Coffee GmbH", contact_number="sub-demo"),
        idempotency_key="sub-demo",
    )
    start = subscription_start(
        "demo-1",
        contact_id=contact.contact_id,
        customer_key="sub-demo",
        starts_on=add_months(datetime.now(UTC).date(), -1),
    )
    api, auth = settings.api_url, {"Authorization": f"Bearer {settings.ops_token}"}
    created = await http.post(
        f"{api}/subscriptions", json=start.model_dump(mode="json"), headers=auth
    )
    created.raise_for_status()
    for _ in range(100):
        status = (await http.get(f"{api}/subscriptions/demo-1", headers=auth)).json()
        if status.get("period_index") == 1 and len(status.get("invoices", [])) == 2:
            break
        await asyncio.sleep(0.2)
    change = {"reason": "five more seats", "changes": [{"line_id": "seats", "quantity": "15"}]}
    upgrade = await http.post(f"{api}/subscriptions/demo-1/amend", json=change, headers=auth)
    upgrade.raise_for_status()
    quote = upgrade.json()
    return [
        f"subscription:demo-1 renewed: period {status['period_index'] + 1}, "
        f"invoices {', '.join(status['invoices'])}",
        f"upgrade 10 → 15 seats: {quote['period_price_before']} → {quote['period_price_after']} "
        f"{quote['currency']} a month, prorated delta {quote['prorated_delta']} "
        f"on {quote['invoice_number']}",
        *(f"  {line}" for line in quote["explanation"]),
    ]


SUBSCRIPTION_INVOICES = ("period:0:renewal", "period:1:renewal", "period:1:amendment:1")
"""The demo subscription's invoices: two renewals (it starts a period late), one upgrade."""
COLLECT_WAIT_S = 30.0


async def _collect_subscription(driver: DealDriver, client: Client) -> list[str]:
    """Pay the subscription's invoices in the accounting emulator; each one's collection
    posts its journals once Xero's webhook says it is paid (so they reconcile matched)."""
    keys = [f"subscription:demo-1:{k}" for k in SUBSCRIPTION_INVOICES]
    numbers, posted = [], 0
    for key in keys:
        status = await client.get_workflow_handle(key).query(QUERY_STAGE, result_type=DealStatus)
        await driver.pay(key, status)
        numbers.append(status.invoice_number)
    try:
        for key in keys:
            handle = client.get_workflow_handle(key, result_type=DealStatus)
            done = await asyncio.wait_for(handle.result(), COLLECT_WAIT_S)
            posted += len(done.journal_entries)
    except TimeoutError:
        return [f"subscription invoices {', '.join(numbers)} paid; not all posted yet"]
    return [f"subscription invoices {', '.join(numbers)} paid and collected: {posted} journals"]


async def run_lifecycle(
    settings: Settings, console: Console | None, summarize: Summarize
) -> DemoResult:
    """Two plain deals, one that waits for approval, one parked on bad data and retried,
    one billed in two parts, and a subscription that renews and upgrades, its invoices
    paid and collected."""
    client = await connect(settings)
    async with httpx.AsyncClient(timeout=30.0) as http:
        probe = DealDriver(settings, client, http, [])
        await prepare_crm(settings, http)
        await ensure_bad_debts_account(probe.xero, probe.mapping)
        special = [await seed_deal(probe.hubspot, s) for s in (APPROVAL, BAD_DATA, SPLIT)]
        driver = DealDriver(settings, client, http, [*await seed_deals(probe.hubspot, 2), *special])
        people = People(settings, http, probe.hubspot)
        started = time.monotonic()
        await driver.close_all()

        async def people_act() -> None:
            for deal in special:
                await people.act(deal, driver.status.get(deal.deal_id))

        await driver.run(120, each_tick=people_act, pause=0.25)
        result = await summarize(settings, http, driver, started)
        refunded = await _refund(settings, http, driver.deals[0].deal_id)
        split = _split_story(driver.status.get(special[-1].deal_id))
        story = [*people.story, *split, refunded]
        story += await _subscription(settings, http, probe.xero)
        story += await _collect_subscription(driver, client)
    if console:
        for line in story:
            console.print(line)
    return result
