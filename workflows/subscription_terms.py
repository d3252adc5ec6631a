"""Pure subscription arithmetic: periods, amendment quotes, usage close.

No clock and no I/O: the workflow passes ``today`` (in the customer's time zone), so
the same inputs give the same periods and amounts on every replay. Prices, proration
and usage rating are the billing core's; this module only decides which to ask for.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from quote2cash.billing.amendment import amendment_invoice
from quote2cash.billing.credit_note import CreditNoteDraft, credit_note_for
from quote2cash.billing.invoice import InvoiceDraft, build_invoice
from quote2cash.billing.pricing import BillingPeriod
from quote2cash.billing.proration import add_months
from quote2cash.billing.snapshot import QuoteSnapshot
from quote2cash.billing.usage import UsageCharge, UsageEvent, aggregate
from quote2cash.messages import (
    AmendmentQuote,
    AmendmentRequest,
    SubscriptionTerms,
    UsageRecord,
)

MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}


def _boundary_after(day: date, months: int) -> date:
    """The first calendar boundary (month, quarter or year start) after ``day``."""
    first = date(day.year, day.month, 1)
    step = add_months(first, 1)
    while (step.month - 1) % months:
        step = add_months(step, 1)
    return step


def period(terms: SubscriptionTerms, index: int) -> BillingPeriod:
    """Period ``index`` (0 = the first) as a half-open date range, with its cycle start.

    Anniversary periods count from the start date itself (31 Jan, 28 Feb, 31 Mar...);
    calendar periods begin on the month, quarter or year boundary, and the first one is
    the stub from the start date to the first boundary, prorated by the billing core.
    One-time lines are billed on the first period's invoice only.
    """
    months = MONTHS[terms.interval]
    if terms.alignment == "anniversary":
        start = add_months(terms.starts_on, months * index)
        end = add_months(terms.starts_on, months * (index + 1))
        return BillingPeriod(start=start, end=end, cycle_start=start, include_one_time=index == 0)
    first_boundary = _boundary_after(terms.starts_on, months)
    if index == 0:
        return BillingPeriod(
            start=terms.starts_on,
            end=first_boundary,
            cycle_start=add_months(first_boundary, -months),
            include_one_time=True,
        )
    start = add_months(first_boundary, months * (index - 1))
    return BillingPeriod(start=start, end=add_months(start, months), cycle_start=start)


def midnight(day: date, timezone: str) -> datetime:
    """When ``day`` begins for the customer."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone))


def local_day(instant: datetime, timezone: str) -> date:
    return instant.astimezone(ZoneInfo(timezone)).date()


def renewal(
    snapshot: QuoteSnapshot, billing: BillingPeriod, charges: list[UsageCharge]
) -> InvoiceDraft:
    return build_invoice(snapshot, issue_date=billing.start, period=billing, usage=charges)


def period_price(snapshot: QuoteSnapshot, billing: BillingPeriod) -> InvoiceDraft:
    """What a full cycle of the recurring lines costs (net of tax, before usage)."""
    full = billing.model_copy(update={"start": billing.cycle_start or billing.start})
    full = full.model_copy(update={"include_one_time": False})
    return build_invoice(snapshot, issue_date=full.start, period=full)


def amended(snapshot: QuoteSnapshot, request: AmendmentRequest) -> QuoteSnapshot:
    """The snapshot with the requested line changes; unknown lines raise KeyError."""
    changes = {c.line_id: c for c in request.changes}
    lines = []
    for line in snapshot.lines:
        change = changes.pop(line.line_id, None)
        if change is None:
            lines.append(line)
            continue
        update = {k: v for k, v in change.model_dump(exclude={"line_id"}).items() if v is not None}
        lines.append(line.model_copy(update=update))
    if changes:
        raise KeyError(", ".join(sorted(changes)))
    return snapshot.model_copy(update={"lines": lines})


def quote(
    before: QuoteSnapshot,
    after: QuoteSnapshot,
    billing: BillingPeriod,
    today: date,
) -> tuple[AmendmentQuote, InvoiceDraft | None]:
    """An upgrade applies now, with a prorated invoice for the rest of the period; a
    downgrade applies at renewal, so no credit is owed for time already paid."""
    old = period_price(before, billing).subtotal
    new = period_price(after, billing).subtotal
    common: dict[str, Any] = {
        "applied": False,
        "period_price_before": old,
        "period_price_after": new,
        "currency": before.currency,
    }
    if new > old and today < billing.end:
        effective = max(today, billing.start)
        draft = amendment_invoice(
            before, after, period=billing, effective=effective, issue_date=effective
        )
        lines = [f"{line.description}: {line.explanation}" for line in draft.lines]
        answer = AmendmentQuote(
            timing="now",
            effective=effective,
            prorated_delta=draft.total,
            explanation=[f"upgrade from {effective}: prorated for the rest of the period", *lines],
            **common,
        )
        return answer, draft
    answer = AmendmentQuote(
        timing="at_renewal",
        effective=billing.end,
        prorated_delta=Decimal(0),
        explanation=[
            f"period price {old} → {new} {before.currency}: a downgrade takes effect at "
            f"renewal on {billing.end}; the current period is already paid"
        ],
        **common,
    )
    return answer, None


def close_usage(
    terms: SubscriptionTerms, events: list[UsageRecord], start: datetime, end: datetime, index: int
) -> list[UsageCharge]:
    """Aggregate the period's events per metric into charges for the next invoice."""
    charges = []
    billed = [
        UsageEvent(
            event_id=e.event_id, metric=e.metric, quantity=e.quantity, occurred_at=e.occurred_at
        )
        for e in events
    ]
    for metric, price in sorted(terms.usage_prices.items()):
        total = aggregate(billed, metric=metric, start=start, end=end)
        if total.events:
            charges.append(
                UsageCharge(
                    charge_id=f"usage:{metric}:{index}",
                    description=f"{metric} usage, period {index + 1}",
                    price=price,
                    quantity=total.quantity,
                    note=total.explanation,
                )
            )
    return charges


def cancellation_credit(
    snapshot: QuoteSnapshot, billing: BillingPeriod, today: date, reason: str
) -> CreditNoteDraft | None:
    """The credit note for the unused rest of a paid period, or None if nothing is left.

    The billing core prices it as an amendment that removes the recurring lines from
    ``today``; its (negative) credit lines become the credit note's lines.
    """
    if today >= billing.end:
        return None
    kept = [line for line in snapshot.lines if line.recurring == "one_time"]
    effective = max(today, billing.start)
    change = amendment_invoice(
        snapshot,
        snapshot.model_copy(update={"lines": kept}),
        period=billing,
        effective=effective,
        issue_date=today,
    )
    if change.total >= 0:
        return None
    unused = change.model_copy(
        update={
            "lines": [
                line.model_copy(
                    update={
                        "net_amount": -line.net_amount,
                        "tax_amount": -line.tax_amount,
                        "unit_price": -line.unit_price,
                        "gross_amount": -line.gross_amount,
                    }
                )
                for line in change.lines
            ],
            "subtotal": -change.subtotal,
            "tax_total": -change.tax_total,
            "total": -change.total,
        }
    )
    return credit_note_for(unused, issue_date=today, reason=reason)
