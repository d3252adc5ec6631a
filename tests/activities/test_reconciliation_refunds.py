"""Cash refunded against a credit note, as the reconciliation reads it: the credit note's
``Payments``, the only thing Xero sends about it (a credit note has no ``AmountPaid``).

A partial refund leaves the invoice PAID with its payment and issues a credit note whose
credit is paid out as cash: Xero then holds the payment less the refund, and so does
our ledger. Read from anything but the credit note's payments, the refund disappears
and every refunded deal shows a cash finding.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from activities.reconciliation import _credit_note
from quote2cash.billing.reconcile import reconcile
from quote2cash.billing.reconcile_model import CreditNoteFact, EntryFact, Facts, Kind
from quote2cash.connectors.xero_models import XeroCreditNote
from tests.billing.test_reconcile import WF, paid_invoice, posted
from tests.sandbox.xero_spec import schema, undeclared

D = Decimal
REFUND = "refund:hubspot:7:R1"


def _xero_credit_note(**extra: Any) -> dict[str, Any]:
    """A partly refunded credit note as Xero's API sends it: 10.00 of credit, 4.00 paid
    back in cash, 6.00 still to use."""
    return {
        "CreditNoteID": "cn-1",
        "CreditNoteNumber": "CN-0001",
        "Type": "ACCRECCREDIT",
        "Status": "AUTHORISED",
        "Contact": {"ContactID": "c-1", "Name": "Acme"},
        "Reference": "refund of INV-000001: goodwill",
        "CurrencyCode": "EUR",
        "SubTotal": 10.00,
        "TotalTax": 0.00,
        "Total": 10.00,
        "RemainingCredit": 6.00,
        "Payments": [{"PaymentID": "refund-1", "Date": "/Date(1764720000000+0000)/", "Amount": 4}],
        "Allocations": [],
        **extra,
    }


def _ours(refunded: str) -> tuple[EntryFact, ...]:
    """Our journals of a 10.00 credit note on a paid 119.00 invoice, ``refunded`` paid out."""
    cash = D(refunded)
    note = EntryFact(
        key=f"{REFUND}:journal:credit_note",
        deal_id="7",
        currency="EUR",
        debits=D("10.00"),
        credits=D("10.00"),
        receivable=D("-10.00"),
    )
    back = EntryFact(
        key=f"{REFUND}:journal:refund",
        deal_id="7",
        currency="EUR",
        debits=cash,
        credits=cash,
        receivable=cash,
        cash=-cash,
    )
    return (*posted(), note, back)


def _report(note: CreditNoteFact, refunded: str) -> Any:
    facts = Facts(
        business_date=date(2026, 12, 3),
        invoices=(paid_invoice(),),
        credit_notes=(note,),
        entries=_ours(refunded),
    )
    return reconcile(facts)


def test_the_body_is_what_xeros_spec_declares() -> None:
    assert undeclared(schema("CreditNote"), _xero_credit_note()) == []


def test_a_partial_cash_refund_reconciles_from_the_credit_notes_payments() -> None:
    note = _credit_note(XeroCreditNote.model_validate(_xero_credit_note()))
    assert [(p.payment_id, p.amount) for p in note.refunds] == [("refund-1", D(4))]
    report = _report(note, "4.00")
    assert report.findings == ()
    assert report.matched == 1


def test_only_the_payments_count_as_cash_refunded() -> None:
    """Neither an ``AmountPaid`` (which Xero does not send) nor what is left or applied
    says how much cash went back: a note without payments refunded none."""
    decoys = _xero_credit_note(
        AmountPaid=10, Payments=[], RemainingCredit=0, AppliedAmount=10, Status="PAID"
    )
    note = _credit_note(XeroCreditNote.model_validate(decoys))
    assert note.refunds == ()
    (finding,) = _report(note, "4.00").findings
    assert finding.kind is Kind.CASH_MISMATCH
    assert finding.amount == D(4)  # Xero holds 119.00, we paid 4.00 of it back
    assert f"{WF}: Xero holds 119.00 EUR of cash (payments less 0 refunded)" in finding.explanation


def test_a_deleted_refund_payment_is_no_refund() -> None:
    gone = {"PaymentID": "refund-1", "Amount": 4, "Status": "DELETED"}
    note = _credit_note(XeroCreditNote.model_validate(_xero_credit_note(Payments=[gone])))
    assert note.refunds == ()
