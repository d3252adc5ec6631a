"""Credit notes: a finalized invoice never changes; it is corrected by crediting lines.

A credit note repeats the credited lines' net and tax exactly (never recomputes them,
so a full credit always cancels the invoice to the cent). Xero's credit notes carry no
discounts, so each line is shown as quantity 1 at its net (or gross) amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, model_validator

from quote2cash.billing.accounts import DEFAULT_ACCOUNTS, Accounts
from quote2cash.billing.currency import CurrencyCode
from quote2cash.billing.decimals import ZERO, Dec
from quote2cash.billing.errors import BillingError
from quote2cash.billing.invoice import InvoiceDraft, InvoiceLine
from quote2cash.billing.journal import JournalEntry, signed_entry


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


def credit_note_entry(
    note: CreditNoteDraft, *, key: str, accounts: Accounts = DEFAULT_ACCOUNTS
) -> JournalEntry:
    """Dr each line's revenue account and tax payable; Cr receivable: the invoice reversed."""
    signed: list[tuple[str, Decimal, str]] = []
    for account in dict.fromkeys(line.revenue_account for line in note.lines):
        net = sum((li.net_amount for li in note.lines if li.revenue_account == account), ZERO)
        signed.append((account, net, "credit note"))
    signed.append((accounts.tax_payable, note.tax_total, "tax credited"))
    signed.append((accounts.receivable, -note.total, "credit note total"))
    return signed_entry(
        key, note.issue_date, note.currency, f"Credit note for deal {note.deal_id}", signed
    )
