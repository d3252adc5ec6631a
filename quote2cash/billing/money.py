"""Money: a Decimal amount in an ISO 4217 currency.

Floats are refused at the boundary (a binary float cannot hold 0.10), and arithmetic
across currencies is refused: converting is an explicit step with a rate, never an
accident.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from quote2cash.billing.currency import CurrencyCode, check_currency, minor_units, quantum
from quote2cash.billing.decimals import Dec, mul, plain, to_decimal
from quote2cash.billing.errors import CurrencyMismatchError
from quote2cash.billing.rounding import RoundingMode, round_amount

__all__ = ["Money", "minor_units", "quantize", "quantum"]


def quantize(amount: Decimal, currency: str, mode: RoundingMode) -> Decimal:
    """Round ``amount`` to the currency's minor unit (2 places for USD, 0 for JPY)."""
    return round_amount(amount, currency, mode)


class Money(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: Dec
    currency: CurrencyCode

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(amount=to_decimal(amount), currency=check_currency(currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal(0), currency=check_currency(currency))

    def _same(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {op} Money and {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"cannot {op} {self} and {other}: different currencies; "
                "convert one explicitly with a rate first"
            )
        return other

    def __add__(self, other: object) -> Money:
        return Money(amount=self.amount + self._same(other, "add").amount, currency=self.currency)

    def __sub__(self, other: object) -> Money:
        return Money(
            amount=self.amount - self._same(other, "subtract").amount, currency=self.currency
        )

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, Money):
            raise TypeError("cannot multiply Money by Money")
        return Money(amount=mul(self.amount, to_decimal(factor, "factor")), currency=self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        return self.amount < self._same(other, "compare").amount

    def __le__(self, other: object) -> bool:
        return self.amount <= self._same(other, "compare").amount

    def __gt__(self, other: object) -> bool:
        return self.amount > self._same(other, "compare").amount

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._same(other, "compare").amount

    def quantized(self, mode: RoundingMode = RoundingMode.HALF_UP) -> Money:
        return Money(amount=quantize(self.amount, self.currency, mode), currency=self.currency)

    @property
    def is_quantized(self) -> bool:
        return self.amount == self.amount.quantize(quantum(self.currency))

    def __str__(self) -> str:
        return f"{plain(self.amount)} {self.currency}"
