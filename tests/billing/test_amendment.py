from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from quote2cash.billing.amendment import amendment_invoice, diff_snapshots
from quote2cash.billing.errors import BillingError
from quote2cash.billing.invoice import BillingPeriod
from tests.billing.factories import line, snapshot

D = Decimal
MAY = BillingPeriod(start=date(2024, 5, 1), end=date(2024, 6, 1))
BEFORE = snapshot(lines=[line(quantity="5", unit_price="49.00", recurring="monthly")])
AFTER = snapshot(
    lines=[
        line(quantity="8", unit_price="49.00", recurring="monthly"),
        line(line_id="L2", unit_price="120.00"),
    ]
)


def test_delta_names_each_change_with_the_reason() -> None:
    delta = diff_snapshots(BEFORE, AFTER, reason="three more seats", effective=date(2024, 5, 16))
    assert [c.change for c in delta.line_changes] == ["changed", "added"]
    assert str(delta.line_changes[0].fields[0]) == "quantity 5 -> 8"
    text = delta.describe()
    assert text[0].endswith("three more seats")
    assert delta.before_hash != delta.after_hash


def test_unchanged_snapshots_have_an_empty_delta() -> None:
    delta = diff_snapshots(BEFORE, BEFORE, reason="no-op", effective=date(2024, 5, 16))
    assert delta.line_changes == []
    assert delta.header_changes == []
    assert delta.describe()[-1] == "- nothing priced changed"


def test_header_and_customer_changes_are_reported() -> None:
    later = snapshot(lines=BEFORE.lines, order_discount_percent=D(5))
    delta = diff_snapshots(BEFORE, later, reason="loyalty", effective=date(2024, 5, 16))
    assert [str(c) for c in delta.header_changes] == ["order_discount_percent 0 -> 5"]


def test_currency_change_is_refused() -> None:
    with pytest.raises(BillingError, match="cannot change the currency"):
        diff_snapshots(BEFORE, snapshot(currency="USD"), reason="x", effective=date(2024, 5, 1))


def test_amendment_invoice_credits_unused_and_charges_remaining() -> None:
    invoice = amendment_invoice(
        BEFORE, AFTER, period=MAY, effective=date(2024, 5, 16), issue_date=date(2024, 5, 16)
    )
    by_id = {li.line_id: li for li in invoice.lines}
    # 16 of 31 days: 245.00 x 0.516129032 = 126.45; 392.00 x 0.516129032 = 202.32.
    assert by_id["L1:credit"].net_amount == D("-126.45")
    assert by_id["L1:debit"].net_amount == D("202.32")
    assert by_id["L2"].net_amount == D("120.00")
    assert invoice.service_period is not None
    assert invoice.service_period.start == date(2024, 5, 16)


def test_removed_recurring_line_is_only_credited() -> None:
    invoice = amendment_invoice(
        BEFORE,
        snapshot(lines=[]),
        period=MAY,
        effective=date(2024, 5, 16),
        issue_date=date(2024, 5, 16),
    )
    assert [li.line_id for li in invoice.lines] == ["L1:credit"]
    assert invoice.subtotal == D("-126.45")


def test_order_discount_change_reprices_unchanged_recurring_lines() -> None:
    discounted = snapshot(lines=BEFORE.lines, order_discount_percent=D(10))
    invoice = amendment_invoice(
        BEFORE, discounted, period=MAY, effective=date(2024, 5, 16), issue_date=date(2024, 5, 16)
    )
    by_id = {li.line_id: li.net_amount for li in invoice.lines}
    # 245.00 -> 220.50 a month; 16 of 31 days of each.
    assert by_id == {"L1:credit": D("-126.45"), "L1:debit": D("113.81")}
