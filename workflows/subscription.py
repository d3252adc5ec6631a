"""SubscriptionWorkflow (``subscription:<id>``): one run per billing period, for years.

Each run: invoice the period (recurring lines in advance, last period's usage in
arrears), wait until the period ends at midnight in the customer's time zone, close
the usage, then continue as new with what the next period needs. History stays the
size of one period however long the subscription lives.

Amendments are Updates that answer with the billing core's prorated delta: an upgrade
applies at once with an invoice for the rest of the period; a downgrade applies at
renewal. A dry run answers the same quote and changes nothing. Cancellation is at the
end of the term, or immediately with a credit note for the unused rest of the period;
the final usage is invoiced then.

Each invoice is collected by its own CollectionWorkflow (collection.py), started by an
activity right after the invoice is created (activities/collections.py says why not a
child): it outlives this run's continue-as-new and a cancellation. The credit note of
an immediate cancellation has its journal posted here, keyed under the invoice it
refers to, so the reconciliation sets the two against each other. Both are behind
their own ``workflow.patched``, called only where an invoice or a credit note was just
created, so runs recorded before them replay.

That credit note is then allocated to the invoice it credits, as much of it as the
invoice still has due: the collection chases only what the customer still owes, and
Xero shows the invoice paid once they pay that. Credit the invoice cannot take (it was
paid already) stays on the note as the customer's credit, shown in the status.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from pydantic import ValidationError
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.calls import call, post_locally
from workflows.parking import Parking

with workflow.unsafe.imports_passed_through():
    from activities.models import (
        AllocationRequest,
        CreditNoteRef,
        CreditNoteRequest,
        InvoiceRef,
        InvoiceRequest,
        InvoiceStatusRequest,
    )
    from activities.refs import AccountingActivities, CollectionActivities, RefundActivities
    from quote2cash.billing.credit_note import CreditNoteDraft, credit_note_entry
    from quote2cash.billing.invoice import InvoiceDraft
    from quote2cash.billing.snapshot import QuoteSnapshot
    from quote2cash.billing.usage import UsageCharge
    from quote2cash.error_types import SUBSCRIPTION_CHANGE_REFUSED
    from quote2cash.messages import (
        QUERY_SUBSCRIPTION,
        SIGNAL_USAGE,
        SUBSCRIPTION_WORKFLOW,
        UPDATE_AMEND,
        UPDATE_CANCEL,
        UPDATE_RETRY,
        AmendmentQuote,
        AmendmentRequest,
        CancelRequest,
        CollectionStart,
        DealStatus,
        RetryRequest,
        Stage,
        SubscriptionStart,
        SubscriptionStatus,
        UsageBatch,
        UsageRecord,
    )
    from quote2cash.search_attributes import (
        SA_AMOUNT,
        SA_CURRENCY,
        SA_CUSTOMER_ID,
        SA_INVOICE_NUMBER,
        SA_STAGE,
    )
    from workflows.subscription_terms import (
        amended,
        cancellation_credit,
        close_usage,
        local_day,
        midnight,
        period,
        period_price,
        quote,
        renewal,
    )

KEEP_INVOICES = 12
PATCH_COLLECTIONS = "subscription-invoices-collected"
PATCH_CREDIT_POSTED = "subscription-credit-posted"
PATCH_CREDIT_ALLOCATED = "subscription-credit-allocated"
OPEN = ("AUTHORISED", "SUBMITTED")
"""Invoice statuses a credit note can be allocated to."""


def refuse(message: str) -> ApplicationError:
    return ApplicationError(message, type=SUBSCRIPTION_CHANGE_REFUSED)


@workflow.defn(name=SUBSCRIPTION_WORKFLOW)
class SubscriptionWorkflow(Parking):
    @workflow.init
    def __init__(self, start: SubscriptionStart) -> None:
        self._start = start
        self._terms = start.terms
        self._snapshot: QuoteSnapshot = start.snapshot
        self._scheduled: QuoteSnapshot | None = start.scheduled
        self._billing = period(start.terms, start.period_index)
        self._events: list[UsageRecord] = list(start.usage_carried)
        self._seen = {e.event_id for e in self._events}
        self._invoices = list(start.invoices)
        self._cancel: CancelRequest | None = None
        self._stop_now = False
        self._credit_notes: list[str] = []
        self._last_key = ""
        """Business key of the newest invoice of this run: a credit note refers to it."""
        self._last_invoice_id = ""
        self._credit_allocated = Decimal(0)
        self._customer_credit = Decimal(0)
        self._amendments = 0
        # Parking's view: a subscription parks like a deal when an invoice cannot be made.
        self.status = DealStatus(
            workflow_id="", deal_id=start.terms.subscription_id, stage=Stage.RECEIVED
        )

    @workflow.run
    async def run(self, start: SubscriptionStart) -> SubscriptionStatus:
        self.status.workflow_id = workflow.info().workflow_id
        draft = renewal(self._snapshot, self._billing, start.charges_due)
        number = await self._invoice(draft, "renewal", f"renewal for {self._span()}")
        workflow.upsert_search_attributes(
            [
                SA_CUSTOMER_ID.value_set(self._snapshot.bill_to.customer_key),
                SA_INVOICE_NUMBER.value_set(number),
                SA_AMOUNT.value_set(float(draft.total)),
                SA_CURRENCY.value_set(draft.currency),
            ]
        )
        tz = self._terms.timezone
        start_at, end_at = midnight(self._billing.start, tz), midnight(self._billing.end, tz)
        period_end = asyncio.ensure_future(
            workflow.sleep(
                max(end_at - workflow.now(), timedelta(0)),
                summary=f"period {start.period_index + 1} ends {self._billing.end} 00:00 {tz}",
            )
        )
        # An immediate cancellation ends the period early: the timer is cancelled.
        await workflow.wait_condition(lambda: period_end.done() or self._stop_now)
        if self._stop_now:
            period_end.cancel()
            end_at = workflow.now()
        await workflow.wait_condition(workflow.all_handlers_finished)
        charges = close_usage(self._terms, self._events, start_at, end_at, start.period_index)
        if self._cancel is not None:
            return await self._close(charges)
        workflow.continue_as_new(
            SubscriptionStart(
                terms=self._terms,
                snapshot=self._scheduled or self._snapshot,
                period_index=start.period_index + 1,
                usage_carried=[e for e in self._events if e.occurred_at >= end_at],
                charges_due=charges,
                invoices=self._invoices[-KEEP_INVOICES:],
            )
        )

    async def _close(self, charges: list[UsageCharge]) -> SubscriptionStatus:
        """After a cancellation: credit the unused time (immediate only), invoice the last
        usage, then stop."""
        if self._stop_now and self._cancel is not None:
            await self._credit_unused(self._cancel)
        if charges:
            final = renewal(
                self._snapshot.model_copy(update={"lines": []}),
                self._billing.model_copy(update={"include_one_time": False}),
                charges,
            )
            await self._invoice(final, "final", "final usage after cancellation")
        workflow.upsert_search_attributes([SA_STAGE.value_set("subscription_cancelled")])
        return self.status_now("cancelled")

    async def _credit_unused(self, request: CancelRequest) -> None:
        today = local_day(workflow.now(), self._terms.timezone)
        note = cancellation_credit(self._snapshot, self._billing, today, request.reason)
        if note is None:
            return
        key = f"{workflow.info().workflow_id}:period:{self._start.period_index}:credit"
        ref = await self.step(
            Stage.INVOICING,
            lambda: call(
                RefundActivities.create_credit_note,
                CreditNoteRequest(
                    business_key=key,
                    contact_id=self._terms.contact_id,
                    invoice_number=self._invoices[-1] if self._invoices else "",
                    note=note,
                ),
                f"credit {note.total} {note.currency} for the unused rest of the period",
            ),
        )
        self._credit_notes.append(ref.credit_note_number)
        if self._last_key and workflow.patched(PATCH_CREDIT_POSTED):
            # Keyed under the credited invoice's key: the reconciliation groups the
            # credit note (reference "refund of <number>") with that invoice.
            entry = credit_note_entry(note, key=f"{self._last_key}:journal:credit_note")
            deal_id = self._snapshot.deal_id
            await self.step(Stage.POSTING, lambda: post_locally(deal_id, [entry]))
        if self._last_invoice_id and workflow.patched(PATCH_CREDIT_ALLOCATED):
            allocated = await self.step(
                Stage.INVOICING, lambda: self._allocate(ref, note, f"{key}:allocation")
            )
            self._credit_allocated += allocated
            self._customer_credit += note.total - allocated

    async def _allocate(self, ref: CreditNoteRef, note: CreditNoteDraft, key: str) -> Decimal:
        """Allocate as much of the credit note as the credited invoice still has due; how
        much. Read again on a retry: a payment may have come in since."""
        invoice_id, number = self._last_invoice_id, self._invoices[-1]
        invoice = await call(
            AccountingActivities.invoice_status,
            InvoiceStatusRequest(invoice_id=invoice_id),
            f"read invoice {number}: how much of credit note {ref.credit_note_number} it takes",
        )
        amount = min(note.total, invoice.amount_due)
        if invoice.status not in OPEN or amount <= 0:
            return Decimal(0)
        await call(
            RefundActivities.allocate_credit_note,
            AllocationRequest(
                business_key=key,
                credit_note_id=ref.credit_note_id,
                invoice_id=invoice_id,
                amount=amount,
                on=note.issue_date,
            ),
            f"allocate {amount} {note.currency} of {ref.credit_note_number} to {number}",
        )
        return amount

    async def _invoice(self, draft: InvoiceDraft, kind: str, why: str) -> str:
        key = f"{workflow.info().workflow_id}:period:{self._start.period_index}:{kind}"
        # The business key is also the id map's key: one subscription has many invoices.
        request = InvoiceRequest(
            workflow_id=key, business_key=key, contact_id=self._terms.contact_id, invoice=draft
        )
        ref = await self.step(
            Stage.INVOICING,
            lambda: call(
                AccountingActivities.create_invoice,
                request,
                f"create the {why} invoice of {draft.total} {draft.currency} in Xero",
            ),
        )
        self._invoices.append(ref.invoice_number)
        self._last_key, self._last_invoice_id = key, ref.invoice_id
        if workflow.patched(PATCH_COLLECTIONS):
            await self._start_collection(key, ref, draft)
        return ref.invoice_number

    async def _start_collection(self, key: str, ref: InvoiceRef, draft: InvoiceDraft) -> None:
        """Hand the invoice to its own CollectionWorkflow, which outlives this run."""
        start = CollectionStart(
            workflow_id=key,
            subscription_id=self._terms.subscription_id,
            deal_id=self._snapshot.deal_id,
            customer_key=self._snapshot.bill_to.customer_key,
            invoice_id=ref.invoice_id,
            invoice_number=ref.invoice_number,
            invoice=draft,
        )
        await self.step(
            Stage.INVOICING,
            lambda: call(
                CollectionActivities.start_collection,
                start,
                f"start collecting invoice {ref.invoice_number} (workflow {key})",
            ),
        )

    def _span(self) -> str:
        return f"{self._billing.start}..{self._billing.end - timedelta(days=1)}"

    def status_now(self, state: str | None = None) -> SubscriptionStatus:
        if state is None:
            state = "cancelling" if self._cancel else "active"
        return SubscriptionStatus(
            subscription_id=self._terms.subscription_id,
            state=state,
            period_index=self._start.period_index,
            period_start=self._billing.start,
            period_end=self._billing.end,
            period_price=period_price(self._snapshot, self._billing).subtotal,
            currency=self._snapshot.currency,
            invoices=self._invoices[-KEEP_INVOICES:],
            usage_events=len(self._events),
            scheduled_change=self._scheduled is not None,
            credit_notes=self._credit_notes,
            credit_allocated=self._credit_allocated,
            customer_credit=self._customer_credit,
            history_length=workflow.info().get_current_history_length(),
        )

    @workflow.signal(name=SIGNAL_USAGE)
    def usage(self, batch: UsageBatch) -> None:
        """Idempotent by event id; events of a closed period are not billed again."""
        opened = midnight(self._billing.start, self._terms.timezone)
        for event in batch.events:
            if event.event_id in self._seen or event.occurred_at < opened:
                continue
            self._seen.add(event.event_id)
            self._events.append(event)

    @workflow.update(name=UPDATE_AMEND)
    async def amend(self, request: AmendmentRequest) -> AmendmentQuote:
        after = amended(self._snapshot, request)
        today = local_day(workflow.now(), self._terms.timezone)
        answer, draft = quote(self._snapshot, after, self._billing, today)
        if request.dry_run:
            return answer
        if draft is None:
            self._scheduled = after
            return answer.model_copy(update={"applied": True})
        self._snapshot = after
        self._amendments += 1
        number = await self._invoice(
            draft, f"amendment:{self._amendments}", f"upgrade ({request.reason})"
        )
        return answer.model_copy(update={"applied": True, "invoice_number": number})

    @amend.validator
    def _validate_amend(self, request: AmendmentRequest) -> None:
        self._check_active(request.requested_by, request.reason)
        if not request.changes:
            raise refuse("an amendment needs at least one line change")
        if self._scheduled is not None and not request.dry_run:
            raise refuse(f"a downgrade is already scheduled for {self._billing.end}")
        try:
            after = amended(self._snapshot, request)
        except KeyError as exc:
            raise refuse(f"no such line: {exc.args[0]}") from None
        except ValidationError as exc:
            raise refuse(f"the amended lines are not valid: {exc.errors()[0]['msg']}") from None
        if after.content_hash == self._snapshot.content_hash:
            raise refuse("the amendment changes nothing")

    @workflow.update(name=UPDATE_CANCEL)
    def cancel(self, request: CancelRequest) -> str:
        self._cancel = request
        if request.when == "immediately":
            self._stop_now = True
            today = local_day(workflow.now(), self._terms.timezone)
            note = cancellation_credit(self._snapshot, self._billing, today, request.reason)
            credit = f"{note.total} {note.currency}" if note else "nothing"
            return f"cancelled today, {today}; credit for the unused period: {credit}"
        return f"cancels at the end of the term, {self._billing.end}; usage is invoiced then"

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        self._check_active(request.requested_by, request.reason)

    def _check_active(self, who: str, reason: str) -> None:
        if self._cancel is not None:
            raise refuse(f"the subscription is cancelled from {self._billing.end}")
        if not who.strip() or not reason.strip():
            raise refuse("say who asks (requested_by) and why (reason)")

    @workflow.query(name=QUERY_SUBSCRIPTION)
    def subscription(self) -> SubscriptionStatus:
        return self.status_now()

    @workflow.update(name=UPDATE_RETRY)
    def retry(self, request: RetryRequest) -> str:
        return self.accept_retry(request)

    @retry.validator
    def _validate_retry(self, request: RetryRequest) -> None:
        self.validate_retry(request)
