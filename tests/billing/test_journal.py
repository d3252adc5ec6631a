from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from quote2cash.billing.credit_note import credit_note_entry, credit_note_for
from quote2cash.billing.errors import CurrencyMismatchError
from quote2cash.billing.invoice import BillingPeriod, InvoiceDraft, build_invoice
from quote2cash.billing.journal import (
    JournalEntry,
    JournalLine,
    fx_payment_entry,
    invoice_entry,
    overpayment_entry,
    payment_entry,
    refund_entry,
    reversal_entry,
    write_off_entry,
)
from quote2cash.billing.money import Money
from quote2cash.billing.recognition import (
    recognition_entries,
    recognition_schedule,
    schedules_for,
)
from tests.billing.factories import line, snapshot

D = Decimal
DAY = date(2024, 1, 1)


def _lines(entry: JournalEntry) -> dict[str, tuple[Decimal, Decimal]]:
    return {li.account: (li.debit, li.credit) for li in entry.lines}


def _subscription_invoice() -> InvoiceDraft:
    snap = snapshot(lines=[line(unit_price="310.00", recurring="monthly"), line(line_id="L2")])
    period = BillingPeriod(start=DAY, end=date(2024, 2, 1), include_one_time=True)
    return build_invoice(snap, issue_date=DAY, period=period)


def test_unbalanced_entry_cannot_be_constructed() -> None:
    with pytest.raises(ValidationError, match=r"debits 10\.00 != credits 9\.99"):
        JournalEntry(
            key="k",
            entry_date=DAY,
            currency="USD",
            description="broken",
            lines=[
                JournalLine(account="610", debit=D("10.00")),
                JournalLine(account="200", credit=D("9.99")),
            ],
        )


@pytest.mark.parametrize(
    ("debit", "credit", "message"),
    [
        ("1.00", "1.00", "not both or neither"),
        ("0", "0", "not both or neither"),
        ("1.001", "0", "not rounded"),
        ("-1", "0", "negative"),
    ],
)
def test_entry_lines_are_one_sided_positive_and_rounded(
    debit: str, credit: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        JournalEntry(
            key="k",
            entry_date=DAY,
            currency="USD",
            description="x",
            lines=[JournalLine(account="610", debit=D(debit), credit=D(credit))],
        )


def test_invoice_entry_defers_revenue_billed_in_advance() -> None:
    entry = invoice_entry(_subscription_invoice(), key="deal-1:invoice:1")
    assert _lines(entry) == {
        "610": (D("492.00"), D(0)),
        "835": (D(0), D("310.00")),
        "200": (D(0), D("100.00")),
        "820": (D(0), D("82.00")),
    }


def test_payment_with_processor_fee() -> None:
    entry = payment_entry(
        key="p", amount=Money.of("492.00", "GBP"), paid_on=DAY, fee=Money.of("7.18", "GBP")
    )
    assert _lines(entry) == {
        "090": (D("484.82"), D(0)),
        "404": (D("7.18"), D(0)),
        "610": (D(0), D("492.00")),
    }


def test_payment_fee_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatchError):
        payment_entry(key="p", amount=Money.of("10", "GBP"), paid_on=DAY, fee=Money.of("1", "USD"))


def test_credit_note_reverses_the_invoice_to_the_cent() -> None:
    invoice = _subscription_invoice()
    note = credit_note_for(invoice, issue_date=date(2024, 1, 5), reason="cancelled")
    assert note.total == invoice.total
    entry = credit_note_entry(note, key="deal-1:credit:1")
    reversed_invoice = {
        account: (credit, debit)
        for account, (debit, credit) in _lines(invoice_entry(invoice, key="i")).items()
    }
    assert _lines(entry) == reversed_invoice
    assert all(li.discount_percent == 0 for li in note.lines)


def test_reversal_of_a_voided_invoice_mirrors_it_to_the_cent() -> None:
    posted = invoice_entry(_subscription_invoice(), key="deal-1:journal:invoice:1")
    reversal = reversal_entry(posted, key="deal-1:journal:void:1", on=DAY, reason="wrong PO")
    assert _lines(reversal) == {acc: (cr, dr) for acc, (dr, cr) in _lines(posted).items()}
    assert (reversal.entry_date, reversal.currency) == (DAY, posted.currency)


