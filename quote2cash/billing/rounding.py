"""Rounding policy and exact residual allocation.

A policy is declared once per billing entity and currency: the mode (half-up,
half-even, down) and the phase (round each line, or round the invoice total and
allocate). Allocation works in integer minor units so that parts always sum exactly
to the whole: the largest-remainder method, ties to the earliest part.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from quote2cash.billing.currency import minor_units, quantum
from quote2cash.billing.decimals import CONTEXT
from quote2cash.billing.errors import AllocationError


class RoundingMode(StrEnum):
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    DOWN = "down"

    @property
    def decimal_rounding(self) -> str:
        return _DECIMAL_ROUNDING[self]

    @property
    def label(self) -> str:
        """How an explanation names the mode: "half-up"."""
        return self.value.replace("_", "-")


# ROUND_HALF_UP rounds halves away from zero (-0.125 -> -0.13), which is what Xero and
# most invoicing systems mean by "half up"; DOWN truncates toward zero.
_DECIMAL_ROUNDING = {
    RoundingMode.HALF_UP: ROUND_HALF_UP,
    RoundingMode.HALF_EVEN: ROUND_HALF_EVEN,
    RoundingMode.DOWN: ROUND_DOWN,
}


class RoundingPolicy(BaseModel):
    """How one billing entity rounds in one currency."""

    model_config = ConfigDict(frozen=True)

    mode: RoundingMode = RoundingMode.HALF_UP
    phase: Literal["per_line", "per_invoice"] = "per_line"

    def describe(self) -> str:
        phase = "each line" if self.phase == "per_line" else "the invoice total"
        return f"{self.mode.label}, rounding {phase}"


DEFAULT_ROUNDING = RoundingPolicy()


def round_amount(amount: Decimal, currency: str, mode: RoundingMode) -> Decimal:
    """Round to the currency's minor unit with the given mode."""
    return amount.quantize(quantum(currency), rounding=mode.decimal_rounding, context=CONTEXT)


def _units(amount: Decimal, currency: str) -> int:
    """Amount in integer minor units; the amount must already be on the minor unit."""
    scaled = amount.scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise AllocationError(
            f"{amount} is not a whole number of {currency} minor units; round it first"
        )
    return int(scaled)


def _from_units(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-minor_units(currency)).quantize(quantum(currency))


def _integer_weights(weights: Sequence[Decimal]) -> list[int]:
    """Scale decimal weights to integers with the same ratios."""
    shift = 0
    for weight in weights:
        exponent = weight.as_tuple().exponent
        if isinstance(exponent, int):  # always, for the finite decimals models accept
            shift = max(shift, -exponent)
    return [int(w.scaleb(shift, context=CONTEXT)) for w in weights]


def allocate(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``; the parts sum exactly to ``total``.

    Each part is the exact share floored to the minor unit; the units left over go one
    each to the parts with the largest remainders (earliest first on ties). Weights may
    be negative (credit lines) as long as they do not sum to zero.
    """
    if not weights:
        raise AllocationError("nothing to allocate to: no weights")
    units = _units(total, currency)
    ints = _integer_weights(weights)
    whole = sum(ints)
    if whole == 0:
        if units == 0:
            return [_from_units(0, currency) for _ in weights]
        raise AllocationError(f"cannot allocate {total} {currency}: the weights sum to zero")
    if whole < 0:
        ints, whole = [-w for w in ints], -whole
    shares = [divmod(units * w, whole) for w in ints]
    left = units - sum(q for q, _ in shares)
    order = sorted(range(len(shares)), key=lambda i: (-shares[i][1], i))
    bonus = set(order[:left])
    return [_from_units(q + (1 if i in bonus else 0), currency) for i, (q, _) in enumerate(shares)]


def round_to_total(values: Sequence[Decimal], total: Decimal, currency: str) -> list[Decimal]:
    """Round each value to the minor unit so that the results sum exactly to ``total``.

    ``total`` must be within the floors and ceilings of the values (it is when it is the
    rounded sum). Values are floored, then the missing units go to the largest
    fractional parts, earliest first on ties.
    """
    unit = quantum(currency)
    floors = [v.quantize(unit, rounding=ROUND_FLOOR, context=CONTEXT) for v in values]
    left = _units(total, currency) - sum(_units(f, currency) for f in floors)
    if not 0 <= left <= len(values):
        raise AllocationError(
            f"cannot round {len(values)} values to {total} {currency}: outside their range"
        )
    fractions = [v - f for v, f in zip(values, floors, strict=True)]
    order = sorted(range(len(values)), key=lambda i: (-fractions[i], i))
    bonus = set(order[:left])
    return [f + unit if i in bonus else f for i, f in enumerate(floors)]
