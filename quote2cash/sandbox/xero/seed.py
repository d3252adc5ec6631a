"""Sample accounting data, loaded through the Xero API: the catalogue as Xero items
(codes match the HubSpot sample products' SKUs) and one cash-sale contact."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from quote2cash.connectors.jsoncodec import dumps, loads
from quote2cash.connectors.xero import API_PATH
from quote2cash.sandbox.xero.reference_data import ORGANISATIONS, Organisation

# code, name, unit price
ITEMS = [
    ("PLAT-ANNUAL", "Platform subscription (annual)", Decimal("12000.00")),
    ("ONBOARD", "Onboarding package", Decimal("2500.00")),
    ("SUPPORT-M", "Premium support (monthly)", Decimal("149.90")),
]
CONTACTS = [{"Name": "Cash Sales", "ContactNumber": "CASH-SALES"}]


def organisation_of(organisation: dict[str, Any]) -> Organisation:
    """The emulator's organisation of that region (its ``Version``: UK, AU, US)."""
    return next(o for o in ORGANISATIONS.values() if o.version == organisation["Version"])


def items_of(org: Organisation) -> list[dict[str, Any]]:
    """The catalogue, sold to the organisation's sales account at its standard tax."""
    return [
        {
            "Code": code,
            "Name": name,
            "SalesDetails": {
                "UnitPrice": price,
                "AccountCode": org.sales_code,
                "TaxType": org.output,
            },
        }
        for code, name, price in ITEMS
    ]


async def seed(
    http: httpx.AsyncClient, *, base_url: str, tenant_id: str, token: str
) -> dict[str, Any]:
    """PUT the sample items and contacts; returns their ids."""
    headers = {
        "Authorization": f"Bearer {token}",
        "xero-tenant-id": tenant_id,
        "Content-Type": "application/json",
    }
    base = base_url.rstrip("/") + API_PATH
    answer = await http.get(f"{base}/Organisation", headers=headers)
    answer.raise_for_status()
    org = organisation_of(loads(answer.content)["Organisations"][0])
    created: dict[str, Any] = {}
    for collection, items in (("Items", items_of(org)), ("Contacts", CONTACTS)):
        response = await http.post(
            f"{base}/{collection}", headers=headers, content=dumps({collection: items})
        )
        response.raise_for_status()
        key = "ItemID" if collection == "Items" else "ContactID"
        created[collection.lower()] = [i[key] for i in loads(response.content)[collection]]
    return created
