"""Billing schedules: the parts of an invoice sum exactly to the whole."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from quote2cash.billing import build_invoice
from quote2cash.billing.errors import BillingError
from quote2cash.billing.shipments import shipment_invoice, shipment_problems, unshipped
from quote2cash.billing.split import issued_on, parse_schedule, split_invoice
from tests.billing.factories import line, snapshot


def test_parts_sum_to_the_whole_line_by_line_with_no_lost_cent() -> None:
    snap = snapshot(
        lines=[
            line(line_id="A", quantity="3", unit_price="33.33"),
            line(line_id="B", unit_price="0.05"),
        ]
    )
    whole = build_invoice(snap, issue_date=date(2026, 1, 1))
    parts = split_invoice(whole, parse_schedule("50/50"))
    assert sum(p.total for p in parts) == whole.total == Decimal("120.05")
    assert sum(p.tax_total for p in parts) == whole.tax_total
    for k, whole_line in enumerate(whole.lines):
        assert sum(p.lines[k].net_amount for p in parts) == whole_line.net_amount
        assert sum(p.lines[k].tax_amount for p in parts) == whole_line.tax_amount
    assert {p.snapshot_hash for p in parts} == {snap.content_hash}
    assert parts[0].lines[0].quantity == 1
    assert "50%, part 1/2" in parts[0].lines[0].explanation


def test_a_later_part_keeps_the_payment_terms() -> None:
    whole = build_invoice(snapshot(), issue_date=date(2026, 1, 1))
    later = issued_on(split_invoice(whole, [Decimal(30), Decimal(70)])[1], date(2026, 2, 1))
    assert (later.issue_date, later.due_date) == (date(2026, 2, 1), date(2026, 3, 3))


@pytest.mark.parametrize("text", ["100", "60/50", "50/x", "0/100"])
def test_a_schedule_is_two_or_more_positive_percentages_summing_to_100(text: str) -> None:
    with pytest.raises(BillingError):
        parse_schedule(text)


def test_an_empty_schedule_leaves_the_snapshot_hash_as_it_was() -> None:
    plain = snapshot()
    split = plain.model_copy(update={"billing_schedule": "50/50"})
    assert plain.model_copy(update={"billing_schedule": ""}).content_hash == plain.content_hash
    assert split.content_hash != plain.content_hash


def test_shipments_bill_cumulatively_and_sum_to_the_whole() -> None:
    snap = snapshot(
        lines=[
            line(line_id="A", quantity="3", unit_price="33.33"),
            line(line_id="B", quantity="7", unit_price="0.05"),
        ]
    )
    whole = build_invoice(snap, issue_date=date(2026, 1, 1))
    shipments = [
        {"A": Decimal(1), "B": Decimal(3)},
        {"A": Decimal(1)},
        {"A": Decimal(1), "B": Decimal(4)},
    ]
    shipped: dict[str, Decimal] = {}
    invoices = []
    for n, shipment in enumerate(shipments, start=1):
        assert shipment_problems(whole, shipped, shipment) == []
        invoices.append(shipment_invoice(whole, shipped, shipment, n))
        for line_id, quantity in shipment.items():
            shipped[line_id] = shipped.get(line_id, Decimal(0)) + quantity
    assert unshipped(whole, shipped) == {}
    assert sum(i.total for i in invoices) == whole.total
    assert sum(i.tax_total for i in invoices) == whole.tax_total
    assert [len(i.lines) for i in invoices] == [2, 1, 2]
    assert invoices[0].lines[0].net_amount == Decimal("33.33")


def test_a_shipment_of_more_than_is_left_is_refused() -> None:
    whole = build_invoice(
        snapshot(lines=[line(line_id="A", quantity="2")]), issue_date=date(2026, 1, 1)
    )
    assert shipment_problems(whole, {"A": Decimal(1)}, {"A": Decimal(2)}) == [
        "line A: 2 shipped, only 1 left to ship"
    ]
    assert shipment_problems(whole, {}, {"Z": Decimal(1)}) == [
        "line Z: 1 shipped, only 0 left to ship"
    ]
