"""Reconciliation activity: gather each side, compare, store the day's report.

The three sides (the CRM's won deals, Xero's invoices and credit notes page by page,
our ledger, id map and payments held for review) can be large, so they never travel
through workflow history: this activity gathers them, compares them with the pure
``billing.reconcile`` and stores the report; only a summary (counts and per-currency
totals) goes back.
Rerunning a business date replaces its report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from temporalio import activity

from activities.deps import Deps
from activities.errors import vendor_errors
from activities.models import ReconcileRequest
from quote2cash.billing.accounts import Accounts
from quote2cash.billing.reconcile import reconcile
from quote2cash.billing.reconcile_model import (
    ZERO,
    CreditNoteFact,
    EntryFact,
    Facts,
    HeldPaymentFact,
    InvoiceFact,
    PaymentFact,
    Report,
    Summary,
    WonDeal,
)
from quote2cash.connectors.errors import RateLimited
from quote2cash.connectors.hubspot import HubSpotFilter
from quote2cash.connectors.xero import XeroCreditNote, XeroInvoice
from quote2cash.messages import deal_workflow_id
from quote2cash.store.db import unit_of_work
from quote2cash.store.held_payments import HeldPaymentRepository
from quote2cash.store.idmap import DEAL_RUN, IdMapRepository
from quote2cash.store.ledger import LedgerRepository, PostedEntry
from quote2cash.store.models import HeldPayment
from quote2cash.store.reconciliation import ReconciliationRepository

CRM = "hubspot"
DEAL_PROPERTIES = ("dealstage", "closedate", "amount", "deal_currency_code")
XERO_PAGE = 100
RATE_LIMIT_PAUSE_S = 1.0
HELD_MAX = 10_000
T = TypeVar("T")


class ReconciliationActivities:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    @activity.defn
    async def reconcile_books(self, request: ReconcileRequest) -> Summary:
        """Gather, compare and store the report of ``request.business_date``."""
        with vendor_errors():
            won = await self._won_deals(request.business_date)
            invoices = await _all_pages(self._deps.xero.invoices_page, "invoices")
            notes = await _all_pages(self._deps.xero.credit_notes_page, "credit notes")
        mapped, entries, held = await asyncio.to_thread(self._ours)
        started = await asyncio.to_thread(self._started)
        facts = Facts(
            business_date=request.business_date,
            won_deals=tuple(
                w.model_copy(update={"started": w.workflow_id in started}) for w in won
            ),
            invoices=tuple(_invoice(i, mapped) for i in invoices if i.type == "ACCREC"),
            credit_notes=tuple(_credit_note(c) for c in notes if c.type == "ACCRECCREDIT"),
            entries=tuple(_entry(e, self._deps.mapping.accounts) for e in entries),
            held_payments=tuple(_held(h) for h in held),
            grace_days=request.grace_days,
        )
        report = reconcile(facts)
        run_id = await asyncio.to_thread(self._save, report)
        return Summary.of(report, run_id)

    async def _won_deals(self, today: date) -> list[WonDeal]:
        stages = self._deps.settings.hubspot_won_stages
        found = await self._deps.hubspot.search_all(
            "deals",
            filter_groups=[
                [HubSpotFilter(property_name="dealstage", operator="IN", values=stages)]
            ],
            properties=DEAL_PROPERTIES,
        )
        activity.heartbeat(f"{len(found)} won deals")
        deals = []
        for d in found:
            props = d.properties
            won_on = _day(props.get("closedate")) or (
                d.created_at.date() if d.created_at else today
            )
            deals.append(
                WonDeal(
                    deal_id=d.id,
                    workflow_id=deal_workflow_id(CRM, d.id),
                    won_on=won_on,
                    amount=_amount(props.get("amount")),
                    currency=props.get("deal_currency_code") or "",
                )
            )
        return deals

    def _ours(self) -> tuple[dict[str, str], list[PostedEntry], list[HeldPayment]]:
        with unit_of_work(self._deps.engine) as session:
            mapped = IdMapRepository(session).mapped("xero", "invoice")
            held = HeldPaymentRepository(session).held(limit=HELD_MAX)
            return mapped, LedgerRepository(session).entries(), held

    def _started(self) -> set[str]:
        """Workflow ids of every deal ever started (the relay records each first start)."""
        with unit_of_work(self._deps.engine) as session:
            return set(IdMapRepository(session).mapped("temporal", DEAL_RUN).values())

    def _save(self, report: Report) -> int:
        with unit_of_work(self._deps.engine) as session:
            return ReconciliationRepository(session).save(report)


async def _all_pages(fetch: Callable[[int], Awaitable[Sequence[T]]], what: str) -> list[T]:
    """Every item of a paged Xero list, page 1 on, until a short page.

    A rate limit waits here (heartbeating) and asks for the same page again: failing the
    activity would start the listing over from page 1, and a large ledger has more pages
    than Xero's per-minute budget."""
    items: list[T] = []
    page = 1
    while True:
        try:
            batch = await fetch(page)
        except RateLimited as exc:
            activity.heartbeat(f"{what}: rate limited at page {page}")
            await asyncio.sleep(exc.retry_after or RATE_LIMIT_PAUSE_S)
            continue
        items.extend(batch)
        activity.heartbeat(f"{what}: page {page}, {len(items)} so far")
        if len(batch) < XERO_PAGE:
            return items
        page += 1


def _invoice(invoice: XeroInvoice, mapped: dict[str, str]) -> InvoiceFact:
    return InvoiceFact(
        invoice_id=invoice.invoice_id,
        number=invoice.invoice_number or invoice.invoice_id,
        status=invoice.status,
        currency=invoice.currency_code or "",
        total=invoice.total,
        amount_paid=invoice.amount_paid,
        payments=tuple(
            PaymentFact(payment_id=p.payment_id, amount=p.amount) for p in invoice.payments
        ),
        our_key=mapped.get(invoice.invoice_id),
    )


def _held(row: HeldPayment) -> HeldPaymentFact:
    assert row.id is not None
    return HeldPaymentFact(
        payment_id=row.payment_id,
        workflow_id=row.workflow_id,
        invoice_id=row.invoice_id,
        amount=row.amount,
        currency=row.currency,
        inbox_id=row.inbox_id,
    )


def _credit_note(note: XeroCreditNote) -> CreditNoteFact:
    return CreditNoteFact(
        credit_note_id=note.credit_note_id,
        number=note.credit_note_number or note.credit_note_id,
        status=note.status,
        currency=note.currency_code or "",
        total=note.total,
        refunds=tuple(PaymentFact(payment_id=p.payment_id, amount=p.amount) for p in note.refunds),
        reference=note.reference or "",
    )


def _entry(entry: PostedEntry, accounts: Accounts) -> EntryFact:
    def on(account: str) -> Decimal:
        return sum((x.debit - x.credit for x in entry.lines if x.account == account), ZERO)

    return EntryFact(
        key=entry.entry_key,
        deal_id=entry.deal_id,
        currency=entry.currency,
        debits=sum((x.debit for x in entry.lines), ZERO),
        credits=sum((x.credit for x in entry.lines), ZERO),
        receivable=on(accounts.receivable),
        cash=on(accounts.cash),
    )


def _day(value: str | None) -> date | None:
    """A HubSpot date(time): ISO 8601, or milliseconds since the epoch."""
    if not value:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, UTC).date()
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def _amount(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None
