"""The daily reconciliation, pure: won deals ↔ Xero invoices ↔ payments ↔ our postings,
and payments held for review (reconcile_held.py).

Every live Xero invoice ends up matched, pending (work in flight: awaiting payment, so
not posted yet) or mismatched, and every difference is a ``Finding`` with its exact
amount, a plain explanation and the keys to look at. How our keys tie things together:

- an invoice's id-map key is its deal workflow id (``deal:hubspot:7``), with
  ``#invoice:<n>`` from the second invoice of a deal on;
- its journals are ``<workflow>:journal:invoice:<n>`` (and ``:void:<n>`` if voided);
  cash is ``<workflow>:journal:payment:<payment id>``; a refund's journals are keyed by
  ``refund:<crm>:<deal>[:<refund id>]``, which belongs to ``deal:<crm>:<deal>``;
- a credit note's reference is ``refund of <invoice number>: <reason>``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from quote2cash.billing.reconcile_held import check_held
from quote2cash.billing.reconcile_model import (
    LIVE,
    OPEN,
    ZERO,
    CreditNoteFact,
    CurrencyTotals,
    EntryFact,
    Facts,
    Finding,
    InvoiceFact,
    Kind,
    Report,
)

JOURNAL = ":journal:"
REFUND_PREFIX = "refund of "
UNMIRRORED = (":journal:credit:",)
"""Cash Xero never sees by design: money received above the amount due, held as credit."""
CREDITING = (":journal:credit_note", ":journal:write_off")


def workflow_of_entry(entry_key: str) -> str:
    """The deal workflow a ledger entry belongs to: a refund's belongs to its deal."""
    owner = entry_key.split(JOURNAL, 1)[0]
    if owner.startswith("refund:"):
        parts = owner.split(":")
        if len(parts) >= 3:
            return f"deal:{parts[1]}:{parts[2]}"
    return owner


def invoice_place(our_key: str) -> tuple[str, int]:
    """(workflow id, invoice n) of an id-map key: ``deal:hubspot:7#invoice:2`` -> 2."""
    owner, _, part = our_key.partition("#")
    n = part.removeprefix("invoice:")
    return owner, int(n) if part and n.isdigit() else 1


def invoice_number_of(credit_note: CreditNoteFact) -> str | None:
    """The invoice a credit note refunds, from its reference; None if it names none."""
    ref = credit_note.reference
    if not ref.startswith(REFUND_PREFIX):
        return None
    return ref.removeprefix(REFUND_PREFIX).split(":", 1)[0].strip() or None


@dataclass
class _Deal:
    """One deal workflow's documents on both sides."""

    workflow_id: str
    currency: str
    invoices: list[InvoiceFact] = field(default_factory=list)
    credit_notes: list[CreditNoteFact] = field(default_factory=list)
    entries: list[EntryFact] = field(default_factory=list)


@dataclass
class _Run:
    facts: Facts
    findings: list[Finding] = field(default_factory=list)
    pending: list[Finding] = field(default_factory=list)
    entries: dict[str, EntryFact] = field(default_factory=dict)
    deals: dict[str, _Deal] = field(default_factory=dict)

    def deal(self, workflow_id: str, currency: str) -> _Deal:
        return self.deals.setdefault(workflow_id, _Deal(workflow_id, currency))


def reconcile(facts: Facts) -> Report:
    """Compare the three sides of ``facts.business_date`` and explain every difference."""
    run = _Run(facts, entries={e.key: e for e in facts.entries})
    _group(run)
    for invoice in facts.invoices:
        if invoice.our_key is None:
            _unknown_invoice(run, invoice)
        else:
            _check_invoice(run, invoice)
    for deal in run.deals.values():
        if deal.invoices:
            _check_cash(run, deal)
            _check_credit_notes(run, deal)
    _check_won_deals(run)
    _check_balance(run)
    invoices_of = {w: d.invoices for w, d in run.deals.items()}
    ours = {i.invoice_id: i for i in facts.invoices if i.our_key is not None}
    findings, pending = check_held(facts.held_payments, invoices_of, ours)
    run.findings.extend(findings)
    run.pending.extend(pending)
    return _report(run)


def _group(run: _Run) -> None:
    """Put each known invoice, credit note and ledger entry with its deal workflow."""
    by_number: dict[str, str] = {}
    for invoice in run.facts.invoices:
        if invoice.our_key is not None:
            workflow_id, _ = invoice_place(invoice.our_key)
            run.deal(workflow_id, invoice.currency).invoices.append(invoice)
            by_number[invoice.number] = workflow_id
    for note in run.facts.credit_notes:
        number = invoice_number_of(note)
        owner = by_number.get(number or "")
        if owner is not None:
            run.deals[owner].credit_notes.append(note)
        elif note.status in LIVE:
            run.findings.append(
                Finding(
                    kind=Kind.CREDIT_NOTE_UNKNOWN,
                    currency=note.currency,
                    amount=note.total,
                    explanation=f"credit note {note.number} of {note.total} {note.currency} in "
                    f"Xero refunds no invoice of ours (reference {note.reference!r}); "
                    "nothing of ours posted it",
                    keys={"credit_note_id": note.credit_note_id, "credit_note": note.number},
                )
            )
    for entry in run.facts.entries:
        owner = workflow_of_entry(entry.key)
        if owner in run.deals:
            run.deals[owner].entries.append(entry)


