from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from quote2cash.billing.errors import CurrencyMismatchError, FloatAmountError
from quote2cash.billing.money import Money, minor_units, quantize
from quote2cash.billing.rounding import RoundingMode


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [("JPY", 0), ("USD", 2), ("KWD", 3), ("EUR", 2), ("CLF", 4), ("HUF", 2), ("IQD", 3)],
)
def test_minor_units_follow_iso_4217(currency: str, exponent: int) -> None:
    assert minor_units(currency) == exponent


def test_float_amount_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValidationError, match=r"0\.1 is a float.*pass it as a string"):
        Money(amount=0.1, currency="USD")


def test_float_factor_is_refused() -> None:
    with pytest.raises(FloatAmountError):
        _ = Money.of("1", "USD") * 0.5


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "abc", True])
def test_non_numbers_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        Money(amount=bad, currency="USD")


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match="not an ISO 4217 code"):
        Money(amount=Decimal(1), currency="ZZZ")


def test_lower_case_currency_is_normalised() -> None:
    assert Money.of("1", "usd").currency == "USD"


def test_arithmetic_across_currencies_is_refused() -> None:
    with pytest.raises(CurrencyMismatchError, match="different currencies"):
        _ = Money.of("1", "USD") + Money.of("1", "EUR")


def test_same_currency_arithmetic() -> None:
    total = Money.of("19.95", "USD") + Money.of("0.05", "USD") - Money.of("1", "USD")
    assert total == Money.of("19.00", "USD")
    assert str(-total) == "-19.00 USD"


@pytest.mark.parametrize(
    ("mode", "amount", "expected"),
    [
        (RoundingMode.HALF_UP, "2.345", "2.35"),
        (RoundingMode.HALF_EVEN, "2.345", "2.34"),
        (RoundingMode.DOWN, "2.349", "2.34"),
        (RoundingMode.HALF_UP, "-2.345", "-2.35"),
        (RoundingMode.DOWN, "-2.349", "-2.34"),
    ],
)
def test_quantize_modes(mode: RoundingMode, amount: str, expected: str) -> None:
    assert quantize(Decimal(amount), "USD", mode) == Decimal(expected)


def test_quantize_to_zero_and_three_places() -> None:
    assert quantize(Decimal("1234.5"), "JPY", RoundingMode.HALF_UP) == Decimal("1235")
    assert quantize(Decimal("1.2345"), "KWD", RoundingMode.HALF_EVEN) == Decimal("1.234")
