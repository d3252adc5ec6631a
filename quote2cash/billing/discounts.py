"""Discounts applied in a declared stacking order, each step recorded.

The default order is line percent, then line amount, then order-level percent: a
percentage taken after a fixed amount gives a different price than before it, so the
order is part of the tenant's declared conventions, not an accident of the code.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from quote2cash.billing.decimals import HUNDRED, ZERO, Dec, div, mul, plain
from quote2cash.billing.errors import BillingError

DiscountKind = Literal["line_percent", "line_amount", "order_percent"]
DEFAULT_STACKING: tuple[DiscountKind, ...] = ("line_percent", "line_amount", "order_percent")

_NAMES = {
    "line_percent": "line discount",
    "line_amount": "line discount",
    "order_percent": "order discount",
}


class DiscountStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: DiscountKind
    value: Dec
    before: Dec
    after: Dec

    def describe(self, currency: str) -> str:
        if self.kind == "line_amount":
            what = f"{plain(self.value)} {currency}"
        else:
            what = f"{plain(self.value)}%"
        return f"less {_NAMES[self.kind]} {what} = {plain(self.after)} {currency}"


def check_stacking(stacking: Sequence[DiscountKind]) -> tuple[DiscountKind, ...]:
    """The declared order, refused unless it names each kind exactly once."""
    if sorted(stacking) != sorted(DEFAULT_STACKING):
        raise BillingError(
            f"discount stacking {list(stacking)} must name each of "
            f"{', '.join(DEFAULT_STACKING)} exactly once"
        )
    return tuple(stacking)


def apply_discounts(
    amount: Decimal,
    *,
    line_percent: Decimal = ZERO,
    line_amount: Decimal = ZERO,
    order_percent: Decimal = ZERO,
    stacking: Sequence[DiscountKind] = DEFAULT_STACKING,
) -> tuple[Decimal, list[DiscountStep]]:
    """The discounted amount (unrounded) and the steps taken, zero steps skipped."""
    values = {
        "line_percent": line_percent,
        "line_amount": line_amount,
        "order_percent": order_percent,
    }
    steps: list[DiscountStep] = []
    current = amount
    for kind in stacking:
        value = values[kind]
        if value == ZERO:
            continue
        if kind == "line_amount":
            # A fixed discount never turns a charge into a credit.
            after = max(current - value, ZERO) if current > ZERO else current
        else:
            after = mul(current, div(HUNDRED - value, HUNDRED))
        steps.append(DiscountStep(kind=kind, value=value, before=current, after=after))
        current = after
    return current, steps


def effective_percent(steps: Sequence[DiscountStep]) -> Decimal | None:
    """The single percentage equal to percentage-only steps; None if an amount step ran."""
    remaining = HUNDRED
    for step in steps:
        if step.kind == "line_amount":
            return None
        remaining = mul(remaining, div(HUNDRED - step.value, HUNDRED))
    result = HUNDRED - remaining
    # 5.00 and 5 are the same discount; show the shorter.
    return result.normalize() if result == result.to_integral_value() else result