def _unknown_invoice(run: _Run, invoice: InvoiceFact) -> None:
    if invoice.status not in LIVE:
        return
    run.findings.append(
        Finding(
            kind=Kind.UNKNOWN_INVOICE,
            currency=invoice.currency,
            amount=invoice.total,
            explanation=f"invoice {invoice.number} ({invoice.status}, {invoice.total} "
            f"{invoice.currency}, {invoice.amount_paid} paid) is in Xero but not one of ours: "
            "created outside quote2cash, or its id was never recorded",
            keys={"invoice_id": invoice.invoice_id, "invoice": invoice.number},
        )
    )


def _invoice_keys(workflow_id: str, invoice: InvoiceFact) -> dict[str, str]:
    return {"workflow_id": workflow_id, "invoice": invoice.number, "invoice_id": invoice.invoice_id}


def _check_invoice(run: _Run, invoice: InvoiceFact) -> None:
    """Xero's invoice total against the receivable our invoice (and void) journals post."""
    assert invoice.our_key is not None
    workflow_id, n = invoice_place(invoice.our_key)
    keys = _invoice_keys(workflow_id, invoice)
    posted = [
        e
        for e in (
            run.entries.get(f"{workflow_id}{JOURNAL}invoice:{n}"),
            run.entries.get(f"{workflow_id}{JOURNAL}void:{n}"),
        )
        if e is not None
    ]
    expected = invoice.total if invoice.status in LIVE else ZERO
    if not posted:
        waiting = _waiting_reason(run.deals[workflow_id], invoice)
        if waiting:
            run.pending.append(
                Finding(
                    kind=Kind.AWAITING_PAYMENT,
                    currency=invoice.currency,
                    amount=invoice.total,
                    explanation=f"invoice {invoice.number}: {waiting}",
                    keys=keys,
                )
            )
        elif expected:
            _finding(
                run,
                Kind.INVOICE_NOT_POSTED,
                invoice.currency,
                expected,
                f"invoice {invoice.number} is {invoice.status} in Xero for {expected} "
                f"{invoice.currency} ({invoice.amount_paid} paid) but our ledger has no "
                f"journal {workflow_id}{JOURNAL}invoice:{n}",
                keys,
            )
        return
    ours = sum((e.receivable for e in posted), ZERO)
    if ours != expected:
        _finding(
            run,
            Kind.RECEIVABLE_MISMATCH,
            invoice.currency,
            expected - ours,
            f"invoice {invoice.number} is {invoice.status} for {invoice.total} "
            f"{invoice.currency} in Xero (receivable {expected}); our journals "
            f"{', '.join(e.key for e in posted)} post a receivable of {ours}",
            keys,
        )


def _waiting_reason(deal: _Deal, invoice: InvoiceFact) -> str:
    """Why an invoice without journals is work in flight, or "" when it is not.

    A deal posts the journals of all its invoices together once every one is paid, so
    a paid part of a deal whose other parts are still open is not late either."""
    if invoice.status in OPEN:
        return (
            f"open ({invoice.amount_paid} of {invoice.total} paid): journals are posted "
            "once it is paid"
        )
    others_open = [i.number for i in deal.invoices if i.status in OPEN]
    if invoice.status == "PAID" and not deal.entries and others_open:
        return f"paid; the deal posts its journals once {', '.join(others_open)} is paid too"
    return ""


def _check_cash(run: _Run, deal: _Deal) -> None:
    """Cash Xero holds for the deal (payments less refunds) against our cash postings."""
    if not deal.entries:
        return  # nothing posted yet: the invoice check says pending or not posted
    payments = [p for i in deal.invoices if i.status in LIVE for p in i.payments]
    refunded = sum((c.refunded for c in deal.credit_notes if c.status in LIVE), ZERO)
    theirs = sum((p.amount for p in payments), ZERO) - refunded
    mirrored = [e for e in deal.entries if not any(u in e.key for u in UNMIRRORED)]
    ours = sum((e.cash for e in mirrored), ZERO)
    if theirs == ours:
        return
    prefix = f"{deal.workflow_id}{JOURNAL}payment:"
    posted_ids = {e.key.removeprefix(prefix) for e in mirrored if e.key.startswith(prefix)}
    xero_ids = {p.payment_id for p in payments}
    unposted = sorted(xero_ids - posted_ids)
    gone = sorted(posted_ids - xero_ids)
    detail = []
    if unposted:
        detail.append(f"Xero payments with no journal of ours: {', '.join(unposted)}")
    if gone:
        detail.append(f"our payment journals Xero does not list: {', '.join(gone)}")
    keys = {"workflow_id": deal.workflow_id}
    if unposted:
        keys["payment_ids"] = ",".join(unposted)
    _finding(
        run,
        Kind.CASH_MISMATCH,
        deal.currency,
        theirs - ours,
        f"{deal.workflow_id}: Xero holds {theirs} {deal.currency} of cash (payments less "
        f"{refunded} refunded), our ledger posts {ours}"
        + (f"; {'; '.join(detail)}" if detail else ""),
        keys,
    )


