"""Billing schedules: one priced invoice split into parts billed at different moments.

A schedule is declared on the quote (``50/50``: half on signature, half on delivery).
The whole invoice is priced once; each line's net and tax are split across the parts
by ``allocate`` (integer minor units, largest remainder), so the lines of the parts sum
exactly to the lines of the whole and no residual cent is lost. Every part keeps the
snapshot hash of the whole, so any part proves which snapshot it bills.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from quote2cash.billing.decimals import HUNDRED, ONE, ZERO, plain
from quote2cash.billing.errors import BillingError
from quote2cash.billing.invoice import InvoiceDraft, InvoiceLine, check_sums
from quote2cash.billing.rounding import allocate

__all__ = ["issued_on", "parse_schedule", "split_invoice"]


def parse_schedule(text: str) -> list[Decimal]:
    """Percentages of a schedule such as ``50/50`` or ``30/30/40``; they sum to 100."""
    try:
        shares = [Decimal(part.strip()) for part in text.split("/")]
    except InvalidOperation:
        raise BillingError(f"billing schedule {text!r} is not percentages such as 50/50") from None
    if len(shares) < 2 or any(s <= ZERO for s in shares) or sum(shares, ZERO) != HUNDRED:
        raise BillingError(
            f"billing schedule {text!r}: give two or more positive percentages summing to 100"
        )
    return shares


def split_invoice(whole: InvoiceDraft, shares: Sequence[Decimal]) -> list[InvoiceDraft]:
    """The parts of ``whole``, one per share, dated as the whole (see ``issued_on``)."""
    cur = whole.currency
    nets = [allocate(line.net_amount, shares, cur) for line in whole.lines]
    taxes = [allocate(line.tax_amount, shares, cur) for line in whole.lines]
    parts = []
    for i, share in enumerate(shares):
        label = f"{plain(share)}%, part {i + 1}/{len(shares)}"
        lines = [
            part_line(line, nets[k][i], taxes[k][i], label) for k, line in enumerate(whole.lines)
        ]
        note = f"Part {i + 1} of {len(shares)} ({plain(share)}%) of {plain(whole.total)}"
        parts.append(part_invoice(whole, lines, f"{note} {whole.currency}."))
    return parts


def issued_on(part: InvoiceDraft, issued: date) -> InvoiceDraft:
    """A part billed later: issued that day, due after the same payment terms."""
    terms = part.due_date - part.issue_date
    return part.model_copy(update={"issue_date": issued, "due_date": issued + terms})


def part_line(line: InvoiceLine, net: Decimal, tax: Decimal, label: str) -> InvoiceLine:
    """A part of the line, as one unit at the part's net: Xero recomputes nothing."""
    whole = f"{plain(line.quantity)} x {plain(line.unit_price)}"
    return line.model_copy(
        update={
            "description": f"{line.description} ({label} of {whole})",
            "quantity": ONE,
            "unit_price": net,
            "discount_percent": ZERO,
            "net_amount": net,
            "tax_amount": tax,
            "gross_amount": net + tax,
            "explanation": (
                f"{label} of the line's net {plain(line.net_amount)} and tax "
                f"{plain(line.tax_amount)}, allocated in minor units so the parts sum to "
                f"the line; {line.explanation}"
            ),
        }
    )


def part_invoice(whole: InvoiceDraft, lines: list[InvoiceLine], note: str) -> InvoiceDraft:
    """``whole`` with only these lines: same snapshot hash, terms and notes, plus ``note``."""
    subtotal = sum((line.net_amount for line in lines), ZERO)
    tax = sum((line.tax_amount for line in lines), ZERO)
    part = whole.model_copy(
        update={
            "lines": lines,
            "subtotal": subtotal,
            "tax_total": tax,
            "total": subtotal + tax,
            "notes": [*whole.notes, note],
        }
    )
    check_sums(part)
    return part
