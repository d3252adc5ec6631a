"""The pure reconciliation: each kind of difference found with its exact amount, and the
per-currency totals explaining every cent of Xero's live invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from quote2cash.billing.reconcile import invoice_place, reconcile, workflow_of_entry
from quote2cash.billing.reconcile_model import (
    CreditNoteFact,
    EntryFact,
    Facts,
    InvoiceFact,
    Kind,
    PaymentFact,
    WonDeal,
)

DAY = date(2026, 11, 27)
WF = "deal:hubspot:7"
D = Decimal


def paid_invoice(total: str = "119.00", wf: str = WF, n: int = 1) -> InvoiceFact:
    key = wf if n == 1 else f"{wf}#invoice:{n}"
    return InvoiceFact(
        invoice_id=f"inv-{wf}-{n}",
        number=f"INV-{n:06d}",
        status="PAID",
        currency="EUR",
        total=D(total),
        amount_paid=D(total),
        payments=(PaymentFact(payment_id=f"pay-{wf}-{n}", amount=D(total)),),
        our_key=key,
    )


def posted(
    total: str = "119.00", wf: str = WF, n: int = 1, paid: str | None = None
) -> list[EntryFact]:
    amount, cash = D(total), D(paid if paid is not None else total)
    return [
        EntryFact(
            key=f"{wf}:journal:invoice:{n}",
            deal_id="7",
            currency="EUR",
            debits=amount,
            credits=amount,
            receivable=amount,
        ),
        EntryFact(
            key=f"{wf}:journal:payment:pay-{wf}-{n}",
            deal_id="7",
            currency="EUR",
            debits=cash,
            credits=cash,
            receivable=-cash,
            cash=cash,
        ),
    ]


def facts(**kw: object) -> Facts:
    return Facts(business_date=DAY, **kw)


def test_a_paid_and_posted_deal_matches_to_the_cent() -> None:
    report = reconcile(
        facts(
            won_deals=(
                WonDeal(deal_id="7", workflow_id=WF, won_on=DAY, amount=D("100"), currency="EUR"),
            ),
            invoices=(paid_invoice(),),
            entries=tuple(posted()),
        )
    )
    assert report.findings == ()
    assert report.matched == 1
    (eur,) = report.totals
    assert (eur.invoiced, eur.matched, eur.pending, eur.mismatched, eur.unexplained) == (
        D("119.00"),
        D("119.00"),
        D(0),
        D(0),
        D(0),
    )


def test_an_open_invoice_without_journals_is_pending_not_a_finding() -> None:
    open_ = paid_invoice().model_copy(
        update={"status": "AUTHORISED", "amount_paid": D(0), "payments": ()}
    )
    report = reconcile(facts(invoices=(open_,)))
    assert report.findings == ()
    assert [p.kind for p in report.pending] == [Kind.AWAITING_PAYMENT]
    assert report.totals[0].pending == D("119.00")


def test_a_payment_added_in_xero_alone_is_cash_we_never_posted() -> None:
    invoice = paid_invoice().model_copy(
        update={
            "amount_paid": D("119.00"),
            "payments": (
                PaymentFact(payment_id=f"pay-{WF}-1", amount=D("100.00")),
                PaymentFact(payment_id="stray", amount=D("19.00")),
            ),
        }
    )
    report = reconcile(facts(invoices=(invoice,), entries=tuple(posted(paid="100.00"))))
    (finding,) = report.findings
    assert finding.kind is Kind.CASH_MISMATCH
    assert finding.amount == D("19.00")
    assert finding.keys["payment_ids"] == "stray"
    assert "stray" in finding.explanation
    assert report.totals[0].mismatched == D("119.00")
    assert report.totals[0].unexplained == D("19.00")


def test_an_invoice_outside_us_is_unknown_with_its_total() -> None:
    stray = InvoiceFact(
        invoice_id="x", number="MAN-1", status="AUTHORISED", currency="USD", total=D("42.42")
    )
    report = reconcile(facts(invoices=(stray,)))
    (finding,) = report.findings
    assert (finding.kind, finding.amount, finding.currency) == (
        Kind.UNKNOWN_INVOICE,
        D("42.42"),
        "USD",
    )
    assert report.totals[0].mismatched == D("42.42")


def test_a_total_that_differs_from_our_receivable_says_by_how_much() -> None:
    report = reconcile(facts(invoices=(paid_invoice("120.00"),), entries=tuple(posted("119.00"))))
    kinds = {f.kind: f.amount for f in report.findings}
    assert kinds[Kind.RECEIVABLE_MISMATCH] == D("1.00")
    assert kinds[Kind.CASH_MISMATCH] == D("1.00")  # Xero also holds 1.00 more cash


def test_a_paid_invoice_never_posted_is_a_finding() -> None:
    report = reconcile(facts(invoices=(paid_invoice(),)))
    (finding,) = report.findings
    assert finding.kind is Kind.INVOICE_NOT_POSTED
    assert finding.amount == D("119.00")


def test_a_voided_invoice_with_its_reversal_matches() -> None:
    voided = paid_invoice().model_copy(
        update={"status": "VOIDED", "amount_paid": D(0), "payments": ()}
    )
    reversal = EntryFact(
        key=f"{WF}:journal:void:1",
        deal_id="7",
        currency="EUR",
        debits=D("119.00"),
        credits=D("119.00"),
        receivable=D("-119.00"),
    )
    report = reconcile(facts(invoices=(voided,), entries=(posted()[0], reversal)))
    assert report.findings == ()
    assert report.totals == ()  # a voided invoice counts nowhere


def test_a_credit_note_with_no_journal_of_ours() -> None:
    note = CreditNoteFact(
        credit_note_id="cn",
        number="CN-1",
        status="AUTHORISED",
        currency="EUR",
        total=D("19.00"),
        reference="refund of INV-000001: goodwill",
    )
    report = reconcile(
        facts(invoices=(paid_invoice(),), credit_notes=(note,), entries=tuple(posted()))
    )
    (finding,) = report.findings
    assert finding.kind is Kind.CREDIT_NOTE_MISMATCH
    assert finding.amount == D("19.00")
    assert "CN-1" in finding.explanation


def test_a_full_refund_matches_deleted_payments_against_our_refund_journal() -> None:
    refunded = paid_invoice().model_copy(update={"payments": ()})
    note = CreditNoteFact(
        credit_note_id="cn",
        number="CN-1",
        status="PAID",
        currency="EUR",
        total=D("119.00"),
        reference="refund of INV-000001: returned",
    )
    ours = [
        *posted(),
        EntryFact(
            key="refund:hubspot:7:journal:credit_note",
            deal_id="7",
            currency="EUR",
            debits=D("119.00"),
            credits=D("119.00"),
            receivable=D("-119.00"),
        ),
        EntryFact(
            key="refund:hubspot:7:journal:refund",
            deal_id="7",
            currency="EUR",
            debits=D("119.00"),
            credits=D("119.00"),
            receivable=D("119.00"),
            cash=D("-119.00"),
        ),
    ]
    report = reconcile(facts(invoices=(refunded,), credit_notes=(note,), entries=tuple(ours)))
    assert report.findings == ()


def test_a_credit_note_refunding_no_invoice_of_ours() -> None:
    note = CreditNoteFact(
        credit_note_id="cn", number="CN-9", status="AUTHORISED", currency="GBP", total=D("5")
    )
    (finding,) = reconcile(facts(credit_notes=(note,))).findings
    assert (finding.kind, finding.amount) == (Kind.CREDIT_NOTE_UNKNOWN, D("5"))


def test_a_won_deal_without_invoice_becomes_a_finding_after_the_grace_days() -> None:
    deal = WonDeal(
        deal_id="9",
        workflow_id="deal:hubspot:9",
        won_on=date(2026, 11, 20),
        amount=D("250.00"),
        currency="EUR",
    )
    late = reconcile(facts(won_deals=(deal,)))
    (finding,) = late.findings
    assert (finding.kind, finding.amount) == (Kind.WON_NOT_INVOICED, D("250.00"))
    assert "7 day(s) ago" in finding.explanation
    fresh = reconcile(facts(won_deals=(deal,), grace_days=10))
    assert fresh.findings == ()
    assert fresh.pending[0].kind is Kind.AWAITING_INVOICE


def test_a_won_deal_no_workflow_started_for_is_a_finding_at_once() -> None:
    """No grace for a deal nothing is billing: its webhook was lost."""
    lost = WonDeal(
        deal_id="11",
        workflow_id="deal:hubspot:11",
        won_on=date(2026, 11, 27),  # today: well within any grace
        amount=D("480.00"),
        currency="GBP",
        started=False,
    )
    report = reconcile(facts(won_deals=(lost,), grace_days=10))
    (finding,) = report.findings
    assert (finding.kind, finding.currency, finding.amount) == (
        Kind.WON_NO_WORKFLOW,
        "GBP",
        D("480.00"),
    )
    assert "webhook never arrived" in finding.explanation
    assert report.pending == ()


def test_an_unbalanced_ledger_is_found_per_currency() -> None:
    bad = EntryFact(
        key="x:journal:invoice:1", deal_id="x", currency="JPY", debits=D("100"), credits=D("99")
    )
    (finding,) = reconcile(facts(entries=(bad,))).findings
    assert (finding.kind, finding.currency, finding.amount) == (Kind.LEDGER_UNBALANCED, "JPY", D(1))


def test_keys_are_read_back_to_their_workflow() -> None:
    assert invoice_place("deal:hubspot:7#invoice:3") == ("deal:hubspot:7", 3)
    assert invoice_place("deal:hubspot:7") == ("deal:hubspot:7", 1)
    assert workflow_of_entry("refund:hubspot:7:r1:journal:refund") == "deal:hubspot:7"
    assert workflow_of_entry("deal:hubspot:7:journal:payment:p") == "deal:hubspot:7"


amounts = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)


Outcome = tuple[Kind | None, str, str, Decimal]
"""What the reconciler must say of one generated deal: (kind, invoice number, workflow id,
amount); kind None for a match."""


@st.composite
def books(draw: st.DrawFn) -> tuple[Facts, list[Outcome], dict[str, Decimal]]:
    """Deals paid and posted, some altered on either side, plus stray invoices; with each
    deal's expected outcome and the expected EUR totals, written from how each deal was
    altered (never by asking the reconciler)."""
    invoices, entries, expected = [], [], []
    sums = dict.fromkeys(("matched", "pending", "mismatched", "unexplained"), D(0))
    for i in range(draw(st.integers(0, 6))):
        wf, total, number = f"deal:hubspot:{i}", draw(amounts), f"INV-{i + 1:06d}"
        state = draw(st.sampled_from(["ok", "open", "unposted", "posted_wrong", "stray"]))
        invoice = paid_invoice(str(total), wf).model_copy(update={"number": number})
        if state == "open":
            invoice = invoice.model_copy(
                update={"status": "AUTHORISED", "payments": (), "amount_paid": D(0)}
            )
        elif state == "stray":
            invoice = invoice.model_copy(update={"our_key": None})
        invoices.append(invoice)
        ours = total
        if state == "posted_wrong":
            ours = draw(amounts.filter(total.__ne__))
        if state in ("ok", "posted_wrong"):
            entries.extend(posted(str(ours), wf))
        outcomes = _outcomes(state, number, wf, total, ours)
        expected.extend(outcomes)
        bucket = {"ok": "matched", "open": "pending"}.get(state, "mismatched")
        sums[bucket] += total
        if bucket == "mismatched":
            sums["unexplained"] += sum((abs(o[3]) for o in outcomes), D(0))
    return facts(invoices=tuple(invoices), entries=tuple(entries)), expected, sums


def _outcomes(state: str, number: str, wf: str, total: Decimal, ours: Decimal) -> list[Outcome]:
    if state == "ok":
        return [(None, number, wf, total)]
    if state == "open":
        return [(Kind.AWAITING_PAYMENT, number, wf, total)]
    if state == "unposted":
        return [(Kind.INVOICE_NOT_POSTED, number, wf, total)]
    if state == "stray":
        return [(Kind.UNKNOWN_INVOICE, number, "", total)]
    # Posted at ``ours`` for both the invoice and its payment: Xero minus our ledger,
    # once on the receivable and once on the cash (the cash one is per deal).
    return [
        (Kind.RECEIVABLE_MISMATCH, number, wf, total - ours),
        (Kind.CASH_MISMATCH, "", wf, total - ours),
    ]


@given(books())
def test_every_cent_of_xero_is_matched_pending_or_explained(
    case: tuple[Facts, list[Outcome], dict[str, Decimal]],
) -> None:
    given_facts, expected, sums = case
    report = reconcile(given_facts)
    said = [
        (f.kind, f.keys.get("invoice", ""), f.keys.get("workflow_id", ""), f.amount)
        for f in report.findings + report.pending
    ]
    assert sorted(said, key=str) == sorted((o for o in expected if o[0]), key=str)
    assert report.matched == sum(1 for o in expected if o[0] is None)
    got = [(t.currency, t.matched, t.pending, t.mismatched, t.unexplained) for t in report.totals]
    want = ("EUR", sums["matched"], sums["pending"], sums["mismatched"], sums["unexplained"])
    assert got == ([want] if given_facts.invoices else [])


def test_a_paid_part_of_a_deal_with_an_open_part_is_pending() -> None:
    first = paid_invoice("60.00", n=1)
    second = paid_invoice("40.00", n=2).model_copy(
        update={"status": "AUTHORISED", "amount_paid": D(0), "payments": ()}
    )
    report = reconcile(facts(invoices=(first, second)))
    assert report.findings == ()
    assert [p.keys["invoice"] for p in report.pending] == [first.number, second.number]
    assert "once INV-000002 is paid too" in report.pending[0].explanation
    assert report.totals[0].pending == D("100.00")


@given(total=amounts, delta=st.decimals(min_value=D("-50.00"), max_value=D("50.00"), places=2))
def test_a_cash_difference_is_found_to_the_cent(total: Decimal, delta: Decimal) -> None:
    """Our payment journal posted ``delta`` less than Xero's payment: found, exactly."""
    ours = total - delta
    assume(ours > 0)
    report = reconcile(
        facts(
            invoices=(paid_invoice(str(total)),), entries=tuple(posted(str(total), paid=str(ours)))
        )
    )
    cash = [f for f in report.findings if f.kind is Kind.CASH_MISMATCH]
    if delta == 0:
        assert report.findings == ()
        assert report.matched == 1
    else:
        assert [f.amount for f in cash] == [delta]
        assert report.totals[0].unexplained == abs(delta)
