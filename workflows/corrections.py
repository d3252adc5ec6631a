"""Void and reissue: the correction of an invoice that is authorised but not yet paid.

An approver asks through the ``correct`` Update (approver role, a reason; the deal's
owner may not). The deal re-reads the deal from the CRM and reissues only if it still
hashes to the invoiced snapshot (a changed sale is an amendment, not a correction),
and only if Xero still shows the invoice AUTHORISED and unpaid. Then it voids the
invoice and creates the reissue from the snapshot under the next number: the voided
number stays used, so numbering stays gapless and the void stays visible. Our ledger
gets the voided invoice's entry and its balanced reversal at once. A refused
correction leaves the invoice as it was and says why.

The Update only hands the request to the payment loop, which wakes for it and does the
work: the loop owns the invoice it waits for, so a reissue cannot race it.
``workflow.patched`` is called only there, so histories without a correction replay.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.calls import call, post_locally
from workflows.parking import Parking

with workflow.unsafe.imports_passed_through():
    from activities.models import (
        InvoiceRef,
        InvoiceStatus,
        SnapshotRequest,
        VoidInvoiceRequest,
    )
    from activities.refs import AccountingActivities, CrmActivities
    from quote2cash.billing.invoice import InvoiceDraft, build_invoice
    from quote2cash.billing.journal import invoice_entry, reversal_entry
    from quote2cash.error_types import CORRECTION_REFUSED
    from quote2cash.messages import (
        ROLE_APPROVER,
        ApprovalDecision,
        Correction,
        PaymentReceived,
        Stage,
    )
    from quote2cash.search_attributes import SA_INVOICE_NUMBER

PATCH_CORRECTIONS = "void-reissue"
PATCH_CORRECTION_OWNER = "void-reissue-owner-check"


class Corrections(Parking):
    """Mixin of DealWorkflow: void the unpaid invoice and reissue it."""

    _correction: Correction | None
    _contact_id: str
    _crm: str
    _received: list[PaymentReceived]

    if TYPE_CHECKING:  # provided by DealWorkflow

        async def _invoice(
            self, draft: InvoiceDraft, contact_id: str, n: int = 1
        ) -> InvoiceRef: ...

        async def _read_invoice(self, stage: Stage, invoice_id: str) -> InvoiceStatus: ...

    def correction_refused(self, decision: ApprovalDecision) -> str | None:
        """Why a correction may not be asked for now, or None when it may."""
        if self.status.stage != Stage.AWAITING_PAYMENT or self.status.billing_schedule:
            return f"no single unpaid invoice to correct (stage: {self.status.stage.value})"
        if self._correction is not None:
            return "a correction is already under way"
        part = self.status.invoices[-1] if self.status.invoices else None
        if part is None or part.status != "AUTHORISED" or self._received:
            return "only an AUTHORISED invoice is voided; correct it with a credit note"
        if Decimal(part.amount_paid or 0):
            return f"{part.amount_paid} is paid on it; correct it with a credit note"
        if ROLE_APPROVER not in decision.roles:
            return f"{decision.actor} does not hold the {ROLE_APPROVER!r} role"
        approval = self.status.approval
        if approval is not None and approval.owner_id == decision.actor:
            return f"{decision.actor} owns this deal and may not correct its invoice"
        if not decision.reason.strip():
            return "a correction needs a reason"
        return None

    def validate_correction(self, decision: ApprovalDecision) -> None:
        problem = self.correction_refused(decision)
        if problem is not None:
            raise ApplicationError(problem, type=CORRECTION_REFUSED)

    async def request_correction(self, decision: ApprovalDecision) -> str:
        """Hand the correction to the deal's main loop; answer once it is done."""
        correction = Correction(requested_by=decision.actor, reason=decision.reason)
        self._correction = correction
        self.status.corrections.append(correction)
        await workflow.wait_condition(lambda: self._correction is None)
        if correction.refused:
            return f"not corrected: {correction.refused}"
        return f"{correction.voided} voided, reissued as {correction.reissued}"

    def settle_correction(self) -> None:
        """Refuse a correction the payment loop never reached: the run is ending (the
        invoice was paid, or the deal moved on), so nothing is voided."""
        if self._correction is None:
            return
        self._correction.refused = (
            f"the deal moved on to {self.status.stage.value} before the correction ran; "
            "a paid invoice is corrected with a credit note (q2c deals refund)"
        )
        self._correction = None

    async def carry_out_correction(
        self, draft: InvoiceDraft, invoice_id: str
    ) -> tuple[InvoiceDraft, str]:
        """Void and reissue; the invoice to wait for next (the same one if refused)."""
        correction = self._correction
        if correction is None:
            return draft, invoice_id
        workflow.patched(PATCH_CORRECTIONS)
        try:
            refused = await self._owner_refuses(correction) or await self._check(invoice_id)
            if refused:
                correction.refused = refused
                return draft, invoice_id
            return await self._void_and_reissue(correction, draft, invoice_id)
        finally:
            self._correction = None

    async def _owner_refuses(self, correction: Correction) -> str:
        """A deal that needed no approval has no known owner when the Update comes: the
        validator cannot refuse the owner, so the main loop reads the owner first."""
        if self.status.approval is not None or not workflow.patched(PATCH_CORRECTION_OWNER):
            return ""
        owner = await self.read_owner(Stage.AWAITING_PAYMENT, "correct its invoice")
        if owner and owner == correction.requested_by:
            return f"{owner} owns this deal and may not correct its invoice"
        return ""

    async def _check(self, invoice_id: str) -> str:
        """Empty when the invoice may be voided and reissued; else why not."""
        status = await self._read_invoice(Stage.AWAITING_PAYMENT, invoice_id)
        if status.status != "AUTHORISED" or status.amount_paid:
            return f"invoice is {status.status} with {status.amount_paid} paid; use a credit note"
        return ""

    async def _void_and_reissue(
        self, correction: Correction, draft: InvoiceDraft, invoice_id: str
    ) -> tuple[InvoiceDraft, str]:
        wf, deal_id, crm = self.status.workflow_id, self.status.deal_id, self._crm
        snapshot = await self.step(
            Stage.AWAITING_PAYMENT,
            lambda: call(
                CrmActivities.fetch_snapshot,
                SnapshotRequest(crm=crm, deal_id=deal_id),
                f"re-read deal {deal_id} to reissue exactly what was invoiced",
            ),
        )
        if snapshot.content_hash != draft.snapshot_hash:
            correction.refused = (
                f"deal {deal_id} changed in the CRM since it was invoiced (snapshot "
                f"{draft.snapshot_hash[:12]} is now {snapshot.content_hash[:12]}): a changed "
                "sale is an amendment, not a correction"
            )
            return draft, invoice_id
        n = len(self.status.invoices)
        voided = self.status.invoices[-1].number
        await self.step(
            Stage.AWAITING_PAYMENT,
            lambda: call(
                AccountingActivities.void_invoice,
                VoidInvoiceRequest(business_key=f"{wf}:void:{n}", invoice_id=invoice_id),
                f"void invoice {voided}: {correction.reason}",
            ),
        )
        self.status.invoices[-1].status = "VOIDED"
        reissue = build_invoice(snapshot, issue_date=workflow.now().date())
        ref = await self._invoice(reissue, self._contact_id, n + 1)
        self.status.invoice_id, self.status.invoice_number = ref.invoice_id, ref.invoice_number
        self.search_later(SA_INVOICE_NUMBER.value_set(ref.invoice_number))
        correction.voided, correction.reissued = voided, ref.invoice_number
        await self._post_reversal(n, draft, correction.reason)
        return reissue, ref.invoice_id

    async def _post_reversal(self, n: int, draft: InvoiceDraft, reason: str) -> None:
        """Post voided invoice ``n`` and its mirror: together they net to nothing."""
        wf = self.status.workflow_id
        posted = invoice_entry(draft, key=f"{wf}:journal:invoice:{n}")
        reversal = reversal_entry(
            posted, key=f"{wf}:journal:void:{n}", on=workflow.now().date(), reason=reason
        )
        deal_id, why = (
            self.status.deal_id,
            f"post voided invoice {n} and its reversal to the ledger",
        )
        await self.step(
            Stage.AWAITING_PAYMENT, lambda: post_locally(deal_id, [posted, reversal], why)
        )
        self.status.journal_entries += [posted.key, reversal.key]
