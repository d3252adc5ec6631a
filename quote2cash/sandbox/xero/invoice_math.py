"""How Xero computes line amounts, tax and totals of invoices and credit notes.

- ``UnitAmount`` is kept to 2 decimal places, or 4 with ``unitdp=4``; ``Quantity`` to 4.
- ``LineAmount = Quantity * UnitAmount * (1 - DiscountRate/100)`` (or ``- DiscountAmount``),
  rounded half away from zero to 2 places. A line may give ``LineAmount`` instead of
  ``UnitAmount`` (or of both), and Xero fills in the missing one.
- Tax per line from the tax type's rate, rounded half away from zero to 2 places:
  ``Exclusive``: ``LineAmount * rate``; ``Inclusive``: ``LineAmount * rate / (1 + rate)``;
  ``NoTax``: 0. A ``TaxAmount`` given in the request wins.
- ``Exclusive``/``NoTax``: ``SubTotal = Σ LineAmount``; ``Inclusive``: ``Total = Σ LineAmount``
  and ``SubTotal = Total - TotalTax``. ``Total = SubTotal + TotalTax`` always.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def places(value: Decimal, dp: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP)


def number(line: Mapping[str, Any], name: str) -> Decimal | None:
    value = line.get(name)
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name} is not a number: {value!r}") from None


@dataclass(frozen=True)
class PricedLine:
    quantity: Decimal
    unit_amount: Decimal
    line_amount: Decimal
    tax_amount: Decimal
    discount: Decimal


def price_line(
    line: Mapping[str, Any], *, rate: Decimal, line_amount_types: str, unit_dp: int
) -> PricedLine:
    """Amounts of one line. Raises ``ValueError`` with Xero-style wording on bad input."""
    quantity = number(line, "Quantity")
    unit = number(line, "UnitAmount")
    given = number(line, "LineAmount")
    rate_off = number(line, "DiscountRate") or Decimal(0)
    amount_off = number(line, "DiscountAmount") or Decimal(0)
    if rate_off and amount_off:
        raise ValueError("A line item cannot have both a DiscountRate and a DiscountAmount.")
    quantity = places(quantity, 4) if quantity is not None else Decimal(1)
    if unit is None:
        gross = given if given is not None else Decimal(0)
        unit = places(gross / quantity, unit_dp) if quantity else Decimal(0)
    unit = places(unit, unit_dp)
    full = quantity * unit
    computed = money(full * (1 - rate_off / 100) - amount_off)
    if given is not None and "UnitAmount" in line and money(given) != computed:
        raise ValueError(
            f"The line amount {money(given)} does not equal Quantity x UnitAmount less "
            f"discount ({computed})."
        )
    line_amount = money(given) if given is not None else computed
    tax = number(line, "TaxAmount")
    if tax is None:
        tax = _tax(line_amount, rate, line_amount_types)
    return PricedLine(quantity, unit, line_amount, money(tax), money(full) - line_amount)


def _tax(line_amount: Decimal, rate: Decimal, line_amount_types: str) -> Decimal:
    if line_amount_types == "NoTax" or not rate:
        return Decimal("0.00")
    if line_amount_types == "Inclusive":
        return money(line_amount * rate / (100 + rate))
    return money(line_amount * rate / 100)


@dataclass(frozen=True)
class Totals:
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    total_discount: Decimal


def totals(lines: list[PricedLine], line_amount_types: str) -> Totals:
    amounts = sum((line.line_amount for line in lines), Decimal("0.00"))
    tax = sum((line.tax_amount for line in lines), Decimal("0.00"))
    discount = sum((line.discount for line in lines), Decimal("0.00"))
    if line_amount_types == "Inclusive":
        return Totals(amounts - tax, tax, amounts, discount)
    return Totals(amounts, tax, amounts + tax, discount)


def net_of(line: PricedLine, line_amount_types: str) -> Decimal:
    """The line's amount before tax, whatever the invoice's LineAmountTypes."""
    if line_amount_types == "Inclusive":
        return line.line_amount - line.tax_amount
    return line.line_amount
