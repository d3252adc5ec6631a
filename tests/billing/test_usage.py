from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from quote2cash.billing.invoice import build_invoice
from quote2cash.billing.usage import (
    Graduated,
    Overage,
    Package,
    Percentage,
    PerUnit,
    Tier,
    UsageCharge,
    UsageEvent,
    UsagePrice,
    Volume,
    aggregate,
    rate,
)
from tests.billing.factories import snapshot

D = Decimal
JAN = datetime(2024, 1, 1, tzinfo=UTC)
FEB = datetime(2024, 2, 1, tzinfo=UTC)


def _total(price: UsagePrice, quantity: str, **extra: object) -> Decimal:
    charge = UsageCharge(
        charge_id="c", description="API", price=price, quantity=D(quantity), **extra
    )
    return sum((line.amount for line in rate(charge, "USD", "200")), D(0))


def _tiers(*rows: tuple[str | None, str, str]) -> list[Tier]:
    return [
        Tier(up_to=None if up is None else D(up), unit_price=D(unit), flat_fee=D(flat))
        for up, unit, flat in rows
    ]


def test_lago_package_example() -> None:
    # https://getlago.com/docs/guide/plans/charges/charge-models/package: USD 5 per 100
    # units, first 100 free: "201 units would cost $0 + $5 + $5 = $10".
    price = Package(package_size=D(100), package_price=D(5), free_units=D(100))
    assert _total(price, "201") == D(10)


def test_graduated_with_lago_tiers() -> None:
    # Tiers of https://getlago.com/docs/guide/plans/charges/charge-models/graduated:
    # USD 1 for the first 100 calls, 0.50 for the next 100, 0.10 beyond.
    price = Graduated(tiers=_tiers(("100", "1", "0"), ("200", "0.50", "0"), (None, "0.10", "0")))
    assert _total(price, "250") == D(100) + D(50) + D(5)
    assert _total(price, "100") == D(100)
    assert _total(price, "0") == D(0)


def test_graduated_flat_fee_per_tier_entered() -> None:
    price = Graduated(tiers=_tiers(("10", "1", "5"), (None, "0.5", "7")))
    assert _total(price, "10") == D(15)
    assert _total(price, "12") == D(15) + D(1) + D(7)


def test_volume_prices_every_unit_at_the_reached_tier() -> None:
    price = Volume(tiers=_tiers(("100", "1", "0"), ("1000", "0.8", "0"), (None, "0.5", "0")))
    assert _total(price, "100") == D(100)
    assert _total(price, "101") == D("80.8")
    assert _total(price, "5000") == D(2500)


def test_percentage_with_fixed_fee_per_transaction() -> None:
    price = Percentage(rate=D("1.5"), fixed_fee=D("0.30"))
    assert _total(price, "1000.00", transactions=4) == D("15.00") + D("1.20")


def test_overage_over_an_included_allowance() -> None:
    price = Overage(base_fee=D(99), included=D(1000), unit_price=D("0.05"))
    assert _total(price, "1200") == D(99) + D(10)
    assert _total(price, "800") == D(99)


def test_minimum_commitment_true_up() -> None:
    charge = UsageCharge(
        charge_id="c",
        description="API",
        price=PerUnit(unit_price=D("0.10")),
        quantity=D(300),
        minimum_amount=D(50),
    )
    lines = rate(charge, "USD", "200")
    assert [line.kind for line in lines] == ["usage", "minimum"]
    assert lines[-1].amount == D(20)
    assert "minimum commitment 50 USD, usage 30.00 USD" in lines[-1].explanation


@pytest.mark.parametrize(
    "tiers",
    [
        [("10", "1", "0")],
        [(None, "1", "0"), (None, "1", "0")],
        [("10", "1", "0"), ("5", "1", "0"), (None, "1", "0")],
    ],
)
def test_bad_tiers_are_refused(tiers: list[tuple[str | None, str, str]]) -> None:
    with pytest.raises(ValidationError):
        Graduated(tiers=_tiers(*tiers))


def test_aggregation_deduplicates_by_event_id_and_filters_the_period() -> None:
    events = [
        UsageEvent(event_id="a", metric="calls", quantity=D(5), occurred_at=JAN),
        UsageEvent(event_id="a", metric="calls", quantity=D(5), occurred_at=JAN),  # redelivered
        UsageEvent(event_id="b", metric="calls", quantity=D(7), occurred_at=FEB),  # next period
        UsageEvent(event_id="c", metric="storage", quantity=D(9), occurred_at=JAN),
        UsageEvent(
            event_id="d",
            metric="calls",
            quantity=D(2),
            occurred_at=datetime(2024, 1, 31, 23, 59, tzinfo=UTC),
        ),
    ]
    total = aggregate(events, metric="calls", start=JAN, end=FEB)
    assert (total.quantity, total.events, total.duplicates, total.outside_period) == (D(7), 2, 1, 1)
    assert aggregate(events, metric="calls", start=JAN, end=FEB, aggregation="count").quantity == 2
    assert aggregate(events, metric="calls", start=JAN, end=FEB, aggregation="max").quantity == 5


def test_float_quantities_never_reach_an_event() -> None:
    with pytest.raises(ValidationError, match="is a float"):
        UsageEvent(event_id="a", metric="calls", quantity=1.5, occurred_at=JAN)


def test_usage_lines_on_an_invoice_are_revenue_with_explanations() -> None:
    charge = UsageCharge(
        charge_id="api",
        description="API calls",
        price=PerUnit(unit_price=D("0.0015")),
        quantity=D(12345),
    )
    invoice = build_invoice(snapshot(lines=[]), issue_date=date(2024, 2, 1), usage=[charge])
    (only,) = invoice.lines
    assert (only.net_amount, only.revenue_account) == (D("18.52"), "200")
    assert only.explanation.startswith("12345 units at 0.0015 GBP per unit")
