"""Proration with a declared basis, factor precision and rounding.

The conventions, as the major billing systems define them:

- ``seconds``: time used over time in the period, to the second (Stripe, Polar).
- ``actual_days``: days used over the actual days in the billing period (Kill Bill).
- ``fixed_30``: days used over 30 per month of the period, as if every month had 30
  days (Kill Bill's fixed-days proration, Zuora's "Actual/360").
- ``inclusive_days``: like actual days, but both the first and the last day of a range
  count (Lago bills the termination day itself).

Ranges are half-open ``[start, end)`` (the end is the next period's start), except
under ``inclusive_days`` where both ends are billed days, as on Lago's invoices.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from quote2cash.billing.currency import minor_units
from quote2cash.billing.decimals import Dec, div, mul, plain
from quote2cash.billing.errors import ProrationError
from quote2cash.billing.money import Money, quantize
from quote2cash.billing.rounding import RoundingMode


class ProrationBasis(StrEnum):
    SECONDS = "seconds"
    ACTUAL_DAYS = "actual_days"
    FIXED_30 = "fixed_30"
    INCLUSIVE_DAYS = "inclusive_days"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ProrationBasis.SECONDS: "to the second",
    ProrationBasis.ACTUAL_DAYS: "actual days",
    ProrationBasis.FIXED_30: "30-day months",
    ProrationBasis.INCLUSIVE_DAYS: "inclusive days",
}


class ProrationPolicy(BaseModel):
    """A tenant's proration convention, declared once."""

    model_config = ConfigDict(frozen=True)

    basis: ProrationBasis = ProrationBasis.ACTUAL_DAYS
    # Decimal places of the factor; None keeps the factor unrounded (50 digits).
    factor_precision: int | None = Field(default=9, ge=0, le=30)
    factor_rounding: RoundingMode = RoundingMode.HALF_UP
    rounding: RoundingMode = RoundingMode.HALF_UP


def _instant_from_text(value: Any) -> Any:
    # Left to pydantic, "2024-05-16" would become a naive midnight datetime.
    return parse_instant(value) if isinstance(value, str) else value


# A date, or an aware datetime; strings parsed as written ("2024-05-16" stays a date).
Instant = Annotated[datetime | date, BeforeValidator(_instant_from_text)]


class Span(BaseModel):
    """A range of time: dates for day bases, dates or aware datetimes for seconds."""

    model_config = ConfigDict(frozen=True)

    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if _instant(self.end) < _instant(self.start):
            raise ProrationError(f"range {self} ends before it starts; write it as start..end")
        return self

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


class Proration(BaseModel):
    """A prorated amount with everything needed to explain it."""

    model_config = ConfigDict(frozen=True)

    amount: Money
    unrounded: Dec
    factor: Dec
    used: int
    of: int
    unit: str
    basis: ProrationBasis
    explanation: str


def parse_instant(text: str) -> datetime | date:
    """A date (YYYY-MM-DD) or a datetime with an explicit offset (ISO 8601)."""
    cleaned = text.strip()
    try:
        if len(cleaned) == 10:
            return date.fromisoformat(cleaned)
        value = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise ProrationError(
            f"{text!r} is not a date; write YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS+00:00 "
            "with --basis seconds"
        ) from None
    _instant(value)  # refuses a datetime without an offset
    return value


def parse_span(text: str) -> Span:
    """``start..end`` as written on the command line and in preview documents."""
    start, sep, end = text.partition("..")
    if not sep or not start or not end:
        raise ProrationError(f"{text!r} is not a range; write it as START..END")
    return Span(start=parse_instant(start), end=parse_instant(end))


