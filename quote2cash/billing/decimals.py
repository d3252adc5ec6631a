"""Decimal plumbing: one fixed arithmetic context and the float firewall.

The thread's default decimal context can be changed by any library; a fixed context
keeps every division and product the same in every process and every replay.
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from quote2cash.billing.errors import FloatAmountError

# 50 significant digits: far beyond any amount times any factor, so only the declared
# rounding steps ever round.
CONTEXT = Context(
    prec=50, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def to_decimal(value: object, what: str = "amount") -> Decimal:
    """Turn an int, str or Decimal into a finite Decimal; refuse floats and anything else."""
    if isinstance(value, bool):
        raise FloatAmountError(f"{what} {value!r} is a boolean, not a number")
    if isinstance(value, float):
        raise FloatAmountError(
            f"{what} {value!r} is a float: binary floats cannot hold most decimal amounts "
            f'exactly; pass it as a string ("{value!r}") or a Decimal'
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise FloatAmountError(
                f"{what} {value!r} is not a decimal number; write digits with at most one "
                "decimal point, e.g. 19.95"
            ) from None
    else:
        raise FloatAmountError(f"{what} {value!r} is a {type(value).__name__}, not a number")
    if not result.is_finite():
        raise FloatAmountError(f"{what} {value!r} is not a finite number")
    return result


def _validate(value: Any) -> Decimal:
    return to_decimal(value)


def _plain(value: Decimal) -> str:
    return plain(value)


# The type of every amount, quantity, rate and factor crossing a model boundary:
# floats refused, serialized as a plain decimal string (never "1E+2").
Dec = Annotated[
    Decimal,
    BeforeValidator(_validate),
    PlainSerializer(_plain, return_type=str, when_used="json"),
    # Tell API clients what the validator wants: a decimal string, never a JSON float.
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["19.95"]},
        mode="validation",
    ),
]


def mul(*factors: Decimal) -> Decimal:
    result = ONE
    for factor in factors:
        result = CONTEXT.multiply(result, factor)
    return result


def div(numerator: Decimal, denominator: Decimal) -> Decimal:
    return CONTEXT.divide(numerator, denominator)


def plain(value: Decimal) -> str:
    """A decimal as people write it: no exponent, trailing zeros kept.

    ``str`` writes the same digits unless it picks scientific notation, and costs half
    of ``format(value, "f")``: this runs several times per line of a 10,000-line invoice.
    """
    text = str(value)
    return format(value, "f") if "E" in text else text
