"""Sample CRM data, loaded through the HubSpot API (so it works on any portal).

Three customers in three tax situations (UK domestic VAT, EU reverse charge, EU without
a VAT id), a small catalogue, and one deal each at ``contractsent`` for a demo to close.
The seed creates no property: the custom ``q2c_*`` values (VAT ids, payment terms) are
written only where the portal defines them, which ``q2c connect hubspot`` does, as a
user would. Tax ids pass their checksums; the companies and people are invented.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from quote2cash.connectors.hubspot import HubSpotClient

PRODUCTS = [
    {
        "name": "Platform subscription (annual)",
        "hs_sku": "PLAT-ANNUAL",
        "price": "12000.00",
        "hs_recurring_billing_period": "P12M",
        "recurringbillingfrequency": "annually",
    },
    {"name": "Onboarding package", "hs_sku": "ONBOARD", "price": "2500.00"},
    {
        "name": "Premium support (monthly)",
        "hs_sku": "SUPPORT-M",
        "price": "149.90",
        "hs_recurring_billing_period": "P1M",
        "recurringbillingfrequency": "monthly",
    },
]

COMPANIES = [
    {
        "name": "Acme Widgets Ltd",
        "domain": "acme-widgets.example",
        "country": "GB",
        "city": "Leeds",
        "zip": "LS1 4AP",
        "address": "1 Park Row",
        "q2c_vat_id": "GB223456719",
    },
    {
        "name": "Globex GmbH",
        "domain": "globex.example",
        "country": "DE",
        "city": "Berlin",
        "zip": "10115",
        "address": "Invalidenstrasse 1",
        "q2c_vat_id": "DE136695976",
    },
    {
        "name": "Initech SARL",
        "domain": "initech.example",
        "country": "FR",
        "city": "Lyon",
        "zip": "69002",
        "address": "2 Quai Saint-Antoine",
        "q2c_vat_id": "",
    },
]

CONTACTS = [
    {"firstname": "Ada", "lastname": "Finch", "email": "ada.finch@acme-widgets.example"},
    {"firstname": "Bruno", "lastname": "Keller", "email": "bruno.keller@globex.example"},
    {"firstname": "Chloe", "lastname": "Martin", "email": "chloe.martin@initech.example"},
]


class SampleDeal(NamedTuple):
    name: str
    currency: str
    lines: list[tuple[int, str, str]]
    """(product index, quantity, discount percent)"""


DEALS = [
    SampleDeal("Acme Widgets - platform + onboarding", "GBP", [(0, "1", "10"), (1, "1", "0")]),
    SampleDeal("Globex - platform with support", "EUR", [(0, "2", "15"), (2, "12", "0")]),
    SampleDeal("Initech - onboarding", "EUR", [(1, "1", "5")]),
]


def _amount(lines: list[tuple[int, str, str]]) -> Decimal:
    total = sum(
        (Decimal(PRODUCTS[i]["price"]) * Decimal(q) * (1 - Decimal(d) / 100) for i, q, d in lines),
        Decimal(0),
    )
    return total.quantize(Decimal("0.01"))


RECURRING = ("hs_recurring_billing_period", "recurringbillingfrequency")


async def _defined(client: HubSpotClient, kind: str) -> frozenset[str]:
    return frozenset(await client.list_property_names(kind))


def _known(properties: dict[str, str], defined: frozenset[str]) -> dict[str, str]:
    """The values to write: set ones, and custom ones only where the portal has them."""
    return {k: v for k, v in properties.items() if v and (not k.startswith("q2c_") or k in defined)}


async def seed(client: HubSpotClient) -> dict[str, Any]:
    """Create the sample records; returns their ids by type."""
    company_props, deal_props = await _defined(client, "companies"), await _defined(client, "deals")
    products = [await client.create_object("products", p) for p in PRODUCTS]
    created: dict[str, list[str]] = {"products": [p.id for p in products]}
    created.update(companies=[], contacts=[], deals=[], line_items=[])
    for company_spec, contact_props, deal in zip(COMPANIES, CONTACTS, DEALS, strict=True):
        company = await client.create_object("companies", _known(company_spec, company_props))
        contact = await client.create_object(
            "contacts", contact_props, associations=[("companies", company.id)]
        )
        record = await client.create_object(
            "deals",
            _known(
                {
                    "dealname": deal.name,
                    "deal_currency_code": deal.currency,
                    "dealstage": "contractsent",
                    "pipeline": "default",
                    "amount": str(_amount(deal.lines)),
                    "q2c_payment_terms_days": "30",
                },
                deal_props,
            ),
            associations=[("companies", company.id), ("contacts", contact.id)],
        )
        for index, quantity, discount in deal.lines:
            product = PRODUCTS[index]
            line = await client.create_object(
                "line_items",
                {
                    "name": product["name"],
                    "hs_product_id": products[index].id,
                    "hs_sku": product["hs_sku"],
                    "quantity": quantity,
                    "price": product["price"],
                    "hs_discount_percentage": discount,
                    **{k: product[k] for k in RECURRING if k in product},
                },
                associations=[("deals", record.id)],
            )
            created["line_items"].append(line.id)
        created["companies"].append(company.id)
        created["contacts"].append(contact.id)
        created["deals"].append(record.id)
    return created