def _check_credit_notes(run: _Run, deal: _Deal) -> None:
    """Xero's live credit notes of the deal against our credit-note and write-off journals."""
    live = [c for c in deal.credit_notes if c.status in LIVE]
    theirs = sum((c.total for c in live), ZERO)
    crediting = [e for e in deal.entries if any(k in e.key for k in CREDITING)]
    ours = -sum((e.receivable for e in crediting), ZERO)
    if theirs == ours:
        return
    numbers = ", ".join(c.number for c in live) or "none"
    posted = ", ".join(e.key for e in crediting) or "no journal of ours"
    _finding(
        run,
        Kind.CREDIT_NOTE_MISMATCH,
        deal.currency,
        theirs - ours,
        f"{deal.workflow_id}: credit notes in Xero ({numbers}) total {theirs} "
        f"{deal.currency}; ours ({posted}) credit the receivable {ours}",
        {"workflow_id": deal.workflow_id, "credit_notes": numbers},
    )


def _check_won_deals(run: _Run) -> None:
    invoiced = {w for w, d in run.deals.items() if any(i.status in LIVE for i in d.invoices)}
    for deal in run.facts.won_deals:
        if deal.workflow_id in invoiced:
            continue
        days = (run.facts.business_date - deal.won_on).days
        late = days >= run.facts.grace_days
        amount = deal.amount if deal.amount is not None else ZERO
        text = (
            f"deal {deal.deal_id} was won {days} day(s) ago ({deal.won_on}) for "
            f"{amount} {deal.currency} and has no live invoice in Xero"
        )
        keys = {"deal_id": deal.deal_id, "workflow_id": deal.workflow_id}
        if not deal.started:  # no grace: nothing is on its way to bill it
            text += "; no workflow was ever started for it (its webhook never arrived)"
            _finding(run, Kind.WON_NO_WORKFLOW, deal.currency, amount, text, keys)
        elif late:
            _finding(run, Kind.WON_NOT_INVOICED, deal.currency, amount, text, keys)
        else:
            text += f" yet (grace {run.facts.grace_days} day(s))"
            run.pending.append(
                Finding(
                    kind=Kind.AWAITING_INVOICE,
                    currency=deal.currency,
                    amount=amount,
                    explanation=text,
                    keys=keys,
                )
            )


def _check_balance(run: _Run) -> None:
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for e in run.facts.entries:
        per_currency[e.currency] += e.debits - e.credits
    for currency, off in sorted(per_currency.items()):
        if off:
            _finding(
                run,
                Kind.LEDGER_UNBALANCED,
                currency,
                off,
                f"our ledger's {currency} debits exceed its credits by {off}: "
                "an entry was changed outside the ledger repository",
                {"currency": currency},
            )


def _finding(
    run: _Run, kind: Kind, currency: str, amount: Decimal, text: str, keys: dict[str, str]
) -> None:
    run.findings.append(
        Finding(kind=kind, currency=currency, amount=amount, explanation=text, keys=keys)
    )


def _report(run: _Run) -> Report:
    wrong_ids = {f.keys.get("invoice_id") for f in run.findings} - {None}
    wrong_deals = {f.keys.get("workflow_id") for f in run.findings} - {None}
    waiting = {f.keys.get("invoice_id") for f in run.pending} - {None}
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    matched = 0
    for invoice in run.facts.invoices:
        if invoice.status not in LIVE:
            continue
        owner = invoice_place(invoice.our_key)[0] if invoice.our_key else None
        if invoice.invoice_id in wrong_ids or owner in wrong_deals or owner is None:
            bucket = "mismatched"
        elif invoice.invoice_id in waiting:
            bucket = "pending"
        else:
            bucket = "matched"
            matched += 1
        totals[invoice.currency]["invoiced"] += invoice.total
        totals[invoice.currency][bucket] += invoice.total
    for f in run.findings:
        totals[f.currency]["unexplained"] += abs(f.amount)
    return Report(
        business_date=run.facts.business_date,
        matched=matched,
        findings=tuple(run.findings),
        pending=tuple(run.pending),
        totals=tuple(
            CurrencyTotals(currency=c, **amounts) for c, amounts in _sorted(totals.items())
        ),
    )


def _sorted(
    items: Iterable[tuple[str, dict[str, Decimal]]],
) -> list[tuple[str, dict[str, Decimal]]]:
    return sorted(items, key=lambda item: item[0])
