"""Property definitions (properties API v3): HubSpot's built-in ones and those an app creates.

HubSpot refuses values for properties that do not exist (``PROPERTY_DOESNT_EXIST``) and,
for enumerations, values that are not among the options (``INVALID_OPTION``); a portal
gets custom properties through ``POST /crm/v3/properties/{objectType}``, each in a group
that exists. ``strict_properties`` (on by default) refuses undefined properties; turning
it off lets quick experiments write anything, values of defined properties are checked
either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from quote2cash.sandbox.common.store import DocStore
from quote2cash.sandbox.hubspot import property_groups
from quote2cash.sandbox.hubspot.errors import HubSpotError, invalid_value

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
# The field types HubSpot accepts for each type.
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "string": ("text", "textarea", "html", "phonenumber", "file"),
    "number": ("number",),
    "enumeration": ("select", "radio", "checkbox", "booleancheckbox", "calculation_equation"),
    "bool": ("booleancheckbox",),
    "date": ("date",),
    "datetime": ("date",),
}
CREATED_AT = "2024-01-01T00:00:00.000Z"
UPDATABLE = {
    "label",
    "type",
    "fieldType",
    "groupName",
    "description",
    "options",
    "displayOrder",
    "hidden",
    "formField",
}


def _definition(kind: str, spec: str) -> dict[str, Any]:
    name, type_ = spec.split(":")
    return {
        "name": name,
        "label": name.replace("_", " ").title(),
        "type": type_,
        "fieldType": FIELD_TYPES[type_][0],
        "groupName": property_groups.built_in_group(kind),
        "description": "",
        "options": [],
        "displayOrder": -1,
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


def _doc_kind(kind: str) -> str:
    return f"properties:{kind}"


def definitions(store: DocStore, kind: str) -> list[dict[str, Any]]:
    built_in = [_definition(kind, spec) for spec in (*_BUILT_IN.get(kind, ()), *_COMMON)]
    return built_in + store.all(_doc_kind(kind))


def find(store: DocStore, kind: str, name: str) -> dict[str, Any]:
    for definition in definitions(store, kind):
        if definition["name"] == name:
            return definition
    raise HubSpotError(404, f"Unable to find property {name}", category="OBJECT_NOT_FOUND")


def _options(type_: str, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        raw = []
    if not isinstance(raw, list) or not all(isinstance(o, dict) for o in raw):
        raise HubSpotError(400, "Invalid input JSON: options must be a list of objects")
    options = []
    for i, option in enumerate(raw):
        if not option.get("label") or option.get("value") in (None, ""):
            raise HubSpotError(400, "Invalid input JSON: each option needs a label and a value")
        options.append(
            {
                "label": str(option["label"]),
                "value": str(option["value"]),
                "description": str(option.get("description") or ""),
                "displayOrder": int(option.get("displayOrder", i)),
                "hidden": bool(option.get("hidden", False)),
            }
        )
    if type_ == "enumeration" and not options:
        raise HubSpotError(400, "Invalid input JSON: an enumeration property needs options")
    return options


def _shape(store: DocStore, kind: str, found: dict[str, Any]) -> None:
    """Refuse a definition HubSpot would refuse: type, field type, group, options."""
    type_, field_type = found["type"], found["fieldType"]
    if type_ not in FIELD_TYPES:
        raise HubSpotError(400, f"Property type {type_!r} is not valid")
    if field_type not in FIELD_TYPES[type_]:
        allowed = ", ".join(FIELD_TYPES[type_])
        raise HubSpotError(
            400, f"fieldType {field_type!r} is not valid for type {type_}: {allowed}"
        )
    if not property_groups.exists(store, kind, found["groupName"]):
        raise HubSpotError(400, f"Property group {found['groupName']!r} does not exist for {kind}")
    found["options"] = _options(type_, found.get("options"))


def create(store: DocStore, kind: str, body: dict[str, Any], now: str) -> dict[str, Any]:
    name = str(body.get("name") or "")
    if not name or not name.replace("_", "").isalnum() or name != name.lower():
        raise HubSpotError(400, f"Property name {name!r} must be lower case letters, digits, _")
    missing = [k for k in ("label", "type", "fieldType", "groupName") if not body.get(k)]
    if missing:
        raise HubSpotError(400, f"Invalid input JSON: missing required fields {missing}")
    if any(d["name"] == name for d in definitions(store, kind)):
        raise HubSpotError(409, f"Property named '{name}' already exists.", category="CONFLICT")
    definition = {
        **_definition(kind, f"{name}:string"),
        "type": str(body["type"]),
        "label": str(body["label"]),
        "fieldType": str(body["fieldType"]),
        "groupName": str(body["groupName"]),
        "description": str(body.get("description") or ""),
        "options": body.get("options"),
        "displayOrder": int(body.get("displayOrder", -1)),
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
    _shape(store, kind, definition)
    store.put(_doc_kind(kind), name, definition)
    return definition


def update(store: DocStore, kind: str, name: str, body: dict[str, Any], now: str) -> dict[str, Any]:
    definition = find(store, kind, name)
    if definition["modificationMetadata"]["readOnlyDefinition"]:
        raise HubSpotError(
            400, f"Property {name} is defined by HubSpot: its definition is read-only"
        )
    unknown = set(body) - UPDATABLE
    if unknown:
        raise HubSpotError(400, f"Invalid input JSON: unknown fields {sorted(unknown)}")
    if body.get("type", definition["type"]) != definition["type"]:
        # Stricter than HubSpot, which converts a few types when no record has a value.
        raise HubSpotError(
            400, f"Property {name} is of type {definition['type']}: its type cannot be changed"
        )
    changed = {**definition, **{k: v for k, v in body.items() if v is not None}, "updatedAt": now}
    _shape(store, kind, changed)
    store.put(_doc_kind(kind), name, changed)
    return changed


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


def check_values(store: DocStore, kind: str, values: Mapping[str, str | None]) -> None:
    """Values of defined enumeration, bool and number properties, as HubSpot checks them;
    an empty value clears the property and is always accepted."""
    by_name = {d["name"]: d for d in definitions(store, kind)}
    for name, value in values.items():
        definition = by_name.get(name)
        if definition is None or value is None:
            continue
        _check_value(definition, value)


def _check_value(definition: dict[str, Any], value: str) -> None:
    name, type_ = definition["name"], definition["type"]
    allowed = [o["value"] for o in definition["options"]]
    if type_ in ("enumeration", "bool") and allowed:
        chosen = value.split(";") if definition["fieldType"] == "checkbox" else [value]
        wrong = [v for v in chosen if v not in allowed]
        if wrong:
            expected = f"one of the allowed options: [{', '.join(allowed)}]"
            raise invalid_value(name, wrong[0], expected)
    elif type_ == "number":
        try:
            Decimal(value)
        except InvalidOperation:
            raise invalid_value(name, value, "a valid number", "INVALID_DECIMAL") from None
