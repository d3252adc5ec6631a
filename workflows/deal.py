"""DealWorkflow: one closed-won deal, from snapshot to a paid invoice posted and written back.

The story, one step each: snapshot → master data → approval (when the policy asks, see
approvals.py) → provisioning → invoice → payment → posting → write-back. Each step that
fails permanently parks the deal (see parking.py). Payments beyond what the invoice
needs, in another currency, after it was paid, or before the deal was rejected are held
as credit (overpayment.py).
Money is computed here, deterministically, by the billing core; every side effect is an
activity with a business idempotency key.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.approvals import POLICY, Approvals, approval_reasons
from workflows.calls import call
from workflows.collecting import Collecting
from workflows.corrections import Corrections
from workflows.split import PATCH_SPLIT, Collect, SplitBilling

with workflow.unsafe.imports_passed_through():
    from activities.models import (
        CustomerRef,
        CustomerRequest,
        InvoiceRef,
        InvoiceRequest,
        InvoiceStatus,
        SnapshotRequest,
        WriteBackRequest,
    )
    from activities.refs import AccountingActivities, CrmActivities
    from quote2cash.billing.invoice import InvoiceDraft, build_invoice
    from quote2cash.billing.snapshot import QuoteSnapshot
    from quote2cash.connect.hubspot_contract import (
        AMOUNT_PAID,
        INVOICE_NUMBER,
        INVOICE_STATUS,
        WRITTEN_OFF,
    )
    from quote2cash.error_types import PROVISIONING_OVERDUE
    from quote2cash.messages import (
        DEAL_WORKFLOW,
        QUERY_STAGE,
        SIGNAL_INVOICE_CHANGED,
        SIGNAL_PAYMENT,
        SIGNAL_PROVISIONING,
        SIGNAL_SHIPMENT,
        UPDATE_CORRECT,
        UPDATE_RETRY,
        ApprovalDecision,
        Correction,
        DealStart,
        DealStatus,
        InvoiceChanged,
        InvoicePart,
        PaymentReceived,
        ProvisioningConfirmed,
        RetryRequest,
        ShipmentConfirmed,
        Stage,
    )
    from quote2cash.search_attributes import (
        SA_AMOUNT,
        SA_CURRENCY,
        SA_CUSTOMER_ID,
        SA_INVOICE_NUMBER,
    )

PROVISIONING_ESCALATION = timedelta(days=7)
# Patches: each guards a change that adds commands, so runs recorded before it replay.
# ``patched`` is called only where the new path is taken, so a plain deal carries no
# marker and keeps its history length.
PATCH_APPROVALS = "approvals"
PATCH_PROVISIONING_OVERDUE = "provisioning-overdue-parks"
PATCH_LOCAL_READS = "invoice-reads-local"


@workflow.defn(name=DEAL_WORKFLOW)
class DealWorkflow(SplitBilling, Corrections, Approvals, Collecting):
    def __init__(self) -> None:
        self.status = DealStatus(workflow_id="", deal_id="", stage=Stage.RECEIVED)
        self._provisioned: ProvisioningConfirmed | None = None
        self._invoice_events: list[InvoiceChanged] = []
        self._seen: set[str] = set()
        self._shipments: list[ShipmentConfirmed] = []
        self._shipment_ids: set[str] = set()
        self._received: list[PaymentReceived] = []
        self._received_ids: set[str] = set()
        self._credits: list[tuple[PaymentReceived, Decimal]] = []
        self._held: list[PaymentReceived] = []
        self._correction: Correction | None = None
        self._contact_id = ""
        self._crm = ""

    @workflow.run
    async def run(self, start: DealStart) -> DealStatus:
        status = await self._story(start)
        # An Update accepted during the last steps must get its answer before the run
        # ends: one still waiting for the payment loop is answered with why it was not
        # carried out, then every handler is let finish.
        self.settle_correction()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return status

    async def _story(self, start: DealStart) -> DealStatus:
        self.status.workflow_id = workflow.info().workflow_id
        self.status.deal_id = start.deal_id
        snapshot, customer = await self._snapshot_and_customer(start)
        self.accounts = snapshot.accounts
        self.status.customer_id = customer.customer_key
        self.search_later(SA_CUSTOMER_ID.value_set(customer.customer_key))
        priced = build_invoice(snapshot, issue_date=workflow.now().date())
        reasons = approval_reasons(POLICY, snapshot, priced.total)
        needs_approval = bool(reasons) and workflow.patched(PATCH_APPROVALS)
        if needs_approval and not await self.await_approval(snapshot, reasons):
            await self.hold_after_rejection(snapshot.currency, self._post_journals)
            self.set_stage(Stage.REJECTED)
            return self.status
        if snapshot.billing_schedule and workflow.patched(PATCH_SPLIT):
            await self.bill_in_parts(snapshot, customer.accounting_contact_id)
            self.set_stage(Stage.COMPLETED)
            return self.status
        await self._await_provisioning()
        draft = build_invoice(snapshot, issue_date=workflow.now().date())
        self._crm, self._contact_id = start.crm, customer.accounting_contact_id
        invoice = await self._invoice(draft, customer.accounting_contact_id)
        self._current = draft
        paid = await self.await_payment(invoice.invoice_id, draft.due_date)
        # A correction may have voided the invoice and reissued it under the next number.
        await self._post([(len(self.status.invoices), self._current, paid)])
        await self._write_back(start.deal_id, self.status.invoice_number, paid)
        await self.hold_after_paid(self._post_journals)
        self.set_stage(Stage.COMPLETED)
        return self.status

    async def _snapshot_and_customer(self, start: DealStart) -> tuple[QuoteSnapshot, CustomerRef]:
        """Freeze the deal, then make sure its customer exists in accounting.

        Bad customer data is fixed in the CRM, so a retry after a master-data failure
        reads the deal again: the snapshot is final only once the invoice is built.
        """
        while True:
            snapshot = await self.step(
                Stage.SNAPSHOT,
                lambda: call(
                    CrmActivities.fetch_snapshot,
                    SnapshotRequest(crm=start.crm, deal_id=start.deal_id),
                    f"read deal {start.deal_id} and its line items from the CRM",
                ),
            )
            self.status.snapshot_hash = snapshot.content_hash
            self.set_stage(Stage.MASTER_DATA)
            try:
                customer = await call(
                    AccountingActivities.ensure_customer,
                    CustomerRequest(deal_id=start.deal_id, bill_to=snapshot.bill_to),
                    f"find or create customer {snapshot.bill_to.customer_key} in Xero",
                )
            except ActivityError as err:
                await self.park(Stage.MASTER_DATA, err)
                continue
            return snapshot, customer

    async def _await_provisioning(self, collect: Collect | None = None) -> None:
        """Wait for the provisioning confirmation; past 7 days, park as overdue and wait on.

        ``collect`` waits in place of a plain wait: a deal billed in parts collects the
        parts it has invoiced while it waits for delivery (split.py).
        """
        self.set_stage(Stage.PROVISIONING)
        if await self._provisioned_within(PROVISIONING_ESCALATION, collect):
            return
        if workflow.patched(PATCH_PROVISIONING_OVERDUE):
            # Parks again when work done meanwhile parked the deal for its own failure.
            while self._provisioned is None:
                await self.wait_parked(
                    Stage.PROVISIONING,
                    PROVISIONING_OVERDUE,
                    f"provisioning not confirmed within {PROVISIONING_ESCALATION.days} days; "
                    "check the tenant, then confirm through POST /provisioning/confirm",
                    lambda: self._provisioned is not None,
                    retryable=False,
                    meanwhile=None if collect is None else (lambda done: collect(done, None)),
                )
        else:
            workflow.logger.warning("provisioning overdue; still waiting")
            await workflow.wait_condition(lambda: self._provisioned is not None)

    async def _provisioned_within(self, escalation: timedelta, collect: Collect | None) -> bool:
        """Whether provisioning was confirmed before ``escalation`` passed."""

        def provisioned() -> bool:
            return self._provisioned is not None

        if collect is not None:
            return await collect(provisioned, escalation)
        try:
            await workflow.wait_condition(
                provisioned,
                timeout=escalation,
                timeout_summary="escalate if provisioning is not confirmed within 7 days",
            )
        except TimeoutError:
            return False
        return True

    async def _invoice(self, draft: InvoiceDraft, contact_id: str, n: int = 1) -> InvoiceRef:
        wf_id = self.status.workflow_id
        which = "the invoice" if n == 1 and not self.status.billing_schedule else f"invoice {n}"
        ref = await self.step(
            Stage.INVOICING,
            lambda: call(
                AccountingActivities.create_invoice,
                InvoiceRequest(
                    workflow_id=wf_id,
                    business_key=f"{wf_id}:invoice:{n}",
                    contact_id=contact_id,
                    invoice=draft,
                ),
                f"create {which} of {draft.total} {draft.currency} in Xero",
            ),
        )
        self.status.invoices.append(
            InvoicePart(
                number=ref.invoice_number,
                invoice_id=ref.invoice_id,
                total=str(ref.total),
                status=ref.status,
                amount_due=str(ref.total),
            )
        )
        if n > 1:
            return ref
        self.status.invoice_id = ref.invoice_id
        self.status.invoice_number = ref.invoice_number
        self.status.amount = str(ref.total)
        self.status.currency = ref.currency
        self.search_later(
            SA_INVOICE_NUMBER.value_set(ref.invoice_number),
            SA_AMOUNT.value_set(float(ref.total)),
            SA_CURRENCY.value_set(ref.currency),
        )
        return ref

    def _correction_due(self) -> bool:
        return self._correction is not None

    async def _correct(self, invoice_id: str, due: date) -> tuple[str, date]:
        self._current, invoice_id = await self.carry_out_correction(self._current, invoice_id)
        return invoice_id, self._current.due_date

    def _reads_locally(self) -> bool:
        return workflow.patched(PATCH_LOCAL_READS)

    async def _write_back(self, deal_id: str, number: str, paid: InvoiceStatus) -> None:
        props = {
            INVOICE_NUMBER.name: number,
            INVOICE_STATUS.name: paid.status,
            AMOUNT_PAID.name: str(paid.amount_paid),
        }
        if self.status.write_off is not None and self._written_off:
            props[WRITTEN_OFF.name] = str(self.status.write_off.amount_due)
        await self.step(
            Stage.WRITE_BACK,
            lambda: call(
                CrmActivities.write_back,
                WriteBackRequest(deal_id=deal_id, properties=props),
                f"write invoice {number} status {paid.status} back to the CRM deal",
            ),
        )

    @workflow.signal(name=SIGNAL_PROVISIONING)
    def provisioning_confirmed(self, confirmation: ProvisioningConfirmed) -> None:
        if self._provisioned is None:
            self._provisioned = confirmation

    @workflow.signal(name=SIGNAL_SHIPMENT)
    def shipment_confirmed(self, shipment: ShipmentConfirmed) -> None:
        self.accept_shipment(shipment)

    @workflow.signal(name=SIGNAL_PAYMENT)
    def payment_received(self, payment: PaymentReceived) -> None:
        self.accept_payment(payment)

    @workflow.signal(name=SIGNAL_INVOICE_CHANGED)
    def invoice_changed(self, event: InvoiceChanged) -> None:
        self.accept_invoice_event(event)

    @workflow.query(name=QUERY_STAGE)
    def stage(self) -> DealStatus:
        return self.status

    @workflow.update(name=UPDATE_RETRY)
    def retry(self, request: RetryRequest) -> str:
        return self.accept_retry(request)

    @workflow.update(name=UPDATE_CORRECT)
    async def correct(self, decision: ApprovalDecision) -> str:
        return await self.request_correction(decision)

    @correct.validator
    def _validate_correct(self, decision: ApprovalDecision) -> None:
        self.validate_correction(decision)

    @retry.validator
    def _validate_retry(self, request: RetryRequest) -> None:
        self.validate_retry(request)
