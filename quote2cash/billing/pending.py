"""A priced line before rounding: what every pricing step hands to the invoice builder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# Xero stores quantities and unit amounts to 4 decimal places.
XERO_PLACES = 4


def too_precise(text: str) -> bool:
    """Whether a plainly written decimal ("0.00015") has more places than Xero keeps.

    Works on the text the explanation writes anyway, which is cheaper than asking the
    Decimal for its exponent on a 10,000-line invoice.
    """
    point = text.find(".")
    return point >= 0 and len(text) - point - 1 > XERO_PLACES


@dataclass(slots=True)
class PendingLine:
    """Shown quantity, unit price and discount; the exact amount; the steps behind it.

    ``fold`` marks a line the accounting system cannot reproduce from quantity x unit
    price x (1 - discount %), so the invoice shows it as quantity 1 at its amount.
    """

    line_id: str
    description: str
    kind: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    exact: Decimal
    fold: bool
    steps: list[str]
    tax_category: str
    revenue_account: str
    sku: str = ""
    service_start: date | None = None
    service_end: date | None = None

    @property
    def amount(self) -> Decimal:
        return self.exact

    @property
    def explanation(self) -> str:
        return "; ".join(self.steps)
