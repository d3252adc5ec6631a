"""Amendments: what changed between two snapshots, why, and what it costs now.

The delta names every changed field, old and new, with the reason the amendment was
made. The amendment invoice follows the major systems' plan-change convention: for
each recurring line that changed, a credit for the unused part of what was billed and
a debit for the remaining part at the new terms, both prorated by the declared basis.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from quote2cash.billing.decimals import ZERO, mul, plain
from quote2cash.billing.discounts import DEFAULT_STACKING, DiscountKind, apply_discounts
from quote2cash.billing.errors import BillingError
from quote2cash.billing.invoice import InvoiceDraft, assemble_invoice
from quote2cash.billing.money import Money
from quote2cash.billing.pending import PendingLine
from quote2cash.billing.pricing import BillingPeriod, snapshot_lines
from quote2cash.billing.proration import Proration, Span, prorate
from quote2cash.billing.rounding import DEFAULT_ROUNDING, RoundingPolicy, round_amount
from quote2cash.billing.snapshot import QuoteSnapshot, SnapshotLine
from quote2cash.billing.tax import DEFAULT_TAX_TABLE, OFFLINE_VAT_REGISTRY, TaxTable, VatRegistry

_LINE_FIELDS = (
    "sku",
    "name",
    "quantity",
    "unit_price",
    "discount_percent",
    "discount_amount",
    "recurring",
    "tax_category",
)
_HEADER_FIELDS = (
    "payment_terms_days",
    "order_discount_percent",
    "prices_include_tax",
    "catalog_version",
    "seller_country",
)


class FieldChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.field} {self.before} -> {self.after}"


class LineChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_id: str
    change: Literal["added", "removed", "changed"]
    fields: list[FieldChange]
    description: str


class AmendmentDelta(BaseModel):
    model_config = ConfigDict(frozen=True)

    deal_id: str
    reason: str
    effective: date | datetime
    before_hash: str
    after_hash: str
    header_changes: list[FieldChange]
    line_changes: list[LineChange]

    def describe(self) -> list[str]:
        """One sentence per change, each carrying the amendment's reason."""
        lines = [f"Amendment of deal {self.deal_id}, effective {self.effective}: {self.reason}"]
        lines += [f"- terms: {change}" for change in self.header_changes]
        lines += [f"- {change.description}" for change in self.line_changes]
        if not self.header_changes and not self.line_changes:
            lines.append("- nothing priced changed")
        return lines


def _text(value: object) -> str:
    return plain(value) if isinstance(value, Decimal) else str(value)


def _fields(before: BaseModel, after: BaseModel, names: Sequence[str]) -> list[FieldChange]:
    changes = []
    for name in names:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            changes.append(FieldChange(field=name, before=_text(old), after=_text(new)))
    return changes


def diff_snapshots(
    before: QuoteSnapshot, after: QuoteSnapshot, *, reason: str, effective: date | datetime
) -> AmendmentDelta:
    """The priced differences between two snapshots of the same deal."""
    if before.deal_id != after.deal_id:
        raise BillingError(f"amendment compares deal {before.deal_id} with {after.deal_id}")
    if before.currency != after.currency:
        raise BillingError(
            f"an amendment cannot change the currency ({before.currency} -> {after.currency}); "
            "cancel and re-quote instead"
        )
    header = _fields(before, after, _HEADER_FIELDS)
    header += [
        FieldChange(field=f"bill_to.{c.field}", before=c.before, after=c.after)
        for c in _fields(before.bill_to, after.bill_to, list(type(after.bill_to).model_fields))
    ]
    old = {line.line_id: line for line in before.lines}
    new = {line.line_id: line for line in after.lines}
    changes = []
    for line_id in [*old, *(i for i in new if i not in old)]:
        change = _line_change(old.get(line_id), new.get(line_id))
        if change is not None:
            changes.append(change)
    return AmendmentDelta(
        deal_id=after.deal_id,
        reason=reason,
        effective=effective,
        before_hash=before.content_hash,
        after_hash=after.content_hash,
        header_changes=header,
        line_changes=changes,
    )