def test_partial_credit_note_and_refund() -> None:
    invoice = _subscription_invoice()
    note = credit_note_for(
        invoice, issue_date=DAY, reason="onboarding not delivered", line_ids=["L2"]
    )
    assert note.total == D("120.00")
    refund = refund_entry(key="r", amount=Money.of(note.total, "GBP"), refunded_on=DAY)
    assert _lines(refund) == {"610": (D("120.00"), D(0)), "090": (D(0), D("120.00"))}


def test_held_cash_says_why_it_is_held() -> None:
    amount = Money.of("12.34", "EUR")
    over = overpayment_entry(key="o", amount=amount, received_on=DAY, memo="paid twice")
    held = overpayment_entry(
        key="h", amount=amount, received_on=DAY, memo="in euros", cash_memo="cash in euros"
    )
    assert [(li.account, li.debit, li.credit) for li in held.lines] == [
        ("090", D("12.34"), D(0)),
        ("CUSTCREDIT", D(0), D("12.34")),
    ]
    assert [li.memo for li in over.lines] == [
        "cash received above the amount due",
        "unapplied customer credit: paid twice",
    ]
    assert [li.memo for li in held.lines] == [
        "cash in euros",
        "unapplied customer credit: in euros",
    ]


def test_write_off() -> None:
    entry = write_off_entry(key="w", amount=Money.of("12.34", "EUR"), written_off_on=DAY)
    assert entry.total == D("12.34")


def test_fx_gain_on_a_foreign_currency_payment() -> None:
    # EUR 1,000 invoiced at 0.85 GBP, paid at 0.87 GBP: 20.00 GBP realised gain.
    entry = fx_payment_entry(
        key="fx",
        amount=Money.of("1000", "EUR"),
        base_currency="GBP",
        booked_rate=D("0.85"),
        settled_rate=D("0.87"),
        paid_on=DAY,
    )
    assert _lines(entry) == {
        "090": (D("870.00"), D(0)),
        "610": (D(0), D("850.00")),
        "498": (D(0), D("20.00")),
    }


def test_fx_loss() -> None:
    entry = fx_payment_entry(
        key="fx",
        amount=Money.of("1000", "EUR"),
        base_currency="GBP",
        booked_rate=D("0.87"),
        settled_rate=D("0.85"),
        paid_on=DAY,
    )
    assert _lines(entry)["498"] == (D("20.00"), D(0))


def test_recognition_straight_line_with_residual_on_the_last_day() -> None:
    schedule = recognition_schedule(Money.of("100.00", "USD"), start=DAY, end=date(2024, 1, 4))
    assert [d.amount for d in schedule.days] == [D("33.33"), D("33.33"), D("33.34")]


def test_recognition_never_overshoots() -> None:
    # 0.15 over 10 days: half-up daily amounts (0.02) would exceed the total.
    schedule = recognition_schedule(Money.of("0.15", "USD"), start=DAY, end=date(2024, 1, 11))
    assert all(d.amount >= 0 for d in schedule.days)
    assert sum(d.amount for d in schedule.days) == D("0.15")


def test_recognition_entries_move_deferred_revenue_by_month() -> None:
    invoice = build_invoice(
        snapshot(lines=[line(unit_price="1200.00", recurring="annual")]),
        issue_date=date(2024, 1, 15),
        period=BillingPeriod(start=date(2024, 1, 15), end=date(2025, 1, 15)),
    )
    entries = recognition_entries(schedules_for(invoice), key_prefix="deal-1:rev")
    assert len(entries) == 13  # Jan 2024 (part) ... Jan 2025 (part)
    assert sum(e.total for e in entries) == D("1200.00")
    assert {li.account for e in entries for li in e.lines} == {"835", "200"}
    assert entries[0].key == "deal-1:rev:2024-01"
    assert entries[0].entry_date == date(2024, 1, 31)
