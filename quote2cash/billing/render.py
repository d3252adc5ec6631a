"""Plain-text rendering of a preview: what a support agent reads and pastes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from quote2cash.billing.amendment import AmendmentDelta
from quote2cash.billing.decimals import ZERO, plain
from quote2cash.billing.invoice import InvoiceDraft, InvoiceLine
from quote2cash.billing.journal import JournalEntry
from quote2cash.billing.recognition import RecognitionSchedule


def _money(amount: Decimal, currency: str) -> str:
    return f"{plain(amount)} {currency}"


def _line(line: InvoiceLine, currency: str) -> list[str]:
    discount = f" less {plain(line.discount_percent)}%" if line.discount_percent else ""
    head = (
        f"  {line.line_id}  {line.description}: {plain(line.quantity)} x "
        f"{plain(line.unit_price)}{discount} = {_money(line.net_amount, currency)}"
        f" + tax {_money(line.tax_amount, currency)} ({line.tax_treatment}"
        f"{f' {plain(line.tax_rate)}%' if line.tax_rate else ''}) -> {line.revenue_account}"
    )
    return [head, f"      why: {line.explanation}"]


def _journal(entry: JournalEntry, title: str) -> list[str]:
    rows = [f"{title} ({entry.entry_date}, {entry.currency}):"]
    for line in entry.lines:
        side, amount = ("Dr", line.debit) if line.debit > ZERO else ("Cr", line.credit)
        rows.append(f"  {side} {line.account:<8} {plain(amount):>14}  {line.memo}")
    return rows


def render(
    invoice: InvoiceDraft,
    delta: AmendmentDelta | None,
    journal: JournalEntry,
    recognition: Sequence[RecognitionSchedule],
) -> str:
    cur = invoice.currency
    rows: list[str] = []
    if delta is not None:
        rows += [*delta.describe(), ""]
    rows.append(
        f"Invoice for deal {invoice.deal_id} in {cur}: issued {invoice.issue_date}, "
        f"due {invoice.due_date}, snapshot {invoice.snapshot_hash[:12]}"
    )
    if invoice.service_period is not None:
        last = invoice.service_period.end - timedelta(days=1)
        rows.append(f"Service period {invoice.service_period.start} to {last}")
    for line in invoice.lines:
        rows += _line(line, cur)
    rows += [
        f"Subtotal {_money(invoice.subtotal, cur)}",
        f"Tax      {_money(invoice.tax_total, cur)}",
        f"Total    {_money(invoice.total, cur)}",
        *(f"Note: {note}" for note in invoice.notes),
        "",
        # The entry's key is a preview's made-up one: it names the deal, not a posting.
        *_journal(journal, f"Journal preview for deal {invoice.deal_id}"),
    ]
    if recognition:
        rows += ["", "Revenue recognition (straight line by day):"]
        rows += [f"  {s.line_id}: {s.explanation}" for s in recognition]
    return "\n".join(rows)
