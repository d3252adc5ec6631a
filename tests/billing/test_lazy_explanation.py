"""Built invoice lines write their explanation on first use; nothing else may tell."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import date
from decimal import Decimal

from temporalio.contrib.pydantic import pydantic_data_converter

from quote2cash.billing.invoice import InvoiceDraft, InvoiceLine, build_invoice
from tests.billing.factories import line, snapshot


def _line() -> InvoiceLine:
    invoice = build_invoice(
        snapshot(lines=[line(discount_percent="12.5")]), issue_date=date(2024, 1, 1)
    )
    return invoice.lines[0]


def _eager(built: InvoiceLine) -> InvoiceLine:
    return InvoiceLine.model_validate(built.model_dump())


def test_serialized_line_carries_the_explanation_in_field_order() -> None:
    built = _line()
    data = json.loads(built.model_dump_json())
    assert data["explanation"] == _eager(_line()).explanation
    assert list(data) == list(InvoiceLine.model_fields)


def test_temporal_payload_carries_the_explanation() -> None:
    invoice = build_invoice(snapshot(lines=[line()]), issue_date=date(2024, 1, 1))
    (payload,) = pydantic_data_converter.payload_converter.to_payloads([invoice])
    assert json.loads(payload.data)["lines"][0]["explanation"].startswith(
        "1 x 100.00 GBP = 100.00 GBP; net 100.00 GBP"
    )


def test_lazy_line_is_indistinguishable_from_a_validated_one() -> None:
    eager = _eager(_line())
    assert _line() == eager
    assert eager == _line()
    assert hash(_line()) == hash(eager)
    assert repr(_line()) == repr(eager)
    assert _line().model_fields_set == eager.model_fields_set


def test_copies_and_pickles_keep_the_text() -> None:
    built = _line()
    text = _eager(_line()).explanation
    assert copy.deepcopy(_line()).explanation == text
    assert pickle.loads(pickle.dumps(_line())).explanation == text  # noqa: S301 - our own bytes
    changed = built.model_copy(update={"net_amount": Decimal("1.00")})
    assert changed.explanation == text


def test_serialization_schema_is_the_models_own() -> None:
    schema = InvoiceDraft.model_json_schema(mode="serialization")
    assert "explanation" in schema["$defs"]["InvoiceLine"]["properties"]
