"""The emulator's response shapes (``sandbox/xero/shapes.py``) against Xero's spec.

Every property the emulator may send is declared by the spec for the same schema, and
every nested object or array is the schema the spec gives it; ``project`` drops the
store's bookkeeping and keeps what Xero sends.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from quote2cash.sandbox.xero.shapes import COLLECTIONS, SHAPES, project
from tests.sandbox.xero_spec import resolve, schema, xero_spec


def _ref_name(node: dict[str, object]) -> str | None:
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        return _ref_name(node["items"])  # type: ignore[arg-type]
    ref = node.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_property_the_emulator_sends_is_declared(name: str) -> None:
    declared = resolve(schema(name))["properties"]
    assert sorted(SHAPES[name].keys - set(declared)) == []
    for key, inner in SHAPES[name].nested.items():
        assert _ref_name(declared[key]) == inner, f"{name}.{key}"


def test_every_collection_holds_the_schema_the_spec_gives_it() -> None:
    schemas = xero_spec()["components"]["schemas"]
    for collection, item in COLLECTIONS.items():
        assert _ref_name(schemas[collection]["properties"][collection]) == item, collection


def test_projection_drops_bookkeeping_at_every_depth() -> None:
    stored = {
        "CreditNoteID": "c1",
        "AmountPaid": Decimal("10.00"),
        "DateString": "2026-01-02T00:00:00",
        "Payments": [{"PaymentID": "p1", "Amount": Decimal("10.00"), "DateString": "x"}],
        "Allocations": [{"Amount": Decimal(5), "Invoice": {"InvoiceID": "i1", "Secret": 1}}],
        "Contact": {"ContactID": "k1", "Name": "A", "Internal": True},
    }
    assert project("CreditNote", stored) == {
        "CreditNoteID": "c1",
        "Payments": [{"PaymentID": "p1", "Amount": Decimal("10.00")}],
        "Allocations": [{"Amount": Decimal(5), "Invoice": {"InvoiceID": "i1"}}],
        "Contact": {"ContactID": "k1", "Name": "A"},
    }
