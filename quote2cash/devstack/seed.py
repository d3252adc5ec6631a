"""Sample data for the demo: CRM companies in several countries, products, deals; and
the accounting organisation's set-up a user does once (the bad-debts account).

Deterministic for a given count, so two demo runs show the same deals. The VAT ids are
the public example numbers of each tax authority (valid format and check digit).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from quote2cash.connect.hubspot import connect_hubspot
from quote2cash.connect.hubspot_contract import VAT_ID
from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.settings import Settings

COMPANIES = (
    {"name": "Northwind Traders Ltd", "country": "United Kingdom", VAT_ID.name: "GB980780684"},
    {"name": "Contoso GmbH", "country": "Germany", VAT_ID.name: "DE136695976"},
    {"name": "Fabrikam SARL", "country": "FR", VAT_ID.name: "FR40303265045"},
    {"name": "Tailspin Toys Inc", "country": "United States", "state": "CA"},
    {"name": "Wingtip BV", "country": "Netherlands", VAT_ID.name: "NL004495445B01"},
    {"name": "Adventure Works Ltd", "country": "GB"},
)
CURRENCY = {"United Kingdom": "GBP", "GB": "GBP", "United States": "USD"}
PRODUCTS = (
    {
        "name": "Platform licence (annual)",
        "hs_sku": "PLAT-ANNUAL",
        "price": "1200.00",
        "recurringbillingfrequency": "annually",
    },
    {"name": "Onboarding package", "hs_sku": "ONBOARD", "price": "2500.00"},
    {
        "name": "Support plan (monthly)",
        "hs_sku": "SUPPORT-M",
        "price": "99.50",
        "recurringbillingfrequency": "monthly",
    },
    {
        "name": "Extra seat (monthly)",
        "hs_sku": "SEAT-M",
        "price": "15.95",
        "recurringbillingfrequency": "monthly",
    },
    {"name": "Data migration", "hs_sku": "MIGRATE", "price": "780.00"},
)


class CrmNotReady(RuntimeError):
    """``q2c connect hubspot`` could not set the portal up: its failed lines."""


async def prepare_crm(settings: Settings, http: httpx.AsyncClient) -> None:
    """Set the CRM up as a user does before any deal (``q2c connect hubspot``): the
    quote2cash properties exist before the seed writes them."""
    result = await connect_hubspot(settings, http)
    if not result.ok:
        failed = [f"{line.name}: {line.detail}" for line in result.lines if not line.ok]
        raise CrmNotReady("; ".join(failed))


@dataclass(frozen=True)
class SeededDeal:
    deal_id: str
    company: str
    currency: str


def _lines(i: int) -> list[tuple[dict[str, str], str, str]]:
    """(product, quantity, discount %) for deal number ``i``."""
    picks = [PRODUCTS[i % len(PRODUCTS)], PRODUCTS[(i * 3 + 1) % len(PRODUCTS)]]
    if i % 4 == 0:
        picks.append(PRODUCTS[(i + 2) % len(PRODUCTS)])
    unique = list({p["hs_sku"]: p for p in picks}.values())
    return [
        (p, str(1 + (i * 7 + k) % 12), "10" if (i + k) % 5 == 0 else "0")
        for k, p in enumerate(unique)
    ]


async def seed_deals(hubspot: HubSpotClient, count: int) -> list[SeededDeal]:
    """Create companies, products and ``count`` open deals with line items."""
    companies = [await hubspot.create_object("companies", c) for c in COMPANIES]
    products = {p["hs_sku"]: await hubspot.create_object("products", p) for p in PRODUCTS}
    deals = []
    for i in range(count):
        spec = COMPANIES[i % len(COMPANIES)]
        company = companies[i % len(companies)]
        currency = CURRENCY.get(spec["country"], "EUR")
        deal = await hubspot.create_object(
            "deals",
            {
                "dealname": f"{spec['name']} — order {i + 1}",
                "dealstage": "contractsent",
                "pipeline": "default",
                "deal_currency_code": currency,
            },
            associations=[("companies", company.id)],
        )
        for product, quantity, discount in _lines(i):
            await hubspot.create_object(
                "line_items",
                {
                    "name": product["name"],
                    "hs_sku": product["hs_sku"],
                    "hs_product_id": products[product["hs_sku"]].id,
                    "price": product["price"],
                    "quantity": quantity,
                    "hs_discount_percentage": discount,
                    "recurringbillingfrequency": product.get("recurringbillingfrequency", ""),
                },
                associations=[("deals", deal.id)],
            )
        deals.append(SeededDeal(deal_id=deal.id, company=spec["name"], currency=currency))
    return deals
