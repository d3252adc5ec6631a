"""Billing schedules: the parts of an invoice sum exactly to the whole."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from quote2cash.billing import build_invoice
from quote2cash.billing.errors import BillingError
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
    assert "part 1 of 2" in parts[0].lines[0].explanation


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
