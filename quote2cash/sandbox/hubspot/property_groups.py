"""Property groups (properties API v3): each object type's built-in group and app ones.

A property must belong to a group that exists; an app that brings its own properties
creates its own group first (``POST /crm/v3/properties/{objectType}/groups``).
"""

from __future__ import annotations

from typing import Any

from quote2cash.sandbox.common.store import DocStore
from quote2cash.sandbox.hubspot.errors import HubSpotError

BUILT_IN = {
    "deals": ("dealinformation", "Deal information"),
    "companies": ("companyinformation", "Company information"),
    "contacts": ("contactinformation", "Contact information"),
    "line_items": ("lineiteminformation", "Line item information"),
    "products": ("productinformation", "Product information"),
}


def built_in_group(kind: str) -> str:
    return BUILT_IN[kind][0]


def _doc_kind(kind: str) -> str:
    return f"property-groups:{kind}"


def groups(store: DocStore, kind: str) -> list[dict[str, Any]]:
    name, label = BUILT_IN[kind]
    built_in = {"name": name, "label": label, "displayOrder": -1, "archived": False}
    return [built_in, *store.all(_doc_kind(kind))]


def find(store: DocStore, kind: str, name: str) -> dict[str, Any]:
    for group in groups(store, kind):
        if group["name"] == name:
            return group
    raise HubSpotError(
        404, f"Unable to find property group {name} for {kind}", category="OBJECT_NOT_FOUND"
    )


def exists(store: DocStore, kind: str, name: str) -> bool:
    return any(g["name"] == name for g in groups(store, kind))


def _display_order(body: dict[str, Any]) -> int:
    value = body.get("displayOrder", -1)
    if not isinstance(value, int) or isinstance(value, bool):
        raise HubSpotError(400, "Invalid input JSON: displayOrder must be an integer")
    return value


def create(store: DocStore, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    name, label = str(body.get("name") or ""), str(body.get("label") or "")
    if not name or not label:
        raise HubSpotError(400, "Invalid input JSON: name and label are required")
    if not name.replace("_", "").isalnum() or name != name.lower():
        raise HubSpotError(400, f"Property group name {name!r} must be lower case letters, _")
    if exists(store, kind, name):
        raise HubSpotError(
            409, f"A property group named '{name}' already exists.", category="CONFLICT"
        )
    group = {"name": name, "label": label, "displayOrder": _display_order(body), "archived": False}
    store.put(_doc_kind(kind), name, group)
    return group


def update(store: DocStore, kind: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    group = find(store, kind, name)
    if name == built_in_group(kind):
        raise HubSpotError(400, f"Property group {name} is defined by HubSpot: read-only")
    unknown = set(body) - {"label", "displayOrder"}
    if unknown:
        raise HubSpotError(400, f"Invalid input JSON: unknown fields {sorted(unknown)}")
    if "label" in body:
        group["label"] = str(body["label"] or group["label"])
    if "displayOrder" in body:
        group["displayOrder"] = _display_order(body)
    store.put(_doc_kind(kind), name, group)
    return group
