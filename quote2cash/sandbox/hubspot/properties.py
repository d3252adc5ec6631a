"""Property definitions: HubSpot's built-in ones and those an app creates.

HubSpot refuses values for properties that do not exist (``PROPERTY_DOESNT_EXIST``); a
portal gets custom properties through ``POST /crm/v3/properties/{objectType}``. The
emulator enforces this only with ``strict_properties`` on, so that quick experiments can
write anything; the seed creates the custom properties quote2cash reads either way.
"""

from __future__ import annotations

from typing import Any

from quote2cash.sandbox.common.store import DocStore
from quote2cash.sandbox.hubspot.errors import HubSpotError

_COMMON = ("hs_object_id:number", "createdate:datetime", "hs_lastmodifieddate:datetime")
_BUILT_IN: dict[str, tuple[str, ...]] = {
    "deals": (
        "dealname:string",
        "amount:number",
        "dealstage:enumeration",
        "pipeline:enumeration",
        "closedate:datetime",
        "deal_currency_code:enumeration",
        "dealtype:enumeration",
        "description:string",
        "hubspot_owner_id:enumeration",
        "hs_is_closed_won:bool",
        "hs_is_closed:bool",
    ),
    "companies": (
        "name:string",
        "domain:string",
        "address:string",
        "address2:string",
        "city:string",
        "zip:string",
        "state:string",
        "country:string",
        "phone:string",
        "industry:enumeration",
        "description:string",
    ),
    "contacts": (
        "firstname:string",
        "lastname:string",
        "email:string",
        "phone:string",
        "company:string",
        "jobtitle:string",
        "lastmodifieddate:datetime",
    ),
    "line_items": (
        "name:string",
        "description:string",
        "quantity:number",
        "price:number",
        "amount:number",
        "discount:number",
        "hs_discount_percentage:number",
        "hs_product_id:string",
        "hs_sku:string",
        "recurringbillingfrequency:enumeration",
        "hs_recurring_billing_period:string",
        "hs_recurring_billing_start_date:date",
        "hs_term_in_months:number",
        "hs_line_item_currency_code:enumeration",
    ),
    "products": (
        "name:string",
        "description:string",
        "price:number",
        "hs_sku:string",
        "hs_cost_of_goods_sold:number",
        "hs_recurring_billing_period:string",
        "recurringbillingfrequency:enumeration",
    ),
}
FIELD_TYPES = {
    "string": "text",
    "number": "number",
    "enumeration": "select",
    "bool": "booleancheckbox",
    "date": "date",
    "datetime": "date",
}
CREATED_AT = "2024-01-01T00:00:00.000Z"


def _definition(kind: str, spec: str) -> dict[str, Any]:
    name, type_ = spec.split(":")
    return {
        "name": name,
        "label": name.replace("_", " ").title(),
        "type": type_,
        "fieldType": FIELD_TYPES[type_],
        "groupName": f"{kind[:-1]}information",
        "description": "",
        "options": [],
        "hidden": False,
        "hasUniqueValue": False,
        "formField": True,
        "calculated": name.startswith("hs_is_") or name in ("hs_object_id", "createdate"),
        "createdAt": CREATED_AT,
        "updatedAt": CREATED_AT,
        "archived": False,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": False,
        },
    }


def definitions(store: DocStore, kind: str) -> list[dict[str, Any]]:
    built_in = [_definition(kind, spec) for spec in (*_BUILT_IN.get(kind, ()), *_COMMON)]
    return built_in + store.all(f"properties:{kind}")


def create(store: DocStore, kind: str, body: dict[str, Any], now: str) -> dict[str, Any]:
    name = str(body.get("name") or "")
    if not name or not name.replace("_", "").isalnum() or name != name.lower():
        raise HubSpotError(400, f"Property name {name!r} must be lower case letters, digits, _")
    if any(d["name"] == name for d in definitions(store, kind)):
        raise HubSpotError(409, f"Property named '{name}' already exists.", category="CONFLICT")
    type_ = str(body.get("type") or "string")
    if type_ not in FIELD_TYPES:
        raise HubSpotError(400, f"Property type {type_!r} is not valid")
    definition = {
        **_definition(kind, f"{name}:{type_}"),
        "label": str(body.get("label") or name),
        "fieldType": str(body.get("fieldType") or FIELD_TYPES[type_]),
        "groupName": str(body.get("groupName") or f"{kind[:-1]}information"),
        "description": str(body.get("description") or ""),
        "options": body.get("options") or [],
        "hasUniqueValue": bool(body.get("hasUniqueValue", False)),
        "calculated": False,
        "createdAt": now,
        "updatedAt": now,
        "modificationMetadata": {
            "archivable": True,
            "readOnlyDefinition": False,
            "readOnlyValue": False,
        },
    }
    store.put(f"properties:{kind}", name, definition)
    return definition


def check_names(store: DocStore, kind: str, names: list[str]) -> None:
    """``PROPERTY_DOESNT_EXIST`` for names the portal does not define."""
    known = {d["name"] for d in definitions(store, kind)}
    unknown = [n for n in names if n not in known]
    if unknown:
        errors = [
            {
                "message": f'Property "{n}" does not exist',
                "code": "PROPERTY_DOESNT_EXIST",
                "context": {"propertyName": [n]},
            }
            for n in unknown
        ]
        raise HubSpotError(400, "Property values were not valid", errors=errors)
