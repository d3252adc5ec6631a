"""Xero's line and total arithmetic, on its own (no HTTP)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quote2cash.sandbox.xero.invoice_math import price_line, totals

D = Decimal


def priced(line: dict[str, object], *, rate: str = "20", lat: str = "Exclusive", dp: int = 2):  # type: ignore[no-untyped-def]
    return price_line(line, rate=D(rate), line_amount_types=lat, unit_dp=dp)


@pytest.mark.parametrize(
    ("line", "amount", "tax"),
    [
        ({"Quantity": D("1"), "UnitAmount": D("0.625")}, "0.63", "0.13"),
        ({"Quantity": D("3"), "UnitAmount": D("33.333")}, "99.99", "20.00"),
        ({"Quantity": D("1"), "UnitAmount": D("99.99"), "DiscountRate": D("15")}, "84.99", "17.00"),
        (
            {"Quantity": D("2"), "UnitAmount": D("10.00"), "DiscountAmount": D("1.50")},
            "18.50",
            "3.70",
        ),
        ({"Quantity": D("-1"), "UnitAmount": D("0.125")}, "-0.13", "-0.03"),
        ({"LineAmount": D("40.00")}, "40.00", "8.00"),
    ],
)
def test_line_amounts_round_half_away_from_zero(
    line: dict[str, object], amount: str, tax: str
) -> None:
    result = priced(line)
    assert (result.line_amount, result.tax_amount) == (D(amount), D(tax))


def test_unitdp_4_keeps_four_places() -> None:
    result = priced({"Quantity": D("1000"), "UnitAmount": D("0.01255")}, dp=4)
    assert (result.unit_amount, result.line_amount) == (D("0.0126"), D("12.60"))


def test_inclusive_tax_is_the_fraction_of_the_gross() -> None:
    result = priced({"Quantity": D("1"), "UnitAmount": D("100.00")}, lat="Inclusive")
    assert result.tax_amount == D("16.67")
    sums = totals([result], "Inclusive")
    assert (sums.sub_total, sums.total_tax, sums.total) == (D("83.33"), D("16.67"), D("100.00"))


def test_no_tax_and_given_tax_amount() -> None:
    assert priced({"Quantity": D("1"), "UnitAmount": D("10")}, lat="NoTax").tax_amount == 0
    given = priced({"Quantity": D("1"), "UnitAmount": D("0.05"), "TaxAmount": D("0.02")})
    assert given.tax_amount == D("0.02")


def test_per_line_rounding_sums_to_the_total() -> None:
    lines = [priced({"Quantity": D("1"), "UnitAmount": D("0.05")}) for _ in range(3)]
    sums = totals(lines, "Exclusive")
    assert (sums.sub_total, sums.total_tax, sums.total) == (D("0.15"), D("0.03"), D("0.18"))


def test_inconsistent_or_double_discount_refused() -> None:
    with pytest.raises(ValueError, match="does not equal"):
        priced({"Quantity": D("2"), "UnitAmount": D("10"), "LineAmount": D("25")})
    with pytest.raises(ValueError, match="both a DiscountRate and a DiscountAmount"):
        priced(
            {
                "Quantity": D("1"),
                "UnitAmount": D("10"),
                "DiscountRate": D("5"),
                "DiscountAmount": D("1"),
            }
        )
