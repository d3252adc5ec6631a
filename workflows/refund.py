"""RefundWorkflow: a paid invoice refunded, in full or in part, as a saga.

Full (``refund:<crm>:<deal>``): read the paid invoice, re-read the deal and prove it is
the snapshot that was invoiced, then credit it — credit note (the invoice itself never
changes), the customer's payments taken off (the money goes back), the credit note
allocated to the invoice — and post the balanced journals.

Partial (``refund:<crm>:<deal>:<refund id>``, when the start names an amount): the same
reads, plus what the invoice's earlier credit notes refunded; an amount above the rest is
refused. Then a credit note of the amount in the invoice's proportions, the cash paid
back as a payment against that credit note, and the journals.

Before any money moves (``refund-reservation``), the refund holds its amount of the
invoice in our database, keyed by its workflow id: refunds started at once take turns
there, and one above what the others hold (a full refund: while any other holds part)
is refused. The Xero-side check of a partial refund stays as a second line.

If a step fails for good, the steps already done are undone in reverse order (payments
restored, credit note voided, the hold given back) and the workflow fails saying what
failed and what was undone. A refund that completes keeps its hold.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.calls import call, post_locally

with workflow.unsafe.imports_passed_through():
    from activities.models import (
        AllocationRequest,
        CashRefundRequest,
        CreditNoteRef,
        CreditNoteRequest,
        InvoiceStatus,
        InvoiceStatusRequest,
        PaymentsRequest,
        Refunded,
        RefundedRequest,
        ReleaseRefund,
        ReserveRefund,
        SnapshotRequest,
        VoidCreditNote,
    )
    from activities.refs import (
        AccountingActivities,
        CrmActivities,
        RefundActivities,
        ReservationActivities,
    )
    from quote2cash.billing.credit_note import (
        CreditNoteDraft,
        credit_note_entry,
        credit_note_for,
        credit_note_of_amount,
    )
    from quote2cash.billing.errors import BillingError
    from quote2cash.billing.invoice import InvoiceDraft, build_invoice
    from quote2cash.billing.journal import refund_entry
    from quote2cash.billing.money import Money
    from quote2cash.error_types import REFUND_COMPENSATED, REFUND_REFUSED, SNAPSHOT_CHANGED
    from quote2cash.messages import QUERY_REFUND, REFUND_WORKFLOW, RefundStart, RefundStatus

Undo = Callable[[], Awaitable[None]]
PARTIAL_REFUND = "partial-refund"
RESERVATION = "refund-reservation"


def _refused(failure: BaseException) -> bool:
    return isinstance(failure, ApplicationError) and failure.type == REFUND_REFUSED


@workflow.defn(name=REFUND_WORKFLOW)
class RefundWorkflow:
    def __init__(self) -> None:
        self.status = RefundStatus(workflow_id="")

    @workflow.run
    async def run(self, start: RefundStart) -> RefundStatus:
        self.status.workflow_id = workflow.info().workflow_id
        if start.amount is not None and workflow.patched(PARTIAL_REFUND):
            return await self._partial(start, start.amount)
        invoice = await self._paid_invoice(start)
        note = await self._credit_note(start, invoice)

        async def steps(undo: list[tuple[str, Undo]]) -> None:
            await self._hold(start, invoice, note.total, undo)
            await self._credit(start, invoice, note, undo)

        return await self._saga(start, note, steps)

    async def _partial(self, start: RefundStart, amount: Decimal) -> RefundStatus:
        """Refund ``amount``: a credit note of it, the cash paid back against the note."""
        invoice = await self._paid_invoice(start)
        refunded = await self._check_refundable(start, invoice, amount)
        draft = await self._invoiced(start, invoice)
        try:
            note = credit_note_of_amount(
                draft,
                amount,
                issue_date=workflow.now().date(),
                reason=start.reason,
                credited_before=(refunded.amount, refunded.tax),
            )
        except BillingError as exc:
            raise ApplicationError(str(exc), type=REFUND_REFUSED) from None

        async def steps(undo: list[tuple[str, Undo]]) -> None:
            await self._hold(start, invoice, note.total, undo, cap=invoice.amount_paid)
            ref = await self._create_note(start, invoice, note, undo)
            await self._refund_cash(ref, note)

        return await self._saga(start, note, steps)

    async def _saga(
        self,
        start: RefundStart,
        note: CreditNoteDraft,
        steps: Callable[[list[tuple[str, Undo]]], Awaitable[None]],
    ) -> RefundStatus:
        """Run the steps that move money; if one fails for good (or the refund is
        cancelled), undo the ones done, in reverse; else post the journals."""
        self.status.amount, self.status.currency = str(note.total), note.currency
        undo: list[tuple[str, Undo]] = []
        try:
            await steps(undo)
        except BaseException as failure:  # cancellation too: undo what was done
            if _refused(failure):  # the hold was refused: nothing was done
                raise
            raise await self._compensated(undo) from failure
        await self._post_journals(start, note)
        return self.status

    async def _check_refundable(
        self, start: RefundStart, invoice: InvoiceStatus, amount: Decimal
    ) -> Refunded:
        """Refuse more than the customer paid less what earlier refunds gave back; what
        they gave back (the next credit note's tax continues from theirs)."""
        self.status.step = "read earlier refunds"
        refunded = await call(
            RefundActivities.refunded_so_far,
            RefundedRequest(invoice_number=start.invoice_number),
            f"read the credit notes already issued against {start.invoice_number}",
        )
        rest = min(invoice.amount_paid, invoice.total - refunded.amount)
        self.status.refundable_before = str(rest)
        if amount > rest:
            earlier = ", ".join(refunded.credit_notes) or "none"
            raise ApplicationError(
                f"refund of {amount} exceeds what is still refundable on "
                f"{start.invoice_number}: {rest} of {invoice.total} (refunded already: "
                f"{refunded.amount} on credit notes {earlier}); ask for at most {rest}",
                type=REFUND_REFUSED,
            )
        return refunded

    async def _hold(
        self,
        start: RefundStart,
        invoice: InvoiceStatus,
        amount: Decimal,
        undo: list[tuple[str, Undo]],
        *,
        cap: Decimal | None = None,
    ) -> None:
        """Hold ``amount`` of the invoice in our database before any money moves; all
        holds together stay within ``cap`` (what was paid; the total by default)."""
        if not workflow.patched(RESERVATION):
            return
        self.status.step = "reserve"
        key, run_id = self.status.workflow_id, workflow.info().run_id
        # Registered first: cancelled mid-call, the hold may exist; releasing none is a no-op.
        undo.append(("amount reserved", lambda: self._release(key, run_id, start)))
        try:
            await call(
                ReservationActivities.reserve_refund,
                ReserveRefund(
                    refund_key=key,
                    run_id=run_id,
                    invoice_number=start.invoice_number,
                    amount=amount,
                    invoice_total=invoice.total if cap is None else min(cap, invoice.total),
                ),
                f"hold {amount} of {start.invoice_number} for this refund in our database",
            )
        except ActivityError as exc:
            if isinstance(exc.cause, ApplicationError) and _refused(exc.cause):
                raise ApplicationError(exc.cause.message, type=REFUND_REFUSED) from None
            raise
        self.status.done.append("amount reserved")

    async def _release(self, key: str, run_id: str, start: RefundStart) -> None:
        await call(
            ReservationActivities.release_refund,
            ReleaseRefund(refund_key=key, run_id=run_id),
            f"compensate: give back this refund's hold on {start.invoice_number}",
        )

    async def _refund_cash(self, ref: CreditNoteRef, note: CreditNoteDraft) -> None:
        self.status.step = "refund cash"
        self.status.cash_refund_payment_id = await call(
            RefundActivities.refund_cash,
            CashRefundRequest(
                business_key=f"{self.status.workflow_id}:cash",
                credit_note_id=ref.credit_note_id,
                amount=note.total,
                on=note.issue_date,
                reference=f"cash refund on {ref.credit_note_number}",
            ),
            f"pay {note.total} {note.currency} back against credit note {ref.credit_note_number}",
        )
        self.status.done.append("cash refunded")

    async def _compensated(self, undo: list[tuple[str, Undo]]) -> ApplicationError:
        """Undo what was done; the error that says what failed and what was undone."""
        await self._compensate(undo)
        return ApplicationError(
            f"refund failed at {self.status.step}; undone: "
            f"{', '.join(self.status.compensated) or 'nothing'}",
            type=REFUND_COMPENSATED,
        )

    async def _post_journals(self, start: RefundStart, note: CreditNoteDraft) -> None:
        key = self.status.workflow_id
        entries = [
            credit_note_entry(note, key=f"{key}:journal:credit_note"),
            refund_entry(
                key=f"{key}:journal:refund",
                amount=Money(amount=note.total, currency=note.currency),
                refunded_on=note.issue_date,
                accounts=note.accounts,
            ),
        ]
        self.status.step = "post journals"
        await post_locally(
            start.deal_id,
            entries,
            f"post the credit note and refund journals of {note.total} {note.currency}",
        )
        self.status.journal_entries = [e.key for e in entries]
        self.status.step = "refunded"

    async def _paid_invoice(self, start: RefundStart) -> InvoiceStatus:
        self.status.step = "read invoice"
        invoice = await call(
            AccountingActivities.invoice_status,
            InvoiceStatusRequest(invoice_id=start.invoice_id),
            f"read invoice {start.invoice_number} and its payments from Xero",
        )
        if invoice.status != "PAID":
            raise ApplicationError(
                f"invoice {start.invoice_number} is {invoice.status}, not PAID: nothing to refund",
                type=REFUND_REFUSED,
            )
        return invoice

    async def _credit_note(self, start: RefundStart, invoice: InvoiceStatus) -> CreditNoteDraft:
        """The credit note of the invoiced snapshot, line for line, to the cent."""
        draft = await self._invoiced(start, invoice)
        return credit_note_for(draft, issue_date=draft.issue_date, reason=start.reason)

    async def _invoiced(self, start: RefundStart, invoice: InvoiceStatus) -> InvoiceDraft:
        """The invoice rebuilt from the deal's frozen snapshot, dated today."""
        self.status.step = "re-read deal"
        snapshot = await call(
            CrmActivities.fetch_snapshot,
            SnapshotRequest(crm=start.crm, deal_id=start.deal_id),
            f"re-read deal {start.deal_id} to credit exactly what was invoiced",
        )
        if snapshot.content_hash != start.snapshot_hash:
            raise ApplicationError(
                f"deal {start.deal_id} changed in the CRM since it was invoiced; credit the "
                "invoice's lines by hand (runbook)",
                type=SNAPSHOT_CHANGED,
            )
        draft = build_invoice(snapshot, issue_date=workflow.now().date())
        if draft.total != invoice.total:
            raise ApplicationError(
                f"the deal's snapshot prices to {draft.total}, not the invoice total "
                f"{invoice.total}",
                type=SNAPSHOT_CHANGED,
            )
        return draft

    async def _credit(
        self,
        start: RefundStart,
        invoice: InvoiceStatus,
        note: CreditNoteDraft,
        undo: list[tuple[str, Undo]],
    ) -> None:
        key = self.status.workflow_id
        ref = await self._create_note(start, invoice, note, undo)
        self.status.step = "take payments off"
        payments = PaymentsRequest(
            business_key=f"{key}:payments", invoice_id=invoice.invoice_id, payments=invoice.payments
        )
        await call(
            RefundActivities.remove_payments,
            payments,
            f"remove {len(invoice.payments)} payment(s) from {start.invoice_number}: money back",
        )
        self._done("payments removed", undo, lambda: self._restore(payments))
        self.status.step = "allocate credit note"
        await call(
            RefundActivities.allocate_credit_note,
            AllocationRequest(
                business_key=f"{key}:allocation",
                credit_note_id=ref.credit_note_id,
                invoice_id=invoice.invoice_id,
                amount=note.total,
                on=note.issue_date,
            ),
            f"allocate credit note {ref.credit_note_number} to {start.invoice_number}",
        )
        self.status.done.append("credit note allocated")

    async def _create_note(
        self,
        start: RefundStart,
        invoice: InvoiceStatus,
        note: CreditNoteDraft,
        undo: list[tuple[str, Undo]],
    ) -> CreditNoteRef:
        self.status.step = "create credit note"
        ref = await call(
            RefundActivities.create_credit_note,
            CreditNoteRequest(
                business_key=f"{self.status.workflow_id}:credit_note",
                contact_id=invoice.contact_id,
                invoice_number=start.invoice_number,
                note=note,
            ),
            f"create a credit note of {note.total} {note.currency} for {start.invoice_number}",
        )
        self.status.credit_note_number = ref.credit_note_number
        self._done("credit note", undo, lambda: self._void(ref.credit_note_id))
        return ref

    def _done(self, what: str, undo: list[tuple[str, Undo]], compensation: Undo) -> None:
        self.status.done.append(what)
        undo.append((what, compensation))

    async def _compensate(self, undo: list[tuple[str, Undo]]) -> None:
        for what, compensation in reversed(undo):
            await compensation()
            self.status.compensated.append(what)

    async def _void(self, credit_note_id: str) -> None:
        await call(
            RefundActivities.void_credit_note,
            VoidCreditNote(
                business_key=f"{self.status.workflow_id}:void", credit_note_id=credit_note_id
            ),
            f"compensate: void credit note {self.status.credit_note_number}",
        )

    async def _restore(self, payments: PaymentsRequest) -> None:
        await call(
            RefundActivities.restore_payments,
            payments.model_copy(update={"business_key": f"{self.status.workflow_id}:restore"}),
            f"compensate: record the {len(payments.payments)} removed payment(s) again",
        )

    @workflow.query(name=QUERY_REFUND)
    def refund(self) -> RefundStatus:
        return self.status
