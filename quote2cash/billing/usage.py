"""Usage charges: events in, rated lines out.

Events are deduplicated by id (delivery is at least once, so the same event arrives
twice), filtered to the metric and the half-open period, then aggregated. A charge
rates the aggregate with one pricing model; amounts stay unrounded here, the invoice
builder rounds them by the declared policy.

Models follow the common definitions (Stripe, Lago, Chargebee):
- ``per_unit``: quantity x price.
- ``graduated``: each tier prices the units that fall in it (one line per tier).
- ``volume``: the tier the total falls in prices every unit.
- ``package``: whole packages, rounded up, after any free units.
- ``percentage``: a rate on the summed amounts, plus a fixed fee per transaction.
- ``overage``: a base fee includes some units; units beyond are charged.
A charge may carry a minimum commitment: a true-up line tops the charge up to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from quote2cash.billing.decimals import CONTEXT, HUNDRED, ONE, ZERO, Dec, div, mul, plain
from quote2cash.billing.errors import UsageError
from quote2cash.billing.pending import PendingLine, too_precise


class UsageEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    event_id: str = Field(min_length=1)
    metric: str
    quantity: Dec = ONE
    occurred_at: datetime


class UsageAggregate(BaseModel):
    model_config = ConfigDict(frozen=True)

    metric: str
    quantity: Dec
    events: int
    duplicates: int
    outside_period: int
    explanation: str


Aggregation = Literal["sum", "count", "max"]


def aggregate(
    events: Iterable[UsageEvent],
    *,
    metric: str,
    start: datetime,
    end: datetime,
    aggregation: Aggregation = "sum",
) -> UsageAggregate:
    """Aggregate one metric over ``[start, end)``; the first event of an id wins."""
    seen: set[str] = set()
    kept: list[Decimal] = []
    duplicates = outside = 0
    for event in events:
        if event.metric != metric:
            continue
        if event.event_id in seen:
            duplicates += 1
            continue
        seen.add(event.event_id)
        if not start <= event.occurred_at < end:
            outside += 1
            continue
        kept.append(event.quantity)
    quantity = _combine(kept, aggregation)
    explanation = (
        f"{aggregation} of {len(kept)} {metric} events from {start.isoformat()} "
        f"to {end.isoformat()} = {plain(quantity)}"
        f" ({duplicates} duplicate ids ignored, {outside} outside the period)"
    )
    return UsageAggregate(
        metric=metric,
        quantity=quantity,
        events=len(kept),
        duplicates=duplicates,
        outside_period=outside,
        explanation=explanation,
    )


def _combine(values: list[Decimal], aggregation: Aggregation) -> Decimal:
    if aggregation == "count":
        return Decimal(len(values))
    if aggregation == "max":
        return max(values, default=ZERO)
    return sum(values, ZERO)


class Tier(BaseModel):
    model_config = ConfigDict(frozen=True)

    up_to: Dec | None = None  # inclusive upper bound; None for the last tier
    unit_price: Dec
    flat_fee: Dec = ZERO


def _check_tiers(tiers: list[Tier]) -> None:
    bounds = [t.up_to for t in tiers]
    if not tiers or bounds[-1] is not None or None in bounds[:-1]:
        raise UsageError("tiers must end with one open tier (up_to null) and only one")
    finite = [b for b in bounds if b is not None]
    if finite != sorted(set(finite)) or any(b <= ZERO for b in finite):
        raise UsageError(f"tier bounds {[plain(b) for b in finite]} must rise above zero")


class PerUnit(BaseModel):
    model: Literal["per_unit"] = "per_unit"
    unit_price: Dec


class Graduated(BaseModel):
    model: Literal["graduated"] = "graduated"
    tiers: list[Tier]

    @model_validator(mode="after")
    def _tiers(self) -> Graduated:
        _check_tiers(self.tiers)
        return self


class Volume(BaseModel):
    model: Literal["volume"] = "volume"
    tiers: list[Tier]

    @model_validator(mode="after")
    def _tiers(self) -> Volume:
        _check_tiers(self.tiers)
        return self


class Package(BaseModel):
    model: Literal["package"] = "package"
    package_size: Dec = Field(gt=0)
    package_price: Dec
    free_units: Dec = ZERO


class Percentage(BaseModel):
    model: Literal["percentage"] = "percentage"
    rate: Dec  # percent of the summed amounts
    fixed_fee: Dec = ZERO  # per transaction


class Overage(BaseModel):
    model: Literal["overage"] = "overage"
    base_fee: Dec = ZERO
    included: Dec
    unit_price: Dec


UsagePrice = Annotated[
    PerUnit | Graduated | Volume | Package | Percentage | Overage, Field(discriminator="model")
]


class UsageCharge(BaseModel):
    """One metered charge on an invoice: the price model and the measured quantity."""

    charge_id: str = Field(min_length=1)
    description: str
    price: UsagePrice
    quantity: Dec
    transactions: int = 0  # events behind a percentage charge, for its fixed fee
    minimum_amount: Dec | None = None
    tax_category: str = "standard"
    note: str = ""  # how the quantity was measured, prefixed to every line's explanation


def rate(charge: UsageCharge, currency: str, account: str) -> list[PendingLine]:
    """The charge's lines, exact; plus a minimum-commitment true-up when short.

    ``account`` is the revenue account the lines are booked to.
    """
    lines = _rate_model(charge, currency)
    minimum = charge.minimum_amount
    if minimum is not None:
        total = sum((line.exact for line in lines), ZERO)
        if total < minimum:
            why = f"minimum commitment {minimum:f} {currency}, usage {total:f} {currency}: true-up"
            lines.append(_line(charge, "minimum", ONE, minimum - total, currency, why, "minimum"))
    note = charge.note
    for line in lines:
        line.revenue_account = account
        if note:
            line.steps.insert(0, note)
    return lines


def _line(
    charge: UsageCharge,
    suffix: str,
    qty: Decimal,
    unit: Decimal,
    currency: str,
    why: str,
    kind: str = "usage",
) -> PendingLine:
    return _priced(charge, suffix, qty, unit, plain(qty), plain(unit), currency, why, kind)


def _priced(
    charge: UsageCharge,
    suffix: str,
    qty: Decimal,
    unit: Decimal,
    qty_text: str,
    unit_text: str,
    currency: str,
    why: str,
    kind: str = "usage",
) -> PendingLine:
    """``_line`` with the quantity and unit price already written out."""
    amount = CONTEXT.multiply(qty, unit)
    return PendingLine(
        line_id=f"{charge.charge_id}:{suffix}",
        description=charge.description,
        kind=kind,
        quantity=qty,
        unit_price=unit,
        discount_percent=ZERO,
        exact=amount,
        fold=too_precise(qty_text) or too_precise(unit_text),
        steps=[f"{why}: {qty_text} x {unit_text} {currency} = {plain(amount)} {currency}"],
        tax_category=charge.tax_category,
        revenue_account="",
    )


def _per_unit(charge: UsageCharge, price: PerUnit, currency: str) -> list[PendingLine]:
    qty, unit = charge.quantity, price.unit_price
    qty_text, unit_text = plain(qty), plain(unit)
    why = f"{qty_text} units at {unit_text} {currency} per unit"
    return [_priced(charge, "units", qty, unit, qty_text, unit_text, currency, why)]


def _tier_lines(
    charge: UsageCharge, tier: Tier, n: int, units: Decimal, label: str, currency: str
) -> list[PendingLine]:
    lines = [_line(charge, f"tier{n}", units, tier.unit_price, currency, label)]
    if tier.flat_fee:
        lines.append(
            _line(charge, f"tier{n}:flat", ONE, tier.flat_fee, currency, f"{label}, flat fee")
        )
    return lines


def _graduated(charge: UsageCharge, price: Graduated, currency: str) -> list[PendingLine]:
    lines: list[PendingLine] = []
    floor = ZERO
    for n, tier in enumerate(price.tiers, start=1):
        top = charge.quantity if tier.up_to is None else min(charge.quantity, tier.up_to)
        units = top - floor
        if units <= ZERO:
            break
        upper = "and up" if tier.up_to is None else f"to {plain(tier.up_to)}"
        label = f"graduated tier {n} (units {plain(floor + 1)} {upper})"
        lines += _tier_lines(charge, tier, n, units, label, currency)
        floor = top
    return lines


def _volume(charge: UsageCharge, price: Volume, currency: str) -> list[PendingLine]:
    for n, tier in enumerate(price.tiers, start=1):
        if tier.up_to is None or charge.quantity <= tier.up_to:
            label = f"volume tier {n}: all {plain(charge.quantity)} units at this tier's price"
            return _tier_lines(charge, tier, n, charge.quantity, label, currency)
    raise UsageError("unreachable: volume tiers end with an open tier")


def _package(charge: UsageCharge, price: Package, currency: str) -> list[PendingLine]:
    billable = max(charge.quantity - price.free_units, ZERO)
    packages = div(billable, price.package_size).to_integral_value(rounding=ROUND_CEILING)
    why = (
        f"{plain(charge.quantity)} units, {plain(price.free_units)} free, in packages of "
        f"{plain(price.package_size)} rounded up = {plain(packages)} packages"
    )
    return [_line(charge, "packages", packages, price.package_price, currency, why)]


def _percentage(charge: UsageCharge, price: Percentage, currency: str) -> list[PendingLine]:
    lines = [
        _line(
            charge,
            "percent",
            ONE,
            mul(charge.quantity, div(price.rate, HUNDRED)),
            currency,
            f"{plain(price.rate)}% of {plain(charge.quantity)} {currency}",
        )
    ]
    if price.fixed_fee and charge.transactions:
        lines.append(
            _line(
                charge,
                "fees",
                Decimal(charge.transactions),
                price.fixed_fee,
                currency,
                f"{charge.transactions} transactions at a fixed fee",
            )
        )
    return lines


def _overage(charge: UsageCharge, price: Overage, currency: str) -> list[PendingLine]:
    lines = []
    if price.base_fee:
        lines.append(
            _line(
                charge,
                "base",
                ONE,
                price.base_fee,
                currency,
                f"base fee including {plain(price.included)} units",
            )
        )
    over = max(charge.quantity - price.included, ZERO)
    lines.append(
        _line(
            charge,
            "overage",
            over,
            price.unit_price,
            currency,
            f"{plain(charge.quantity)} units, {plain(price.included)} included, "
            f"overage {plain(over)}",
        )
    )
    return lines


def _rate_model(charge: UsageCharge, currency: str) -> list[PendingLine]:
    price = charge.price
    if isinstance(price, PerUnit):
        return _per_unit(charge, price, currency)
    if isinstance(price, Graduated):
        return _graduated(charge, price, currency)
    if isinstance(price, Volume):
        return _volume(charge, price, currency)
    if isinstance(price, Package):
        return _package(charge, price, currency)
    if isinstance(price, Percentage):
        return _percentage(charge, price, currency)
    return _overage(charge, price, currency)