def _instant(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ProrationError(
                f"datetime {value.isoformat()} has no UTC offset; add one, e.g. "
                f"{value.isoformat()}+00:00"
            )
        return value
    return datetime.combine(value, time(0), tzinfo=UTC)


def _day(value: datetime | date, basis: ProrationBasis) -> date:
    if isinstance(value, datetime):
        raise ProrationError(
            f"{value.isoformat()} has a time of day, which the {basis.value} basis ignores; "
            "pass a date (YYYY-MM-DD) or use --basis seconds"
        )
    return value


def _fixed_30_days(start: date, end: date, of: int) -> int:
    """Days as if the start's month had 30 days: Kill Bill's fixed-days proration.

    A span starting in a 31-day month loses a day, one starting in February gains two
    or one, so the same calendar span costs the same in every month.
    """
    month_end = add_months(date(start.year, start.month, 1), 1) - timedelta(days=1)
    days = (end - start).days - (month_end.day - 30)
    return max(0, min(days, of))


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (Jan 31 + 1 = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    next_first = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last = (next_first - timedelta(days=1)).day
    return date(year, month + 1, min(day.day, last))


def _months(start: date, end: date) -> int:
    """Whole calendar months from start to end (end exclusive), at least one."""
    return max(1, (end.year - start.year) * 12 + end.month - start.month)


def measure(period: Span, span: Span, basis: ProrationBasis) -> tuple[int, int, str]:
    """(used, of, unit): how much of ``period`` the ``span`` covers under ``basis``."""
    if basis is ProrationBasis.SECONDS:
        p0, p1, s0, s1 = (_instant(v) for v in (period.start, period.end, span.start, span.end))
        _inside(s0, s1, p0, p1, period, span)
        # Integer division of timedeltas: whole seconds, no float on the way.
        second = timedelta(seconds=1)
        return (s1 - s0) // second, (p1 - p0) // second, "seconds"
    d0, d1, e0, e1 = (_day(v, basis) for v in (period.start, period.end, span.start, span.end))
    # An inclusive range of one day (start == end) is one day, not an empty period.
    _inside(e0, e1, d0, d1, period, span, empty_ok=basis is ProrationBasis.INCLUSIVE_DAYS)
    used, of = (e1 - e0).days, (d1 - d0).days
    if basis is ProrationBasis.INCLUSIVE_DAYS:
        return used + 1, of + 1, "days"
    if basis is ProrationBasis.FIXED_30:
        of = 30 * _months(d0, d1)
        used = of if (e0, e1) == (d0, d1) else _fixed_30_days(e0, e1, of)
    return used, of, "days"


def _inside(
    s0: date, s1: date, p0: date, p1: date, period: Span, span: Span, empty_ok: bool = False
) -> None:
    if s0 < p0 or s1 > p1:
        raise ProrationError(
            f"span {span} is outside the period {period}; the span must lie within it"
        )
    if p0 == p1 and not empty_ok:
        raise ProrationError(f"period {period} is empty; it must end after it starts")


def factor_of(used: int, of: int, policy: ProrationPolicy) -> Decimal:
    exact = div(Decimal(used), Decimal(of))
    if policy.factor_precision is None:
        return exact
    step = Decimal(1).scaleb(-policy.factor_precision)
    return exact.quantize(step, rounding=policy.factor_rounding.decimal_rounding)


def _factor_text(factor: Decimal, policy: ProrationPolicy) -> str:
    if policy.factor_precision is not None:
        return plain(factor)
    shown = factor.quantize(Decimal("1e-12"), rounding=policy.factor_rounding.decimal_rounding)
    return plain(factor) if shown == factor else f"{plain(shown)}... (unrounded)"


def prorate(amount: Money, *, period: Span, span: Span, policy: ProrationPolicy) -> Proration:
    """The part of ``amount`` (the price of ``period``) that ``span`` uses."""
    used, of, unit = measure(period, span, policy.basis)
    factor = factor_of(used, of, policy)
    unrounded = mul(amount.amount, factor)
    rounded = quantize(unrounded, amount.currency, policy.rounding)
    result = Money(amount=rounded, currency=amount.currency)
    places = f"{minor_units(amount.currency)} places"
    explanation = (
        f"{used} of {of} {unit} ({policy.basis.label}) of {amount} = {result}, "
        f"factor {_factor_text(factor, policy)}, {policy.rounding.label} to {places}"
    )
    return Proration(
        amount=result,
        unrounded=unrounded,
        factor=factor,
        used=used,
        of=of,
        unit=unit,
        basis=policy.basis,
        explanation=explanation,
    )


class PlanChange(BaseModel):
    """A mid-period change: credit the unused old price, charge the remaining new one."""

    model_config = ConfigDict(frozen=True)

    credit: Proration  # negative amount
    debit: Proration
    net: Money
    explanation: str


def plan_change(
    old_price: Money,
    new_price: Money,
    *,
    period: Span,
    change_at: datetime | date,
    policy: ProrationPolicy,
) -> PlanChange:
    """Stripe-style change: a credit line for unused time and a debit for the rest."""
    remaining = Span(start=change_at, end=period.end)
    unused = prorate(old_price, period=period, span=remaining, policy=policy)
    credit = unused.model_copy(
        update={
            "amount": -unused.amount,
            "unrounded": -unused.unrounded,
            "explanation": f"credit for unused time: {unused.explanation}",
        }
    )
    charged = prorate(new_price, period=period, span=remaining, policy=policy)
    debit = charged.model_copy(
        update={"explanation": f"remaining time on the new price: {charged.explanation}"}
    )
    net = credit.amount + debit.amount
    return PlanChange(
        credit=credit,
        debit=debit,
        net=net,
        explanation=f"{credit.amount} + {debit.amount} = {net}",
    )


__all__ = [
    "Instant",
    "PlanChange",
    "Proration",
    "ProrationBasis",
    "ProrationPolicy",
    "Span",
    "add_months",
    "factor_of",
    "measure",
    "parse_instant",
    "parse_span",
    "plan_change",
    "prorate",
]
