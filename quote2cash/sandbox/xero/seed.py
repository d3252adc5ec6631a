"""Sample accounting data, loaded through the Xero API: the catalogue as Xero items
(codes match the HubSpot sample products' SKUs) and one cash-sale contact."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from quote2cash.connectors.jsoncodec import dumps, loads
from quote2cash.connectors.xero import API_PATH

ITEMS = [
    {
        "Code": "PLAT-ANNUAL",
        "Name": "Platform subscription (annual)",
        "SalesDetails": {
            "UnitPrice": Decimal("12000.00"),
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
        },
    },
    {
        "Code": "ONBOARD",
        "Name": "Onboarding package",
        "SalesDetails": {
            "UnitPrice": Decimal("2500.00"),
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
        },
    },
    {
        "Code": "SUPPORT-M",
        "Name": "Premium support (monthly)",
        "SalesDetails": {
            "UnitPrice": Decimal("149.90"),
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
        },
    },
]
CONTACTS = [{"Name": "Cash Sales", "ContactNumber": "CASH-SALES"}]


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
    created: dict[str, Any] = {}
    for collection, items in (("Items", ITEMS), ("Contacts", CONTACTS)):
        response = await http.post(
            f"{base}/{collection}", headers=headers, content=dumps({collection: items})
        )
        response.raise_for_status()
        key = "ItemID" if collection == "Items" else "ContactID"
        created[collection.lower()] = [i[key] for i in loads(response.content)[collection]]
    return created
