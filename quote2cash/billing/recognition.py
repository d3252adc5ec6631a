"""Revenue recognition for periods billed in advance: straight line by day.

Each day of the service period earns the amount divided by the days, truncated to the
minor unit; the last day takes the residual, so the days sum exactly to the amount
and no day is ever negative. Entries move deferred revenue to revenue, one per day or,
as accountants usually post, one per calendar month.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from quote2cash.billing.accounts import DEFAULT_ACCOUNTS, Accounts
from quote2cash.billing.currency import CurrencyCode
from quote2cash.billing.decimals import ZERO, Dec, div, plain
from quote2cash.billing.errors import BillingError
from quote2cash.billing.invoice import InvoiceDraft
from quote2cash.billing.journal import JournalEntry, signed_entry
from quote2cash.billing.money import Money
from quote2cash.billing.rounding import RoundingMode, round_amount


class RecognitionDay(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: date
    amount: Dec


class RecognitionSchedule(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_id: str
    currency: CurrencyCode
    amount: Dec
    start: date
    end: date  # exclusive
    days: list[RecognitionDay]
    explanation: str


def recognition_schedule(
    amount: Money, *, start: date, end: date, line_id: str = ""
) -> RecognitionSchedule:
    """Spread ``amount`` evenly over the days of ``[start, end)``; residual on the last day."""
    count = (end - start).days
    if count <= 0:
        raise BillingError(f"service period {start}..{end} must end after it starts")
    # Truncating toward zero keeps the residual the same sign as the amount.
    daily = round_amount(div(amount.amount, Decimal(count)), amount.currency, RoundingMode.DOWN)
    last = amount.amount - daily * (count - 1)
    days = [RecognitionDay(day=start + timedelta(days=i), amount=daily) for i in range(count - 1)]
    days.append(RecognitionDay(day=end - timedelta(days=1), amount=last))
    explanation = (
        f"{amount} over {count} days from {start} to {end - timedelta(days=1)}: "
        f"{plain(daily)} {amount.currency} a day, {plain(last)} {amount.currency} on the last day"
    )
    return RecognitionSchedule(
        line_id=line_id,
        currency=amount.currency,
        amount=amount.amount,
        start=start,
        end=end,
        days=days,
        explanation=explanation,
    )


def schedules_for(invoice: InvoiceDraft) -> list[RecognitionSchedule]:
    """A schedule for every invoice line booked to the invoice's deferred revenue."""
    schedules = []
    for line in invoice.lines:
        if line.revenue_account != invoice.accounts.deferred_revenue or line.net_amount == ZERO:
            continue
        period = line.service_period or invoice.service_period
        if period is None:
            raise BillingError(f"line {line.line_id} is deferred but has no service period")
        money = Money(amount=line.net_amount, currency=invoice.currency)
        schedules.append(
            recognition_schedule(money, start=period.start, end=period.end, line_id=line.line_id)
        )
    return schedules


def recognition_entries(
    schedules: Sequence[RecognitionSchedule],
    *,
    key_prefix: str,
    by: Literal["day", "month"] = "month",
    accounts: Accounts = DEFAULT_ACCOUNTS,
) -> list[JournalEntry]:
    """Dr deferred revenue, Cr revenue: one entry per day or per calendar month."""
    if not schedules:
        return []
    currency = schedules[0].currency
    buckets: dict[str, tuple[date, Decimal]] = {}
    for day in _days(schedules, currency):
        bucket = day.day.isoformat() if by == "day" else day.day.strftime("%Y-%m")
        posted, total = buckets.get(bucket, (day.day, ZERO))
        buckets[bucket] = (max(posted, day.day), total + day.amount)
    return [
        signed_entry(
            f"{key_prefix}:{bucket}",
            posted,
            currency,
            f"Revenue recognised for {bucket}",
            [
                (accounts.deferred_revenue, total, "deferred revenue released"),
                (accounts.revenue, -total, "revenue recognised"),
            ],
        )
        for bucket, (posted, total) in sorted(buckets.items())
    ]


def _days(schedules: Iterable[RecognitionSchedule], currency: str) -> Iterable[RecognitionDay]:
    for schedule in schedules:
        if schedule.currency != currency:
            raise BillingError("recognition entries mix currencies; post each separately")
        yield from schedule.days
