"""Payments held for review, in the daily reconciliation.

A held payment is not in our ledger and not in Xero: the provider says money arrived,
but it names an invoice that is not its deal's (or none), so it was not posted. Each one
is listed; one above what it could pay is a finding, with the excess as its amount:
above the invoice it names when that is one of ours, else above the live invoices of
the deal it names (in its currency), else the whole payment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from quote2cash.billing.reconcile_model import (
    LIVE,
    ZERO,
    Finding,
    HeldPaymentFact,
    InvoiceFact,
    Kind,
)


def check_held(
    held: Iterable[HeldPaymentFact],
    invoices_of: Mapping[str, Sequence[InvoiceFact]],
    ours: Mapping[str, InvoiceFact],
) -> tuple[list[Finding], list[Finding]]:
    """(findings, pending) of the held payments. ``invoices_of``: a deal workflow's
    invoices; ``ours``: our invoices by Xero id."""
    findings: list[Finding] = []
    pending: list[Finding] = []
    for payment in held:
        payable, against = _payable(payment, invoices_of, ours)
        excess = payment.amount - payable
        keys = {
            "payment_id": payment.payment_id,
            "deal_workflow_id": payment.workflow_id,
            "named_invoice_id": payment.invoice_id,
            "inbox_id": str(payment.inbox_id),
        }
        paid = f"payment {payment.payment_id} of {payment.amount} {payment.currency}"
        if excess > ZERO:
            findings.append(
                Finding(
                    kind=Kind.HELD_ABOVE_INVOICE,
                    currency=payment.currency,
                    amount=excess,
                    explanation=f"{paid} is held for review (it names invoice "
                    f"{payment.invoice_id or 'none'}, not one of "
                    f"{payment.workflow_id or 'any deal'}'s) and exceeds {against} by "
                    f"{excess} {payment.currency}: Xero has no such payment",
                    keys=keys,
                )
            )
        else:
            pending.append(
                Finding(
                    kind=Kind.AWAITING_REVIEW,
                    currency=payment.currency,
                    amount=payment.amount,
                    explanation=f"{paid} is held for review: it names invoice "
                    f"{payment.invoice_id or 'none'}, not one of {payment.workflow_id}'s",
                    keys=keys,
                )
            )
    return findings, pending


def _payable(
    payment: HeldPaymentFact,
    invoices_of: Mapping[str, Sequence[InvoiceFact]],
    ours: Mapping[str, InvoiceFact],
) -> tuple[Decimal, str]:
    named = ours.get(payment.invoice_id)
    if named is not None and named.currency == payment.currency:
        return named.total, f"invoice {named.number}'s {named.total}"
    live = [
        i
        for i in invoices_of.get(payment.workflow_id, ())
        if i.status in LIVE and i.currency == payment.currency
    ]
    total = sum((i.total for i in live), ZERO)
    if not live:
        return ZERO, f"the {ZERO} {payment.currency} invoiced to its deal"
    return total, f"the {total} {payment.currency} invoiced to its deal"
