"""CollectionWorkflow: one subscription invoice, from created to paid and posted.

SubscriptionWorkflow creates an invoice per period, per upgrade and for the final usage,
and starts one of these for each through an activity (activities/collections.py): a
collection outlives the period's continue-as-new and a cancellation. Its id is the
invoice's business key (``subscription:<id>:period:<n>:<kind>``), which the id map holds
for the invoice, so Xero's INVOICE.UPDATE webhook reaches it through the relay's usual
owner lookup.

It collects exactly as a deal collects its invoice (collecting.py): payment news or a
daily read, received payments recorded in Xero, reminders at the declared days written
back to the subscription's CRM deal, a write-off proposal when long overdue; once paid,
the balanced invoice and payment journals under the keys the reconciliation expects
(``<id>:journal:invoice:1``, ``<id>:journal:payment:<payment id>``), after checking
Xero posted what we priced (parked as ``PostingMismatch`` if not). Then it completes.
"""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow

from workflows.collecting import Collecting

with workflow.unsafe.imports_passed_through():
    from quote2cash.messages import (
        COLLECTION_WORKFLOW,
        QUERY_STAGE,
        SIGNAL_INVOICE_CHANGED,
        SIGNAL_PAYMENT,
        UPDATE_RETRY,
        CollectionStart,
        DealStatus,
        InvoiceChanged,
        InvoicePart,
        PaymentReceived,
        RetryRequest,
        Stage,
    )
    from quote2cash.search_attributes import (
        SA_AMOUNT,
        SA_CURRENCY,
        SA_CUSTOMER_ID,
        SA_INVOICE_NUMBER,
    )


@workflow.defn(name=COLLECTION_WORKFLOW)
class CollectionWorkflow(Collecting):
    def __init__(self) -> None:
        self.status = DealStatus(workflow_id="", deal_id="", stage=Stage.RECEIVED)
        self._invoice_events: list[InvoiceChanged] = []
        self._seen: set[str] = set()
        self._received: list[PaymentReceived] = []
        self._received_ids: set[str] = set()
        self._credits: list[tuple[PaymentReceived, Decimal]] = []
        self._held: list[PaymentReceived] = []

    @workflow.run
    async def run(self, start: CollectionStart) -> DealStatus:
        draft = start.invoice
        self.accounts = draft.accounts
        status = self.status
        status.workflow_id = workflow.info().workflow_id
        status.deal_id, status.customer_id = start.deal_id, start.customer_key
        status.invoice_id, status.invoice_number = start.invoice_id, start.invoice_number
        status.amount, status.currency = str(draft.total), draft.currency
        status.invoices.append(
            InvoicePart(
                number=start.invoice_number,
                invoice_id=start.invoice_id,
                total=str(draft.total),
                status="AUTHORISED",
                amount_due=str(draft.total),
            )
        )
        self.search_later(
            SA_CUSTOMER_ID.value_set(start.customer_key),
            SA_INVOICE_NUMBER.value_set(start.invoice_number),
            SA_AMOUNT.value_set(float(draft.total)),
            SA_CURRENCY.value_set(draft.currency),
        )
        paid = await self.await_payment(start.invoice_id, draft.due_date)
        await self._post([(1, draft, paid)])
        await self.hold_after_paid(self._post_journals)
        self.set_stage(Stage.COMPLETED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status

    @workflow.signal(name=SIGNAL_INVOICE_CHANGED)
    def invoice_changed(self, event: InvoiceChanged) -> None:
        self.accept_invoice_event(event)

    @workflow.signal(name=SIGNAL_PAYMENT)
    def payment_received(self, payment: PaymentReceived) -> None:
        self.accept_payment(payment)

    @workflow.query(name=QUERY_STAGE)
    def stage(self) -> DealStatus:
        return self.status

    @workflow.update(name=UPDATE_RETRY)
    def retry(self, request: RetryRequest) -> str:
        return self.accept_retry(request)

    @retry.validator
    def _validate_retry(self, request: RetryRequest) -> None:
        self.validate_retry(request)
