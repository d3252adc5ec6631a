"""A credit note for an amount (a partial refund): exact to the cent, in the invoice's
proportions of revenue and tax."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quote2cash.billing.credit_note import (
    credit_note_entry,
    credit_note_for,
    credit_note_of_amount,
)
from quote2cash.billing.currency import quantum
from quote2cash.billing.errors import BillingError
from quote2cash.billing.invoice import build_invoice
from quote2cash.billing.journal import refund_entry
from quote2cash.billing.money import Money
from quote2cash.billing.snapshot import QuoteSnapshot
from tests.billing.factories import line, snapshot
from tests.billing.strategies import snapshots

D = Decimal
DAY = date(2024, 1, 1)


def test_a_quarter_of_a_two_line_invoice() -> None:
    invoice = build_invoice(
        snapshot(lines=[line(unit_price="100.00"), line(line_id="L2", unit_price="50.00")]),
        issue_date=DAY,
    )
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        D("150.00"),
        D("30.00"),
        D("180.00"),
    )
    note = credit_note_of_amount(invoice, D("45.00"), issue_date=DAY, reason="late")
    assert (note.subtotal, note.tax_total, note.total) == (D("37.50"), D("7.50"), D("45.00"))
    assert [(li.line_id, li.net_amount, li.tax_amount) for li in note.lines] == [
        ("L1", D("25.00"), D("5.00")),
        ("L2", D("12.50"), D("2.50")),
    ]
    assert all(li.quantity == 1 and li.unit_price == li.net_amount for li in note.lines)
    assert "part credit of invoice line L1 (late)" in note.lines[0].explanation


def test_the_whole_amount_repeats_the_full_credit_note() -> None:
    invoice = build_invoice(
        snapshot(lines=[line(unit_price="19.99"), line(line_id="L2", unit_price="0.07")]),
        issue_date=DAY,
    )
    partial = credit_note_of_amount(invoice, invoice.total, issue_date=DAY, reason="all")
    full = credit_note_for(invoice, issue_date=DAY, reason="all")
    amounts = [(li.net_amount, li.tax_amount) for li in partial.lines]
    assert amounts == [(li.net_amount, li.tax_amount) for li in full.lines]


def test_one_cent_goes_to_a_single_line() -> None:
    invoice = build_invoice(
        snapshot(lines=[line(unit_price="100.00"), line(line_id="L2", unit_price="50.00")]),
        issue_date=DAY,
    )
    note = credit_note_of_amount(invoice, D("0.01"), issue_date=DAY, reason="goodwill")
    assert note.total == D("0.01")
    assert len(note.lines) == 1  # lines credited nothing are left out


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (D("0"), "must be more than zero"),
        (D("-1.00"), "must be more than zero"),
        (D("180.01"), "at most the invoice total 180.00"),
        (D("10.005"), "not a whole number of GBP minor units"),
    ],
)
def test_amounts_outside_the_invoice_are_refused(amount: Decimal, message: str) -> None:
    invoice = build_invoice(
        snapshot(lines=[line(unit_price="100.00"), line(line_id="L2", unit_price="50.00")]),
        issue_date=DAY,
    )
    with pytest.raises(BillingError, match=message):
        credit_note_of_amount(invoice, amount, issue_date=DAY, reason="x")


def test_a_float_amount_is_refused() -> None:
    invoice = build_invoice(snapshot(lines=[line()]), issue_date=DAY)
    with pytest.raises(BillingError, match="is a float"):
        credit_note_of_amount(invoice, 1.5, issue_date=DAY, reason="x")  # type: ignore[arg-type]


@st.composite
def invoices_and_amounts(draw: st.DrawFn) -> tuple[QuoteSnapshot, Decimal]:
    snap = draw(snapshots())
    invoice = build_invoice(snap, issue_date=DAY)
    assume(invoice.total > 0 and all(li.net_amount >= 0 for li in invoice.lines))
    unit = quantum(snap.currency)
    units = int(invoice.total / unit)
    return snap, D(draw(st.integers(1, units))) * unit


@settings(max_examples=300, deadline=None)
@given(case=invoices_and_amounts())
def test_lines_sum_to_the_amount_and_tax_is_proportional(
    case: tuple[QuoteSnapshot, Decimal],
) -> None:
    snap, amount = case
    invoice = build_invoice(snap, issue_date=DAY)
    note = credit_note_of_amount(invoice, amount, issue_date=DAY, reason="property")
    unit = quantum(snap.currency)
    assert sum((li.net_amount + li.tax_amount for li in note.lines), D(0)) == amount
    assert note.total == amount
    assert abs(note.tax_total - amount * invoice.tax_total / invoice.total) <= unit / 2
    for li in note.lines:
        assert li.net_amount == li.net_amount.quantize(unit)
        assert li.tax_amount == li.tax_amount.quantize(unit)
    # Each revenue account gets its share of the net within a minor unit.
    credited = {li.line_id: li.net_amount for li in note.lines}
    for original in invoice.lines:
        if invoice.subtotal:
            share = note.subtotal * original.net_amount / invoice.subtotal
            assert abs(credited.get(original.line_id, D(0)) - share) < unit
    entries = [
        credit_note_entry(note, key="c"),
        refund_entry(key="r", amount=Money(amount=amount, currency=snap.currency), refunded_on=DAY),
    ]
    assert [e.total for e in entries] == [amount, amount]


def _successive(invoice_total: str, parts: list[str]) -> list[Decimal]:
    """The tax of each of several partial refunds of one invoice, each told what the
    ones before it credited."""
    invoice = build_invoice(snapshot(lines=[line(unit_price=invoice_total)]), issue_date=DAY)
    before, taxes = (D(0), D(0)), []
    for part in parts:
        note = credit_note_of_amount(
            invoice, D(part), issue_date=DAY, reason="part", credited_before=before
        )
        assert note.total == D(part)
        taxes.append(note.tax_total)
        before = (before[0] + note.total, before[1] + note.tax_total)
    assert sum(taxes) <= invoice.tax_total
    return taxes


def test_successive_partials_never_credit_more_tax_than_the_invoice() -> None:
    """2.50 net at 20 % is 3.00 with 0.50 tax: three refunds of 1.00 each would round to
    0.17 tax apiece (0.51 in all); cumulative rounding gives 0.17, 0.16, 0.17 = 0.50."""
    assert _successive("2.50", ["1.00", "1.00", "1.00"]) == [D("0.17"), D("0.16"), D("0.17")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=6))
def test_any_split_of_an_invoice_credits_its_tax_exactly(cents: list[int]) -> None:
    invoice = build_invoice(snapshot(lines=[line(unit_price="9.99")]), issue_date=DAY)
    total_cents = int(invoice.total * 100)
    parts = [c for c in cents if c < total_cents]
    assume(parts and sum(parts) < total_cents)
    amounts = [str(D(c) / 100) for c in parts]
    rest = str(invoice.total - sum(D(a) for a in amounts))
    taxes = _successive("9.99", [*amounts, rest])
    assert sum(taxes) == invoice.tax_total  # the one that completes it takes the rest
