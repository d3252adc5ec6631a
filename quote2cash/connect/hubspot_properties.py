"""The ``quote2cash`` property group and the declared properties on a portal: compare
each with what the portal has, and (when applying) create or update it.

A property is created once and updated in place afterwards, never defined twice. One
that exists with another type is reported, not changed: HubSpot refuses some type
changes and converting values silently would lose data.
"""

from __future__ import annotations

from typing import Any

from quote2cash.connect import Requirement
from quote2cash.connect.hubspot_contract import (
    GROUP_LABEL,
    GROUP_NAME,
    OBJECT_TYPES,
    PropertySpec,
    declared,
)
from quote2cash.connectors.errors import VendorError
from quote2cash.connectors.hubspot_setup import HubSpotSetupClient, PropertyDefinition

VENDOR = "hubspot"


def _line(name: str, ok: bool, detail: str, fix: str = "") -> Requirement:
    return Requirement(vendor=VENDOR, name=name, ok=ok, detail=detail, fix=fix)


async def sync_group(client: HubSpotSetupClient, kind: str, *, apply: bool) -> Requirement:
    name = f"{kind} property group {GROUP_NAME}"
    try:
        found = {g.name: g for g in await client.property_groups(kind)}
        group = found.get(GROUP_NAME)
        if group is not None and group.label == GROUP_LABEL:
            return _line(name, True, "exists")
        if not apply:
            state = "missing" if group is None else f"labelled {group.label!r}"
            return _line(name, False, state, "run q2c connect hubspot")
        if group is None:
            await client.create_property_group(kind, GROUP_NAME, GROUP_LABEL)
            return _line(name, True, "created")
        await client.update_property_group(kind, GROUP_NAME, GROUP_LABEL)
        return _line(name, True, "updated")
    except VendorError as err:
        return _line(name, False, err.detail, _scope_fix(err))


def differences(spec: PropertySpec, found: PropertyDefinition) -> dict[str, Any]:
    """The fields of ``found`` that differ from the declaration, as a PATCH body."""
    wanted = spec.definition()
    current = {
        "label": found.label,
        "fieldType": found.field_type,
        "groupName": found.group_name,
        "description": found.description,
    }
    changes = {k: wanted[k] for k, v in current.items() if wanted[k] != v}
    have = [(o.value, o.label) for o in found.options]
    if have != [(o.value, o.label) for o in spec.options]:
        changes["options"] = wanted["options"]
    return changes


async def _sync_one(
    client: HubSpotSetupClient,
    spec: PropertySpec,
    found: PropertyDefinition | None,
    *,
    apply: bool,
) -> Requirement:
    name = f"{spec.object_type} property {spec.name}"
    if found is not None and found.type != spec.type:
        return _line(
            name,
            False,
            f"exists as a {found.type} property; quote2cash needs a {spec.type} "
            f"({spec.field_type})",
            f"HubSpot cannot convert it in place: delete or rename {spec.name} in HubSpot "
            "(Settings → Properties), then run q2c connect hubspot again",
        )
    changes = {} if found is None else differences(spec, found)
    if found is not None and not changes:
        return _line(name, True, f"{spec.type} ({spec.field_type}), as declared")
    if not apply:
        detail = "missing" if found is None else f"differs in {', '.join(sorted(changes))}"
        return _line(name, False, detail, "run q2c connect hubspot")
    try:
        if found is None:
            await client.define_property(spec.object_type, spec.definition())
            return _line(name, True, f"created: {spec.type} ({spec.field_type})")
        await client.update_property(spec.object_type, spec.name, changes)
        return _line(name, True, f"updated {', '.join(sorted(changes))}")
    except VendorError as err:
        return _line(name, False, err.detail, _scope_fix(err))


async def sync_properties(
    client: HubSpotSetupClient, kind: str, *, apply: bool
) -> list[Requirement]:
    """One line per declared property of ``kind``."""
    try:
        existing = {d.name: d for d in await client.properties(kind)}
    except VendorError as err:
        return [_line(f"{kind} properties", False, err.detail, _scope_fix(err))]
    return [await _sync_one(client, s, existing.get(s.name), apply=apply) for s in declared(kind)]


async def sync_all(client: HubSpotSetupClient, *, apply: bool) -> list[Requirement]:
    lines = []
    for kind in OBJECT_TYPES:
        group = await sync_group(client, kind, apply=apply)
        lines.append(group)
        if group.ok or not apply:
            lines.extend(await sync_properties(client, kind, apply=apply))
    return lines


def _scope_fix(err: VendorError) -> str:
    if err.status == 403:
        return "the token lacks a scope this needs: see the scope lines above"
    return ""
