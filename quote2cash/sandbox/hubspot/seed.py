"""Sample CRM data, loaded through the HubSpot API (so it works on any portal).

Three customers in three tax situations (UK domestic VAT, EU reverse charge, EU without
a VAT id), a small catalogue, and one deal each at ``contractsent`` for a demo to close.
The custom ``q2c_*`` properties quote2cash reads are defined first, as on a real portal.
Tax ids pass their checksums; the companies and people are invented.
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

CUSTOM_PROPERTIES = [
    ("companies", "q2c_vat_id", "VAT id", "string", "text"),
    ("companies", "q2c_tax_exempt", "Tax exempt", "bool", "booleancheckbox"),
    ("deals", "q2c_payment_terms_days", "Payment terms (days)", "number", "number"),
    ("deals", "q2c_order_discount_percent", "Order discount (%)", "number", "number"),
    ("line_items", "q2c_tax_category", "Tax category", "string", "text"),
]
"""The custom properties quote2cash reads, created once per portal."""


async def define_properties(client: HubSpotClient) -> list[str]:
    created = []
    for kind, name, label, property_type, field_type in CUSTOM_PROPERTIES:
        if name in await client.list_property_names(kind):
            continue
        await client.create_property(
            kind, name, label=label, property_type=property_type, field_type=field_type
        )
        created.append(f"{kind}.{name}")
    return created


async def seed(client: HubSpotClient) -> dict[str, Any]:
    """Create the custom properties and the sample records; returns their ids by type."""
    await define_properties(client)
    products = [await client.create_object("products", p) for p in PRODUCTS]
    created: dict[str, list[str]] = {"products": [p.id for p in products]}
    created.update(companies=[], contacts=[], deals=[], line_items=[])
    for company_props, contact_props, deal in zip(COMPANIES, CONTACTS, DEALS, strict=True):
        company = await client.create_object(
            "companies", {k: v for k, v in company_props.items() if v}
        )
        contact = await client.create_object(
            "contacts", contact_props, associations=[("companies", company.id)]
        )
        record = await client.create_object(
            "deals",
            {
                "dealname": deal.name,
                "deal_currency_code": deal.currency,
                "dealstage": "contractsent",
                "pipeline": "default",
                "amount": str(_amount(deal.lines)),
                "q2c_payment_terms_days": "30",
            },
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
