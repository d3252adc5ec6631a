"""Xero's published OpenAPI spec as plain data: schemas by name and undeclared properties.

openapi-core validates types and required properties, but the spec's schemas do not say
``additionalProperties: false``, so a response carrying a field Xero never sends (the
emulator inventing ``CreditNote.AmountPaid``) passes it. ``undeclared`` walks a body
against its schema, through ``$ref``, nested objects and arrays, and names every
property the schema does not declare.

The spec (``../shared/vendor-specs/xero/xero_accounting.yaml``) is loaded once per
session. It declares many booleans with ``default: "false"`` (a string), which strict
validators reject; those are corrected in memory, never in the file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]


def _spec_path() -> Path:
    """``Q2C_VENDOR_SPECS`` (the ``vendor-specs`` folder) when set; else
    ``shared/vendor-specs`` beside the checkout, or beside any folder above it (a git
    worktree in ``wt/<name>`` shares the main checkout's ``shared``)."""
    given = os.environ.get("Q2C_VENDOR_SPECS", "")
    if given:
        return Path(given, "xero", "xero_accounting.yaml")
    relative = Path("shared", "vendor-specs", "xero", "xero_accounting.yaml")
    root = Path(__file__).resolve().parents[2]
    for folder in root.parents:
        if (folder / relative).exists():
            return folder / relative
    return root.parent / relative


SPEC = _spec_path()
Schema = dict[str, Any]


def _fix_booleans(node: Any) -> int:
    """Turn ``"false"``/``"true"`` defaults and examples of booleans into booleans."""
    fixed = 0
    if isinstance(node, dict):
        if node.get("type") == "boolean":
            for key in ("default", "example"):
                if isinstance(node.get(key), str):
                    node[key] = node[key].strip().lower() == "true"
                    fixed += 1
        for child in node.values():
            fixed += _fix_booleans(child)
    elif isinstance(node, list):
        for child in node:
            fixed += _fix_booleans(child)
    return fixed


@lru_cache(maxsize=1)
def xero_spec() -> dict[str, Any]:
    """The whole spec, booleans corrected. Callers must not change it."""
    if not SPEC.exists():
        pytest.skip(
            f"Xero OpenAPI spec not found at {SPEC}: set Q2C_VENDOR_SPECS to the "
            "vendor-specs folder (shared/vendor-specs beside the checkout)"
        )
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec: dict[str, Any] = yaml.load(SPEC.read_text(), Loader=loader)  # noqa: S506 - safe loader
    _fix_booleans(spec)
    return spec


def resolve(node: Schema) -> Schema:
    """Follow ``$ref`` (local references only, as the spec uses) to the schema it names."""
    seen = 0
    while "$ref" in node:
        target: Any = xero_spec()
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
        seen += 1
        if seen > 20:
            raise ValueError(f"$ref loop at {node}")
    return node


def schema(name: str) -> Schema:
    """``components.schemas.<name>``."""
    found: Schema = xero_spec()["components"]["schemas"][name]
    return found


def response_schema(template: str, method: str, status: int) -> Schema | None:
    """The JSON schema the spec gives the answer of one operation, if any."""
    operation = xero_spec()["paths"][template][method.lower()]
    answer = operation.get("responses", {}).get(str(status))
    if answer is None:
        return None
    content = resolve(answer).get("content", {}).get("application/json")
    return None if content is None else resolve(content.get("schema", {}))


def undeclared(node: Schema, value: Any, path: str = "") -> list[str]:
    """Every property of ``value`` (recursively) that ``node`` does not declare.

    A schema without ``properties`` (a free-form object) declares anything; the spec
    uses no ``allOf``/``oneOf``/``anyOf`` in its schemas."""
    node = resolve(node)
    if isinstance(value, list):
        items = node.get("items")
        if items is None:
            return []
        return [p for i, v in enumerate(value) for p in undeclared(items, v, f"{path}[{i}]")]
    if not isinstance(value, dict) or "properties" not in node:
        return []
    declared: Schema = node["properties"]
    found: list[str] = []
    for key, child in value.items():
        where = f"{path}.{key}" if path else key
        if key not in declared:
            found.append(where)
        else:
            found += undeclared(declared[key], child, where)
    return found


def property_schema(node: Schema, name: str) -> Schema | None:
    """The schema of one property of an object schema (arrays give their items)."""
    declared = resolve(node).get("properties", {})
    if name not in declared:
        return None
    child = resolve(declared[name])
    return resolve(child["items"]) if child.get("type") == "array" and "items" in child else child
