"""ISO 4217 currencies and their minor-unit exponents, from babel's CLDR data.

CLDR records the digits people usually display, which for a few currencies is fewer
than ISO 4217 defines (CLDR says HUF 0, IQD 0; ISO 4217 says HUF 2, IQD 3). Invoices and
accounting systems such as Xero use ISO 4217, so those few are corrected below.

The table is read once at import: babel loads its data files lazily with ``open()``,
which the Temporal workflow sandbox forbids at run time but allows at import.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from babel.numbers import get_currency_precision, list_currencies
from pydantic import BeforeValidator

from quote2cash.billing.errors import UnknownCurrencyError

# ISO 4217 (list one, current codes) where CLDR's display digits differ.
_ISO_4217_CORRECTIONS = {
    "AFN": 2, "ALL": 2, "COP": 2, "HUF": 2, "IDR": 2, "IQD": 3, "IRR": 2, "KPW": 2,
    "LAK": 2, "LBP": 2, "MGA": 2, "MMK": 2, "SLL": 2, "SOS": 2, "SYP": 2, "YER": 2,
}  # fmt: skip
_EXPONENTS: dict[str, int] = {
    code: _ISO_4217_CORRECTIONS.get(code, int(get_currency_precision(code)))
    for code in sorted(list_currencies())
}
_QUANTA: dict[str, Decimal] = {code: Decimal(1).scaleb(-exp) for code, exp in _EXPONENTS.items()}


def check_currency(code: object) -> str:
    """Return the upper-case ISO 4217 code, or raise with what to pass instead."""
    if not isinstance(code, str) or len(code.strip()) != 3:
        raise UnknownCurrencyError(
            f"currency {code!r} is not an ISO 4217 code; pass three letters such as USD"
        )
    upper = code.strip().upper()
    if upper not in _EXPONENTS:
        raise UnknownCurrencyError(
            f"currency {code!r} is not an ISO 4217 code known to CLDR; "
            "pass three letters such as USD, EUR, JPY"
        )
    return upper


def minor_units(currency: str) -> int:
    """Digits after the decimal point: JPY 0, USD 2, KWD 3."""
    return _EXPONENTS[check_currency(currency)]


def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency: Decimal('0.01') for USD."""
    return _QUANTA[check_currency(currency)]


def _validate(value: Any) -> str:
    return check_currency(value)


CurrencyCode = Annotated[str, BeforeValidator(_validate)]
