"""Pricing of snapshot and usage lines, up to the exact (unrounded) amount.

The result is a ``PendingLine``: what to show (quantity, unit price, discount), the
exact amount, and the steps that explain it. Rounding and tax come after, in the
invoice builder, because the rounding phase (per line or per invoice) decides them.

A line is *folded* when the accounting system cannot reproduce it from quantity x unit
price x (1 - discount %): a prorated line, or a fixed-amount discount. A folded line
is shown as quantity 1 at its net amount, so Xero's own arithmetic gives our figure;
the explanation keeps the full calculation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, model_validator

from quote2cash.billing.accounts import Accounts
from quote2cash.billing.decimals import ZERO, mul, plain
from quote2cash.billing.discounts import (
    DEFAULT_STACKING,
    DiscountKind,
    apply_discounts,
    effective_percent,
)
from quote2cash.billing.errors import BillingError
from quote2cash.billing.money import Money
from quote2cash.billing.pending import PendingLine, too_precise
from quote2cash.billing.proration import (
    Proration,
    ProrationBasis,
    ProrationPolicy,
    Span,
    add_months,
    prorate,
)
from quote2cash.billing.snapshot import QuoteSnapshot, SnapshotLine
from quote2cash.billing.usage import UsageCharge, rate

_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}


class BillingPeriod(BaseModel):
    """The service period an invoice bills, half-open ``[start, end)``.

    Recurring lines are charged for it; when it is shorter than a line's cycle (which
    starts at ``cycle_start``, default ``start``) the line is prorated by ``proration``.
    """

    model_config = ConfigDict(frozen=True)

    start: date
    end: date
    cycle_start: date | None = None
    in_advance: bool = True
    include_one_time: bool = False
    proration: ProrationPolicy = ProrationPolicy()

    @model_validator(mode="after")
    def _ordered(self) -> BillingPeriod:
        if self.end <= self.start:
            raise BillingError(f"period {self.start}..{self.end} must end after it starts")
        if self.cycle_start is not None and self.cycle_start > self.start:
            raise BillingError("cycle_start must not be after the period start")
        return self


def snapshot_lines(
    snapshot: QuoteSnapshot,
    period: BillingPeriod | None,
    stacking: Sequence[DiscountKind] = DEFAULT_STACKING,
    accounts: Accounts | None = None,
) -> list[PendingLine]:
    """Every snapshot line this invoice bills, priced exactly."""
    pending = []
    for line in snapshot.lines:
        if period is not None and line.recurring == "one_time" and not period.include_one_time:
            continue
        pending.append(_price_line(snapshot, line, period, stacking, accounts or snapshot.accounts))
    return pending


def _price_line(
    snapshot: QuoteSnapshot,
    line: SnapshotLine,
    period: BillingPeriod | None,
    stacking: Sequence[DiscountKind],
    accounts: Accounts,
) -> PendingLine:
    currency = snapshot.currency
    base = mul(line.quantity, line.unit_price)
    steps = [
        f"{plain(line.quantity)} x {plain(line.unit_price)} {currency} = {plain(base)} {currency}"
    ]
    prorated = False
    if period is not None and line.recurring != "one_time":
        proration = _prorate_line(line, base, currency, period)
        if proration is not None:
            base, prorated = proration.amount.amount, True
            steps.append(proration.explanation)
    net, discount_steps = apply_discounts(
        base,
        line_percent=line.discount_percent,
        line_amount=line.discount_amount,
        order_percent=snapshot.order_discount_percent,
        stacking=stacking,
    )
    steps += [step.describe(currency) for step in discount_steps]
    percent = effective_percent(discount_steps)
    fold = prorated or percent is None
    fold = fold or too_precise(plain(line.quantity)) or too_precise(plain(line.unit_price))
    deferred = period is not None and period.in_advance and line.recurring != "one_time"
    return PendingLine(
        line_id=line.line_id,
        description=line.name,
        kind="recurring" if line.recurring != "one_time" else "one_time",
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount_percent=ZERO if percent is None else percent,
        exact=net,
        fold=fold,
        steps=steps,
        tax_category=line.tax_category,
        revenue_account=accounts.deferred_revenue if deferred else accounts.revenue,
        sku=line.sku,
        service_start=period.start if period and line.recurring != "one_time" else None,
        service_end=period.end if period and line.recurring != "one_time" else None,
    )


def _prorate_line(
    line: SnapshotLine, base: Decimal, currency: str, period: BillingPeriod
) -> Proration | None:
    cycle_start = period.cycle_start or period.start
    cycle_end = add_months(cycle_start, _MONTHS[line.recurring])
    if (period.start, period.end) == (cycle_start, cycle_end):
        return None
    if period.end > cycle_end:
        raise BillingError(
            f"line {line.line_id}: period {period.start}..{period.end} is longer than one "
            f"{line.recurring} cycle from {cycle_start}; bill one cycle per invoice"
        )
    # Lago's inclusive days count the last day of a range; our ranges end the day after.
    inclusive = period.proration.basis is ProrationBasis.INCLUSIVE_DAYS
    last = timedelta(days=1 if inclusive else 0)
    return prorate(
        Money(amount=base, currency=currency),
        period=Span(start=cycle_start, end=cycle_end - last),
        span=Span(start=period.start, end=period.end - last),
        policy=period.proration,
    )


def usage_lines(
    charges: Sequence[UsageCharge], currency: str, accounts: Accounts
) -> list[PendingLine]:
    """Rated usage lines; usage is billed in arrears, so it is revenue at once."""
    pending: list[PendingLine] = []
    for charge in charges:
        pending += rate(charge, currency, accounts.revenue)
    return pending
