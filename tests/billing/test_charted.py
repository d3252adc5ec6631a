"""The snapshot's chart reaches every document and journal built from it, and leaves
the snapshot's hash alone (recorded deals were hashed without it)."""

from __future__ import annotations

from datetime import date

from quote2cash.billing.credit_note import credit_note_entry, credit_note_for
from quote2cash.billing.invoice import build_invoice
from quote2cash.billing.journal import JournalEntry, invoice_entry
from quote2cash.chart.presets import US
from tests.billing.factories import line, snapshot

ON = date(2025, 3, 1)


def _accounts(entry: JournalEntry) -> set[str]:
    return {x.account for x in entry.lines}


def test_the_chart_is_outside_the_hash() -> None:
    uk = snapshot(lines=[line()])
    us = uk.model_copy(update={"accounts": US.accounts})
    assert us.content_hash == uk.content_hash
    assert build_invoice(us, issue_date=ON).snapshot_hash == uk.content_hash


def test_invoice_credit_note_and_journals_book_to_the_snapshots_chart() -> None:
    us = snapshot(lines=[line()]).model_copy(update={"accounts": US.accounts})
    invoice = build_invoice(us, issue_date=ON)
    note = credit_note_for(invoice, issue_date=ON, reason="refund")

    assert invoice.accounts == note.accounts == US.accounts
    assert {li.revenue_account for li in invoice.lines} == {"400"}
    assert _accounts(invoice_entry(invoice, key="i")) == {"120", "400", "220"}
    assert _accounts(credit_note_entry(note, key="c")) == {"120", "400", "220"}
