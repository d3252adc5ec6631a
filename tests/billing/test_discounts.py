from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from quote2cash.billing.discounts import apply_discounts, check_stacking, effective_percent
from quote2cash.billing.errors import BillingError
from quote2cash.billing.invoice import build_invoice
from tests.billing.factories import line, snapshot

D = Decimal


def test_default_stacking_line_percent_then_amount_then_order() -> None:
    net, steps = apply_discounts(D(100), line_percent=D(10), line_amount=D(5), order_percent=D(20))
    assert net == D(68)  # (100 x 0.9 - 5) x 0.8
    assert [(s.kind, s.before, s.after) for s in steps] == [
        ("line_percent", D(100), D(90)),
        ("line_amount", D(90), D(85)),
        ("order_percent", D(85), D(68)),
    ]


def test_declared_order_changes_the_result() -> None:
    net, _ = apply_discounts(
        D(100),
        line_percent=D(10),
        line_amount=D(5),
        order_percent=D(20),
        stacking=("line_amount", "line_percent", "order_percent"),
    )
    assert net == D("68.4")  # (100 - 5) x 0.9 x 0.8


def test_amount_discount_never_goes_below_zero() -> None:
    net, _ = apply_discounts(D(3), line_amount=D(5))
    assert net == 0


def test_stacking_must_name_each_kind_once() -> None:
    with pytest.raises(BillingError):
        check_stacking(("line_percent", "line_percent", "order_percent"))


def test_percent_only_steps_collapse_to_one_percentage() -> None:
    _, steps = apply_discounts(D(100), line_percent=D(10), order_percent=D(5))
    assert effective_percent(steps) == D("14.5")


def test_every_step_is_in_the_explanation() -> None:
    snap = snapshot(
        lines=[line(quantity="2", unit_price="50.00", discount_percent="10", discount_amount="5")],
        order_discount_percent=D(10),
    )
    (only,) = build_invoice(snap, issue_date=date(2024, 1, 1)).lines
    assert "less line discount 10% = 90" in only.explanation
    assert "less line discount 5 GBP = 85" in only.explanation
    assert "less order discount 10% = 76.5" in only.explanation
    # An amount discount cannot be expressed as Xero's DiscountRate: shown at its net.
    assert (only.quantity, only.unit_price, only.net_amount) == (D(1), D("76.50"), D("76.50"))
