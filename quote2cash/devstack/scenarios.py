"""Lifecycle scenario: deals that take the paths beyond the spine, for the demo and tests.

Each scenario deal is seeded in the CRM emulator so that the workflow, not the driver,
decides its path: a deep discount makes it wait for approval; a wrong VAT id parks it in
needs-attention until the company is corrected in the CRM and ``retry`` is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from quote2cash.billing.snapshot import BillTo, QuoteSnapshot, SnapshotLine
from quote2cash.billing.usage import PerUnit
from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.devstack.seed import PRODUCTS, SeededDeal
from quote2cash.messages import SubscriptionStart, SubscriptionTerms

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


@dataclass(frozen=True)
class ScenarioDeal(SeededDeal):
    label: str = ""
    company_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)


APPROVAL = DealSpec(
    label="needs approval (35% discount)",
    company={"name": "Litware GmbH", "country": "Germany", "q2c_vat_id": GOOD_VAT_ID},
    lines=[("PLAT-ANNUAL", "10", "35"), ("ONBOARD", "1", "0")],
)
REJECTED = DealSpec(
    label="rejected (60% discount)",
    company={"name": "Proseware GmbH", "country": "Germany", "q2c_vat_id": GOOD_VAT_ID},
    lines=[("PLAT-ANNUAL", "40", "60")],
)
BAD_DATA = DealSpec(
    label="parked on a bad VAT id, fixed, retried",
    company={"name": "Lucerne Publishing GmbH", "country": "Germany", "q2c_vat_id": BAD_VAT_ID},
    lines=[("SUPPORT-M", "3", "0"), ("MIGRATE", "1", "0")],
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
            customer_key=customer_key, name="Contoso GmbH", country="DE", vat_id=GOOD_VAT_ID
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
