"""Every field our Xero models read or write is a property of Xero's published spec.

The models ignore unknown fields, so a field Xero never sends would parse as its default
forever, silently (a credit note's ``AmountPaid`` read as 0 made every refunded deal a
cash finding against real Xero). This walks each model, and the models nested in it,
against the schema the spec gives it.
"""

from __future__ import annotations

import inspect
import types
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import Field

from quote2cash.connectors import xero_models
from quote2cash.connectors.xero_models import XeroModel
from tests.sandbox.xero_spec import Schema, property_schema, resolve, schema

ROOTS: dict[type[XeroModel], str] = {
    xero_models.XeroInvoice: "Invoice",
    xero_models.XeroInvoiceIn: "Invoice",
    xero_models.XeroCreditNote: "CreditNote",
    xero_models.XeroCreditNoteIn: "CreditNote",
    xero_models.XeroPayment: "Payment",
    xero_models.XeroPaymentIn: "Payment",
    xero_models.XeroContact: "Contact",
    xero_models.XeroContactIn: "Contact",
    xero_models.XeroAccount: "Account",
    xero_models.XeroAccountIn: "Account",
    xero_models.XeroTaxRate: "TaxRate",
    xero_models.XeroCurrency: "Currency",
    xero_models.XeroJournal: "Journal",
    xero_models.XeroManualJournal: "ManualJournal",
    xero_models.XeroManualJournalIn: "ManualJournal",
    xero_models.XeroAllocation: "Allocation",
    xero_models.XeroAllocationIn: "Allocation",
}


def _nested(annotation: Any) -> type[XeroModel] | None:
    """The model a field holds, itself or in a list / optional."""
    if inspect.isclass(annotation) and issubclass(annotation, XeroModel):
        return annotation
    if get_origin(annotation) in (list, tuple, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _nested(arg)
            if found is not None:
                return found
    return None


def _walk(model: type[XeroModel], node: Schema, path: str, seen: set[type[XeroModel]]) -> list[str]:
    seen.add(model)
    declared = resolve(node).get("properties", {})
    problems = []
    for name, info in model.model_fields.items():
        alias = info.alias or name
        where = f"{path}.{alias}"
        if alias not in declared:
            problems.append(f"{where} ({model.__name__}.{name}) is not in Xero's spec")
            continue
        inner = _nested(info.annotation)
        if inner is not None:
            child = property_schema(node, alias)
            assert child is not None
            problems += _walk(inner, child, where, seen)
    return problems


@pytest.mark.parametrize("model", list(ROOTS), ids=lambda m: m.__name__)
def test_every_field_of_the_model_is_in_xeros_schema(model: type[XeroModel]) -> None:
    assert _walk(model, schema(ROOTS[model]), ROOTS[model], set()) == []


def test_every_model_is_checked() -> None:
    """A new model must be reachable from ``ROOTS``, or this test names it."""
    seen: set[type[XeroModel]] = set()
    for model, name in ROOTS.items():
        _walk(model, schema(name), name, seen)
    defined = {
        m
        for m in vars(xero_models).values()
        if inspect.isclass(m) and issubclass(m, XeroModel) and m is not XeroModel
    }
    assert sorted(m.__name__ for m in defined - seen) == []


def test_an_invented_field_is_named() -> None:
    class Invented(XeroModel):
        credit_note_id: str = Field(alias="CreditNoteID")
        amount_paid: str

    assert _walk(Invented, schema("CreditNote"), "CreditNote", set()) == [
        "CreditNote.AmountPaid (Invented.amount_paid) is not in Xero's spec"
    ]
