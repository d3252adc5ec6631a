"""The declared HubSpot contract against the code: every ``q2c_*`` property name the
code reads or writes is declared, on the object type it is used on.

The names are found in the code itself (every string in the modules that talk to the
CRM, and the property lists the CRM activities request), not in a second list.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from activities.crm_mapping import COMPANY_PROPERTIES, DEAL_PROPERTIES, LINE_PROPERTIES
from quote2cash.billing.tax import DEFAULT_TAX_TABLE
from quote2cash.connect.hubspot_contract import (
    INVOICE_STATUS,
    PROPERTIES,
    TAX_CATEGORY,
    declared,
    declared_names,
)

ROOT = Path(__file__).resolve().parents[2]
# Everything that reads or writes CRM records: activities, workflows (write-backs), the
# demo's and the emulator's seeds, and the HubSpot client.
CRM_CODE = (
    "activities",
    "workflows",
    "quote2cash/devstack",
    "quote2cash/sandbox/hubspot",
    "quote2cash/connectors",
    "quote2cash/connect",
)
PROPERTY_NAME = re.compile(r"\bq2c_[a-z0-9_]+")


def _strings(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def used_names() -> dict[str, list[str]]:
    """Each q2c_ name found in the CRM code, with where."""
    found: dict[str, list[str]] = {}
    for folder in CRM_CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, text in _strings(path):
                for name in PROPERTY_NAME.findall(text):
                    found.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


def test_every_q2c_name_in_the_crm_code_is_declared() -> None:
    used = used_names()
    undeclared = {n: where for n, where in used.items() if n not in declared_names()}
    assert not undeclared, f"declare these in quote2cash/connect/hubspot_contract.py: {undeclared}"


def test_the_scan_sees_the_names_the_code_writes() -> None:
    # The contract module itself spells every name once: the scan must find them all,
    # or it would pass on code it cannot read.
    assert declared_names() <= set(used_names())


def test_properties_read_into_a_snapshot_are_declared_on_their_object() -> None:
    for kind, requested in (
        ("deals", DEAL_PROPERTIES),
        ("companies", COMPANY_PROPERTIES),
        ("line_items", LINE_PROPERTIES),
    ):
        custom = {n for n in requested if n.startswith("q2c_")}
        assert custom <= {p.name for p in declared(kind)}, kind


def test_declarations_are_unique_and_grouped_options_are_what_the_code_accepts() -> None:
    names = [(p.object_type, p.name) for p in PROPERTIES]
    assert len(names) == len(set(names))
    assert all(p.type != "enumeration" or p.options for p in PROPERTIES)
    categories = {r.category for r in DEFAULT_TAX_TABLE.rates}
    assert {o.value for o in TAX_CATEGORY.options} == categories
    assert "PAID" in {o.value for o in INVOICE_STATUS.options}