def _line_change(old: SnapshotLine | None, new: SnapshotLine | None) -> LineChange | None:
    if new is None:
        if old is None:
            return None
        text = f"removed {old.name} ({old.line_id})"
        return LineChange(line_id=old.line_id, change="removed", fields=[], description=text)
    if old is None:
        text = f"added {new.name} ({new.line_id}): {plain(new.quantity)} x {plain(new.unit_price)}"
        return LineChange(line_id=new.line_id, change="added", fields=[], description=text)
    fields = _fields(old, new, _LINE_FIELDS)
    if not fields:
        return None
    text = f"changed {new.name} ({new.line_id}): " + ", ".join(str(f) for f in fields)
    return LineChange(line_id=new.line_id, change="changed", fields=fields, description=text)


def _cycle_amount(
    snapshot: QuoteSnapshot,
    line: SnapshotLine,
    stacking: Sequence[DiscountKind],
    policy: RoundingPolicy,
) -> Decimal:
    """What one full cycle of the line is billed at, rounded as on its invoice."""
    net, _ = apply_discounts(
        mul(line.quantity, line.unit_price),
        line_percent=line.discount_percent,
        line_amount=line.discount_amount,
        order_percent=snapshot.order_discount_percent,
        stacking=stacking,
    )
    return round_amount(net, snapshot.currency, policy.mode)


def _proration_line(
    line: SnapshotLine, proration: Proration, *, credit: bool, account: str, served: Span
) -> PendingLine:
    sign = Decimal(-1) if credit else Decimal(1)
    amount = mul(sign, proration.amount.amount)
    label = "Unused time on" if credit else "Remaining time on"
    return PendingLine(
        line_id=f"{line.line_id}:{'credit' if credit else 'debit'}",
        description=f"{label} {line.name} x {plain(line.quantity)}",
        kind="proration",
        quantity=Decimal(1),
        unit_price=amount,
        discount_percent=ZERO,
        exact=amount,
        fold=True,
        steps=[
            ("credit for unused time: " if credit else "remaining time at the new terms: ")
            + proration.explanation
        ],
        tax_category=line.tax_category,
        revenue_account=account,
        service_start=_day(served.start),
        service_end=_day(served.end),
    )


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def amendment_invoice(
    before: QuoteSnapshot,
    after: QuoteSnapshot,
    *,
    period: BillingPeriod,
    effective: date | datetime,
    issue_date: date,
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    tax_table: TaxTable = DEFAULT_TAX_TABLE,
    vat_registry: VatRegistry = OFFLINE_VAT_REGISTRY,
    stacking: Sequence[DiscountKind] = DEFAULT_STACKING,
) -> InvoiceDraft:
    """Credit unused old terms and charge remaining new terms from ``effective``, on the
    new snapshot's chart."""
    accounts = after.accounts
    account = accounts.deferred_revenue if period.in_advance else accounts.revenue
    pending = _proration_lines(before, after, period, effective, policy, stacking, account)
    old_ids = {line.line_id for line in before.lines}
    added = [li for li in after.lines if li.line_id not in old_ids and li.recurring == "one_time"]
    if added:
        pending += snapshot_lines(
            after.model_copy(update={"lines": added}), None, stacking, accounts
        )
    # The amendment bills only what remains of the period.
    remaining_period = period.model_copy(update={"start": _day(effective)})
    return assemble_invoice(
        after,
        pending,
        issue_date=issue_date,
        policy=policy,
        tax_table=tax_table,
        period=remaining_period,
        vat_registry=vat_registry,
    )


def _proration_lines(
    before: QuoteSnapshot,
    after: QuoteSnapshot,
    period: BillingPeriod,
    effective: date | datetime,
    policy: RoundingPolicy,
    stacking: Sequence[DiscountKind],
    account: str,
) -> list[PendingLine]:
    """A credit and a debit for every recurring line whose billed amount may change."""
    remaining = Span(start=effective, end=period.end)
    whole = Span(start=period.cycle_start or period.start, end=period.end)
    old = {line.line_id: line for line in before.lines}
    new = {line.line_id: line for line in after.lines}
    same_terms = before.order_discount_percent == after.order_discount_percent
    pending: list[PendingLine] = []
    for line_id in [*old, *(i for i in new if i not in old)]:
        was, now = old.get(line_id), new.get(line_id)
        if was == now and same_terms:
            continue
        for line, snap, credit in ((was, before, True), (now, after, False)):
            if line is None or line.recurring == "one_time":
                continue
            amount = _cycle_amount(snap, line, stacking, policy)
            price = Money(amount=amount, currency=snap.currency)
            proration = prorate(price, period=whole, span=remaining, policy=period.proration)
            pending.append(
                _proration_line(line, proration, credit=credit, account=account, served=remaining)
            )
    return pending
