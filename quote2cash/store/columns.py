"""Column types that keep money exact and timestamps in UTC on every database.

SQLite has no decimal type: SQLAlchemy's ``Numeric`` stores a float there, which is
exactly what money must never be. ``Money`` is ``NUMERIC(20, 6)`` on PostgreSQL and
canonical decimal text on SQLite; both give back ``Decimal``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from quote2cash.store.errors import InvalidAmount

MONEY_PLACES = 6
MONEY_DIGITS = 20
_QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)
MAX_AMOUNT = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES)
"""Amounts must stay below this in magnitude: what NUMERIC(20, 6) holds. SQLite's text
would hold more; refusing it there too keeps both databases answering the same."""


def exact_amount(value: Decimal) -> Decimal:
    """The amount at the column's scale, refusing any digit the column would drop."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidAmount(f"amount must be a finite Decimal, got {value!r}")
    if abs(value) >= MAX_AMOUNT:
        raise InvalidAmount(f"{value} is beyond the {MAX_AMOUNT} the money columns hold")
    quantized = value.quantize(_QUANTUM)
    if quantized != value:
        raise InvalidAmount(f"{value} has more than {MONEY_PLACES} decimal places")
    return quantized


class Money(TypeDecorator[Decimal]):
    impl = sa.Numeric(MONEY_DIGITS, MONEY_PLACES)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(32))
        return dialect.type_descriptor(sa.Numeric(MONEY_DIGITS, MONEY_PLACES, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = exact_amount(value)
        return format(amount, "f") if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(_QUANTUM)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC)")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
