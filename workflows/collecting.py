"""Collecting one invoice: wait for payment news, read it, dun it, post it once paid.

Shared by DealWorkflow (its single invoice) and CollectionWorkflow (a subscription's
invoice). Each webhook only says "this invoice changed", so the invoice is read; a daily
read covers a webhook that never came and sends the dunning reminders of an overdue
invoice; received payments are recorded in Xero first (overpayment.py); a long overdue
invoice is proposed for write-off (writeoff.py). Once Xero says it is paid in full, our
balanced journals are posted, after checking Xero posted the amounts we priced.

The hooks ``_correction_due``/``_correct`` let a deal void and reissue its invoice in
the same loop (corrections.py); a collection has no corrections.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from temporalio import workflow

from workflows.calls import call, post_locally, read_locally
from workflows.dunning import Dunning
from workflows.overpayment import Overpayments
from workflows.posting import journal_entries, posting_mismatches
from workflows.writeoff import WriteOffs

with workflow.unsafe.imports_passed_through():
    from activities.models import (
        InvoiceStatus,
        InvoiceStatusRequest,
    )
    from activities.refs import AccountingActivities
    from quote2cash.billing.invoice import InvoiceDraft
    from quote2cash.billing.journal import JournalEntry
    from quote2cash.error_types import POSTING_MISMATCH
    from quote2cash.messages import InvoiceChanged, Stage

PAYMENT_POLL = timedelta(days=1)


class Collecting(Overpayments, Dunning, WriteOffs):
    """Mixin: collect and post one invoice at a time (``self.status`` describes it)."""

    _invoice_events: list[InvoiceChanged]
    _seen: set[str]

    def accept_invoice_event(self, event: InvoiceChanged) -> None:
        # Delivery is at least once: the same event twice is one event.
        if event.event_id not in self._seen:
            self._seen.add(event.event_id)
            self._invoice_events.append(event)

    def _correction_due(self) -> bool:
        """Whether a correction waits to be carried out by the payment loop."""
        return False

    async def _correct(self, invoice_id: str, due: date) -> tuple[str, date]:
        """Carry out the waiting correction; the invoice to wait for next, and its due date."""
        return invoice_id, due

    def _reads_locally(self) -> bool:
        """Whether the daily read is a local activity (one marker event)."""
        return True

    async def await_payment(self, invoice_id: str, due: date) -> InvoiceStatus:
        """Wait for the accounting system to say the invoice is paid in full."""
        while True:
            self.set_stage(Stage.AWAITING_PAYMENT)
            # No news for a day: read the invoice anyway, a webhook may have been lost.
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    # A correction is done here, not in its Update: the loop must wake.
                    lambda: (
                        bool(self._invoice_events or self._received)
                        or self._write_off_approved
                        or self._correction_due()
                    ),
                    timeout=PAYMENT_POLL,
                    timeout_summary="read the invoice if no payment news comes within a day",
                )
            self._invoice_events.clear()
            if self._correction_due():
                invoice_id, due = await self._correct(invoice_id, due)
            await self.apply_received()
            status = await self._read_invoice(Stage.AWAITING_PAYMENT, invoice_id)
            if self._write_off_approved and not self._written_off:
                await self.write_off(status)
                status = await self._read_invoice(Stage.AWAITING_PAYMENT, invoice_id)
            if status.status == "PAID" and status.amount_due == 0:
                return status
            await self.dun(due, status)
            await self.propose_write_off(due, status)

    async def _read_invoice(self, stage: Stage, invoice_id: str) -> InvoiceStatus:
        number = next(
            (p.number for p in self.status.invoices if p.invoice_id == invoice_id),
            self.status.invoice_number,
        )
        request = InvoiceStatusRequest(invoice_id=invoice_id)
        summary = f"read invoice {number} and its payments from Xero"
        # The read a waiting invoice repeats daily: as a local activity it costs one event.
        read = read_locally if self._reads_locally() else call
        status = await self.step(
            stage, lambda: read(AccountingActivities.invoice_status, request, summary)
        )
        self.status.amount_paid = str(status.amount_paid)
        for part in self.status.invoices:
            if part.invoice_id == invoice_id:
                part.status, part.amount_paid = status.status, str(status.amount_paid)
                part.amount_due = str(status.amount_due)
        return status

    async def _post(self, billed: list[tuple[int, InvoiceDraft, InvoiceStatus]]) -> None:
        """Record our balanced journals, after checking Xero posted the same amounts.

        Xero posts invoices and payments to its own ledger; ours mirrors them for
        reconciliation, and a mismatch parks the workflow rather than posting a guess.
        """
        entries = []
        for n, draft, paid in billed:
            while problems := posting_mismatches(draft, paid):
                await self.hold(Stage.POSTING, POSTING_MISMATCH, "; ".join(problems))
                paid = await self._read_invoice(Stage.POSTING, paid.invoice_id)
            entries += journal_entries(self.status.workflow_id, draft, paid, n)
        entries += self.write_off_entries(workflow.now().date())
        entries += self.credit_entries()
        await self._post_journals(entries)

    async def _post_journals(self, entries: list[JournalEntry]) -> None:
        deal_id = self.status.deal_id
        await self.step(Stage.POSTING, lambda: post_locally(deal_id, entries))
        self.status.journal_entries += [e.key for e in entries]
