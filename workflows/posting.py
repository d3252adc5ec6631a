"""Pure posting logic of a deal: which journals, and does Xero agree with our numbers."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.models import InvoiceStatus
    from quote2cash.billing.invoice import InvoiceDraft
    from quote2cash.billing.journal import JournalEntry, invoice_entry, payment_entry
    from quote2cash.billing.money import Money


def posting_mismatches(draft: InvoiceDraft, xero: InvoiceStatus) -> list[str]:
    """Differences between the invoice we priced and the one Xero posted; empty if none."""
    problems = []
    if xero.total != draft.total:
        problems.append(f"total: ours {draft.total}, Xero {xero.total}")
    if xero.total_tax != draft.tax_total:
        problems.append(f"tax: ours {draft.tax_total}, Xero {xero.total_tax}")
    paid = sum((p.amount for p in xero.payments), start=draft.total * 0)
    if paid != xero.amount_paid:
        problems.append(f"payments: listed {paid}, Xero's amount paid {xero.amount_paid}")
    return problems


def journal_entries(
    workflow_id: str, draft: InvoiceDraft, xero: InvoiceStatus, n: int = 1
) -> list[JournalEntry]:
    """One entry for invoice ``n``, one per payment; keys are business keys."""
    entries = [invoice_entry(draft, key=f"{workflow_id}:journal:invoice:{n}")]
    for p in xero.payments:
        entries.append(
            payment_entry(
                key=f"{workflow_id}:journal:payment:{p.payment_id}",
                amount=Money(amount=p.amount, currency=draft.currency),
                paid_on=p.paid_on,
                accounts=draft.accounts,
            )
        )
    return entries
