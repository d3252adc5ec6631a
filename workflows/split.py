"""Billing in parts: a deal whose quote declares a billing schedule (``50/50``).

The whole invoice is priced once from the snapshot and split by the billing core; the
first part is invoiced on signature, the rest on delivery (the provisioning
confirmation), each under its own number and business key ``<workflow id>:invoice:<n>``.
With ``per_shipment`` each shipment confirmation (a signal naming the shipped line ids
and quantities) is invoiced as it comes, until every line has shipped; a shipment that
names an unknown line or more than is left is not billed, and says why in the state.
The deal waits until every part is paid, reminding the customer of each part overdue
by its own due date (see dunning.py). It collects the parts invoiced so far already
while it waits for delivery or the next shipment (behind its own patch): on payment
news, and daily while a part is unpaid, the same collect round records received
payments in Xero, reads the unpaid parts and duns them; the provisioning escalation
parks the deal as before, and collecting goes on while it is parked. Once all are
paid it posts every part's invoice and payments in one batch of balanced journals,
then writes all the numbers back to the CRM. Only deals
with a schedule take this path, behind ``workflow.patched``; others are unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from temporalio import workflow

from workflows.parking import Parking

if TYPE_CHECKING:
    from quote2cash.billing.journal import JournalEntry
    from workflows.overpayment import PostJournals

with workflow.unsafe.imports_passed_through():
    from activities.models import InvoiceRef, InvoiceStatus
    from quote2cash.billing.invoice import InvoiceDraft, build_invoice
    from quote2cash.billing.shipments import (
        PER_SHIPMENT,
        shipment_invoice,
        shipment_problems,
        unshipped,
    )
    from quote2cash.billing.snapshot import QuoteSnapshot
    from quote2cash.billing.split import issued_on, parse_schedule, split_invoice
    from quote2cash.messages import (
        InvoiceChanged,
        InvoicePart,
        PaymentReceived,
        ShipmentConfirmed,
        Stage,
    )
    from quote2cash.search_attributes import SA_AMOUNT

PATCH_SPLIT = "split-invoices"
PATCH_COLLECT_WHILE_WAITING = "split-collects-while-waiting"
PAYMENT_POLL = timedelta(days=1)

# Waits until a condition holds, collecting the invoiced parts meanwhile; False if the
# time given (None: no limit) passed first.
Collect = Callable[[Callable[[], bool], timedelta | None], Awaitable[bool]]


def settled(status: InvoiceStatus) -> bool:
    return status.status == "PAID" and status.amount_due == 0


@dataclass
class Billed:
    """The parts invoiced so far, and what Xero said of each when last read."""

    drafts: list[InvoiceDraft] = field(default_factory=list)
    refs: list[InvoiceRef] = field(default_factory=list)
    read: dict[str, InvoiceStatus] = field(default_factory=dict)

    def add(self, draft: InvoiceDraft, ref: InvoiceRef) -> None:
        self.drafts.append(draft)
        self.refs.append(ref)

    def owed(self) -> bool:
        """Whether some part is not known to be paid in full."""
        return not all(
            ref.invoice_id in self.read and settled(self.read[ref.invoice_id]) for ref in self.refs
        )


class SplitBilling(Parking):
    """Mixin of DealWorkflow: invoice, collect and post a deal in parts."""

    _invoice_events: list[InvoiceChanged]
    _shipments: list[ShipmentConfirmed]
    _shipment_ids: set[str]
    _received: list[PaymentReceived]

    if TYPE_CHECKING:  # provided by DealWorkflow

        async def _await_provisioning(self, collect: Collect | None = None) -> None: ...

        async def _invoice(
            self, draft: InvoiceDraft, contact_id: str, n: int = 1
        ) -> InvoiceRef: ...

        async def _read_invoice(self, stage: Stage, invoice_id: str) -> InvoiceStatus: ...

        async def _post(self, billed: list[tuple[int, InvoiceDraft, InvoiceStatus]]) -> None: ...

        async def _write_back(self, deal_id: str, number: str, paid: InvoiceStatus) -> None: ...

        async def apply_received(self, stage: Stage = Stage.AWAITING_PAYMENT) -> None: ...

        async def dun_part(
            self,
            part: InvoicePart,
            due: date,
            invoice: InvoiceStatus,
            stage: Stage = Stage.AWAITING_PAYMENT,
        ) -> None: ...

        async def hold_after_paid(self, post: PostJournals) -> None: ...

        async def _post_journals(self, entries: list[JournalEntry]) -> None: ...

    async def bill_in_parts(self, snapshot: QuoteSnapshot, contact_id: str) -> None:
        self.status.billing_schedule = snapshot.billing_schedule
        whole = build_invoice(snapshot, issue_date=workflow.now().date())
        billed = Billed()
        # Deals started before it wait for delivery without collecting meanwhile.
        collecting = workflow.patched(PATCH_COLLECT_WHILE_WAITING)
        collect = partial(self._collect_until, billed=billed) if collecting else None
        if snapshot.billing_schedule == PER_SHIPMENT:
            await self._invoice_shipments(whole, contact_id, billed, collect)
        else:
            await self._invoice_schedule(whole, contact_id, billed, collect)
        paid = await self._await_parts_paid(billed)
        parts = billed.drafts
        await self._post([(n, d, p) for n, (d, p) in enumerate(zip(parts, paid, strict=True), 1)])
        numbers = ", ".join(ref.invoice_number for ref in billed.refs)
        total_paid = sum((p.amount_paid for p in paid), start=whole.total * 0)
        self.status.amount_paid = str(total_paid)
        whole_paid = paid[-1].model_copy(update={"amount_paid": total_paid})
        await self._write_back(self.status.deal_id, numbers, whole_paid)
        await self.hold_after_paid(self._post_journals)

    async def _invoice_schedule(
        self, whole: InvoiceDraft, contact_id: str, billed: Billed, collect: Collect | None
    ) -> None:
        """The first part on signature, the others on delivery (provisioning confirmed)."""
        parts = split_invoice(whole, parse_schedule(self.status.billing_schedule))
        billed.add(parts[0], await self._invoice(parts[0], contact_id))
        self._whole_amount(whole)
        await self._await_provisioning(collect)
        for n in range(2, len(parts) + 1):
            part = issued_on(parts[n - 1], workflow.now().date())
            billed.add(part, await self._invoice(part, contact_id, n))

    async def _invoice_shipments(
        self, whole: InvoiceDraft, contact_id: str, billed: Billed, collect: Collect | None
    ) -> None:
        """One invoice per confirmed shipment, until every line has shipped in full."""
        shipped: dict[str, Decimal] = {}
        while unshipped(whole, shipped):
            self.set_stage(Stage.PROVISIONING)
            if collect is not None and billed.refs:
                await collect(lambda: bool(self._shipments), None)
            else:
                await workflow.wait_condition(lambda: bool(self._shipments))
            shipment = self._shipments.pop(0)
            if problems := shipment_problems(whole, shipped, shipment.lines):
                self.status.shipment_problems.append(
                    f"shipment {shipment.shipment_id} not billed: {'; '.join(problems)}"
                )
                continue
            n = len(billed.refs) + 1
            part = shipment_invoice(whole, shipped, shipment.lines, n)
            part = issued_on(part, workflow.now().date())
            for line_id, quantity in shipment.lines.items():
                shipped[line_id] = shipped.get(line_id, Decimal(0)) + quantity
            billed.add(part, await self._invoice(part, contact_id, n))
            self._whole_amount(whole)

    def _whole_amount(self, whole: InvoiceDraft) -> None:
        # The deal's amount is the whole; the first invoice's number stays searchable.
        self.status.amount = str(whole.total)
        self.search_later(SA_AMOUNT.value_set(float(whole.total)))

    def accept_shipment(self, shipment: ShipmentConfirmed) -> None:
        # Delivery is at least once: the same shipment twice is one shipment.
        if shipment.shipment_id not in self._shipment_ids:
            self._shipment_ids.add(shipment.shipment_id)
            self._shipments.append(shipment)

    def _part(self, invoice_id: str) -> InvoicePart:
        return next(p for p in self.status.invoices if p.invoice_id == invoice_id)

    def _payment_news(self) -> bool:
        return bool(self._invoice_events or self._received)

    async def _await_parts_paid(self, billed: Billed) -> list[InvoiceStatus]:
        """Wait until every part is paid in full, collecting on news or daily."""
        while True:
            self.set_stage(Stage.AWAITING_PAYMENT)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    self._payment_news,
                    timeout=PAYMENT_POLL,
                    timeout_summary="read the unpaid invoices if no payment news comes in a day",
                )
            if await self._collect(billed, Stage.AWAITING_PAYMENT):
                return [billed.read[ref.invoice_id] for ref in billed.refs]

    async def _collect_until(
        self, done: Callable[[], bool], within: timedelta | None, *, billed: Billed
    ) -> bool:
        """Wait until ``done()`` for delivery, collecting the parts invoiced so far on
        news or daily; False if ``within`` (None: no limit) passed first."""
        deadline = None if within is None else workflow.now() + within
        while not done():
            # Parts all paid need no daily read: a long wait then costs no events.
            timeout = PAYMENT_POLL if billed.owed() else None
            if deadline is not None:
                left = deadline - workflow.now()
                if left <= timedelta(0):
                    return False
                timeout = left if timeout is None else min(left, timeout)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: done() or self._payment_news(),
                    timeout=timeout,
                    timeout_summary="read the invoiced parts if no payment news comes in a day",
                )
            if not done():
                await self._collect(billed, Stage.PROVISIONING)
        return True

    async def _collect(self, billed: Billed, stage: Stage) -> bool:
        """One collect round: apply the payments received, read each part not yet paid
        and send it the reminder due by its own due date; True once all are paid."""
        self._invoice_events.clear()
        await self.apply_received(stage)
        for draft, ref in zip(billed.drafts, billed.refs, strict=True):
            if ref.invoice_id in billed.read and settled(billed.read[ref.invoice_id]):
                continue
            status = await self._read_invoice(stage, ref.invoice_id)
            billed.read[ref.invoice_id] = status
            if not settled(status):
                await self.dun_part(self._part(ref.invoice_id), draft.due_date, status, stage)
        return not billed.owed()
