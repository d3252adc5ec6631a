"""Credit notes: a finalized invoice never changes; it is corrected by crediting lines.

A credit note repeats the credited lines' net and tax exactly (never recomputes them,
so a full credit always cancels the invoice to the cent). A credit of an amount (a
partial refund) splits it over the lines in the invoice's proportions of revenue and
tax. Xero's credit notes carry no discounts, so each line is shown as quantity 1 at its
net amount, or its gross amount when the invoice's prices include tax (then the note
does too: ``prices_include_tax``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, model_validator

from quote2cash.billing.accounts import DEFAULT_ACCOUNTS, Accounts
from quote2cash.billing.currency import CurrencyCode, quantum
from quote2cash.billing.decimals import ZERO, Dec, div, mul, plain, to_decimal
from quote2cash.billing.errors import BillingError
from quote2cash.billing.invoice import InvoiceDraft, InvoiceLine
from quote2cash.billing.journal import JournalEntry, signed_entry
from quote2cash.billing.rounding import RoundingMode, allocate, round_amount


class CreditNoteDraft(BaseModel):
    model_config = ConfigDict(frozen=True)

    deal_id: str
    currency: CurrencyCode
    snapshot_hash: str
    issue_date: date
    reason: str
    lines: list[InvoiceLine]
    subtotal: Dec
    tax_total: Dec
    total: Dec
    prices_include_tax: bool = False
    """As the credited invoice: each line's unit price is then its gross amount."""
    accounts: Accounts = DEFAULT_ACCOUNTS
    """As the credited invoice: the chart its journal posts to."""

    @model_validator(mode="after")
    def _sums(self) -> CreditNoteDraft:
        net = sum((line.net_amount for line in self.lines), ZERO)
        tax = sum((line.tax_amount for line in self.lines), ZERO)
        if (net, tax, net + tax) != (self.subtotal, self.tax_total, self.total):
            raise ValueError("credit note lines do not sum to its totals")
        return self


def credit_note_for(
    invoice: InvoiceDraft,
    *,
    issue_date: date,
    reason: str,
    line_ids: Sequence[str] | None = None,
) -> CreditNoteDraft:
    """Credit the chosen lines of ``invoice`` in full (all lines when none are named)."""
    chosen = list(invoice.lines) if line_ids is None else [_find(invoice, i) for i in line_ids]
    if not chosen:
        raise BillingError("a credit note needs at least one line to credit")
    lines = [_credited(line, invoice.prices_include_tax, reason) for line in chosen]
    return _draft(invoice, lines, issue_date=issue_date, reason=reason)


def credit_note_of_amount(
    invoice: InvoiceDraft,
    amount: Decimal,
    *,
    issue_date: date,
    reason: str,
    credited_before: tuple[Decimal, Decimal] = (ZERO, ZERO),
) -> CreditNoteDraft:
    """Credit ``amount`` of ``invoice`` (a partial refund), to the cent.

    The tax share is cumulative: the exact share of the invoice's tax in everything
    credited so far (``credited_before``: amount and tax of earlier credit notes) plus
    this amount, rounded half-up once, less the tax credited before. Each note is so
    within a minor unit of proportional, and however many partials follow, their taxes
    never add up to more than the invoice's (the one that completes it takes exactly the
    rest). The net share is the rest of the amount. Each share is then allocated over the
    lines by their invoiced net and tax (largest remainder), so every revenue account
    gets its proportion and the lines sum exactly to ``amount``.
    """
    amount = _refundable_amount(invoice, to_decimal(amount, "refund amount"))
    currency = invoice.currency
    before_amount, before_tax = credited_before
    share = div(mul(min(before_amount + amount, invoice.total), invoice.tax_total), invoice.total)
    cumulative = round_amount(share, currency, RoundingMode.HALF_UP)
    tax = max(min(cumulative - before_tax, amount, invoice.tax_total - before_tax), ZERO)
    nets = allocate(amount - tax, [line.net_amount for line in invoice.lines], currency)
    taxes = allocate(tax, [line.tax_amount for line in invoice.lines], currency)
    lines = [
        _part(line, net, line_tax, invoice.prices_include_tax, reason)
        for line, net, line_tax in zip(invoice.lines, nets, taxes, strict=True)
        if net or line_tax
    ]
    return _draft(invoice, lines, issue_date=issue_date, reason=reason)


