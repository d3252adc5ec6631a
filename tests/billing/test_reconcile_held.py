"""Payments held for review in the reconciliation: above what they could pay is a
finding with the excess; otherwise listed as awaiting review, never silent."""

from __future__ import annotations

from decimal import Decimal

from quote2cash.billing.reconcile import reconcile
from quote2cash.billing.reconcile_model import Facts, HeldPaymentFact, Kind
from tests.billing.test_reconcile import DAY, WF, paid_invoice, posted

D = Decimal


def _held(amount: str, invoice_id: str = "not-ours", currency: str = "EUR") -> HeldPaymentFact:
    return HeldPaymentFact(
        payment_id="pi_1",
        workflow_id=WF,
        invoice_id=invoice_id,
        amount=D(amount),
        currency=currency,
        inbox_id=9,
    )


def _facts(*held: HeldPaymentFact) -> Facts:
    return Facts(
        business_date=DAY,
        invoices=(paid_invoice("119.00"),),
        entries=tuple(posted("119.00")),
        held_payments=held,
    )


def test_a_held_payment_above_the_deals_invoice_is_a_finding_of_the_excess() -> None:
    report = reconcile(_facts(_held("10000000000000.00")))
    [finding] = report.findings
    assert finding.kind == Kind.HELD_ABOVE_INVOICE
    assert finding.amount == D("10000000000000.00") - D("119.00")
    assert finding.keys["payment_id"] == "pi_1"
    assert "Xero has no such payment" in finding.explanation
    assert report.matched == 1  # the deal's own invoice still reconciles


def test_a_held_payment_within_the_invoice_is_listed_for_review() -> None:
    report = reconcile(_facts(_held("119.00")))
    assert report.findings == ()
    [review] = report.pending
    assert review.kind == Kind.AWAITING_REVIEW
    assert review.amount == D("119.00")


def test_another_currency_or_no_deal_counts_whole() -> None:
    [finding] = reconcile(_facts(_held("5.00", currency="USD"))).findings
    assert (finding.amount, finding.currency) == (D("5.00"), "USD")
