"""preview_document: the API's entry point, on published figures and bad input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from quote2cash.billing.errors import DocumentError
from quote2cash.billing.preview import load_document, preview_document

D = Decimal


def _document(*, price: str, period: dict[str, Any], country: str = "US") -> dict[str, Any]:
    return {
        "kind": "invoice",
        "issue_date": str(period["start"]),
        "snapshot": {
            "deal_id": "D-9",
            "currency": "USD",
            "catalog_version": "c1",
            "bill_to": {"customer_key": "k", "name": "N", "country": country},
            "lines": [
                {
                    "line_id": "L1",
                    "sku": "PLAN",
                    "name": "Plan",
                    "quantity": "1",
                    "unit_price": price,
                    "recurring": "monthly",
                }
            ],
        },
        "period": period,
    }


def test_lago_trial_figure_through_the_invoice_path() -> None:
    # https://doc.getlago.com/docs/guide/plans/plan-model: USD 50 monthly in advance,
    # 5-day trial from April 1st, billed April 6th to 30th: 50 x 25 / 30 = 41.67.
    period = {
        "start": "2024-04-06",
        "end": "2024-05-01",
        "cycle_start": "2024-04-01",
        "proration": {"basis": "inclusive_days"},
    }
    result = preview_document(_document(price="50", period=period))
    assert result.invoice.subtotal == D("41.67")
    assert "25 of 30 days (inclusive days)" in result.invoice.lines[0].explanation
    assert result.invoice.lines[0].revenue_account == "835"
    assert result.recognition[0].start.isoformat() == "2024-04-06"


@pytest.mark.parametrize(("basis", "expected"), [("actual_days", "14.80"), ("fixed_30", "14.63")])
def test_kill_bill_figures_through_the_invoice_path(basis: str, expected: str) -> None:
    # Kill Bill factors 0.741935484 and 0.733333333 (test_anchors.py) on a 19.95 plan
    # billed from the BCD (May 23rd) to the subscription end (June 15th).
    period = {"start": "2023-05-23", "end": "2023-06-15", "proration": {"basis": basis}}
    result = preview_document(_document(price="19.95", period=period))
    assert result.invoice.subtotal == D(expected)


def test_api_floats_are_refused_with_the_field_named() -> None:
    document = _document(price="19.95", period={"start": "2024-04-01", "end": "2024-05-01"})
    document["snapshot"]["lines"][0]["unit_price"] = 19.95
    with pytest.raises(DocumentError, match=r"snapshot\.lines\.0\.unit_price: .*is a float"):
        preview_document(document)


def test_file_numbers_are_exact_decimals() -> None:
    data = load_document('{"kind": "invoice", "x": 19.95}')
    assert data["x"] == D("19.95")


def test_unknown_fields_are_refused() -> None:
    document = _document(price="1", period={"start": "2024-04-01", "end": "2024-05-01"})
    document["colour"] = "blue"
    with pytest.raises(DocumentError, match="colour: Extra inputs are not permitted"):
        preview_document(document)


def test_usage_needs_a_quantity_or_a_metric_and_period() -> None:
    document = _document(price="1", period={"start": "2024-04-01", "end": "2024-05-01"})
    del document["period"]
    document["usage"] = [
        {
            "charge_id": "u",
            "description": "API",
            "price": {"model": "per_unit", "unit_price": "0.01"},
            "metric": "calls",
        }
    ]
    with pytest.raises(DocumentError, match="give a quantity, or a metric and a period"):
        preview_document(document)