def _refundable_amount(invoice: InvoiceDraft, amount: Decimal) -> Decimal:
    unit = quantum(invoice.currency)
    if amount != amount.quantize(unit):
        raise BillingError(
            f"refund amount {plain(amount)} is not a whole number of {invoice.currency} "
            f"minor units ({unit}); round it and ask again"
        )
    if not ZERO < amount <= invoice.total:
        raise BillingError(
            f"refund amount {plain(amount)} {invoice.currency} must be more than zero and at "
            f"most the invoice total {plain(invoice.total)}"
        )
    return amount.quantize(unit)


def _draft(
    invoice: InvoiceDraft, lines: list[InvoiceLine], *, issue_date: date, reason: str
) -> CreditNoteDraft:
    subtotal = sum((line.net_amount for line in lines), ZERO)
    tax_total = sum((line.tax_amount for line in lines), ZERO)
    return CreditNoteDraft(
        deal_id=invoice.deal_id,
        currency=invoice.currency,
        snapshot_hash=invoice.snapshot_hash,
        issue_date=issue_date,
        reason=reason,
        lines=lines,
        subtotal=subtotal,
        tax_total=tax_total,
        total=subtotal + tax_total,
        prices_include_tax=invoice.prices_include_tax,
        accounts=invoice.accounts,
    )


def _find(invoice: InvoiceDraft, line_id: str) -> InvoiceLine:
    for line in invoice.lines:
        if line.line_id == line_id:
            return line
    raise BillingError(f"invoice for deal {invoice.deal_id} has no line {line_id!r}")


def _credited(line: InvoiceLine, inclusive: bool, reason: str) -> InvoiceLine:
    shown = line.net_amount + line.tax_amount if inclusive else line.net_amount
    return line.model_copy(
        update={
            "quantity": Decimal(1),
            "unit_price": shown,
            "discount_percent": ZERO,
            "explanation": f"credit of invoice line {line.line_id} ({reason}): "
            f"{line.net_amount} net + {line.tax_amount} tax, as invoiced",
        }
    )


def _part(
    line: InvoiceLine, net: Decimal, tax: Decimal, inclusive: bool, reason: str
) -> InvoiceLine:
    return line.model_copy(
        update={
            "quantity": Decimal(1),
            "unit_price": net + tax if inclusive else net,
            "discount_percent": ZERO,
            "net_amount": net,
            "tax_amount": tax,
            "gross_amount": net + tax,
            "explanation": f"part credit of invoice line {line.line_id} ({reason}): "
            f"{net} net + {tax} tax of the {line.net_amount} + {line.tax_amount} invoiced, "
            "in the invoice's proportions",
        }
    )


def credit_note_entry(note: CreditNoteDraft, *, key: str) -> JournalEntry:
    """Dr each line's revenue account and tax payable; Cr receivable: the invoice reversed."""
    accounts = note.accounts
    signed: list[tuple[str, Decimal, str]] = []
    for account in dict.fromkeys(line.revenue_account for line in note.lines):
        net = sum((li.net_amount for li in note.lines if li.revenue_account == account), ZERO)
        signed.append((account, net, "credit note"))
    signed.append((accounts.tax_payable, note.tax_total, "tax credited"))
    signed.append((accounts.receivable, -note.total, "credit note total"))
    return signed_entry(
        key, note.issue_date, note.currency, f"Credit note for deal {note.deal_id}", signed
    )
