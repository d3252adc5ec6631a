"""Write-off: an invoice unpaid a declared time past its due date is proposed for
write-off, and written off only when an approver decides so (an Update, with the same
rules as a deal's approval: the approver role, not the deal's owner, a reason).

The proposal is visible at once (``Q2cAttention = WriteOffProposed``, the deal's
``write_off``) while the deal keeps reading the invoice: a late payment still settles it.
The write-off itself is a credit note for the amount still due, to the bad-debts
account, allocated to the invoice; our ledger gets the write-off journal.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.calls import call
from workflows.parking import Parking

with workflow.unsafe.imports_passed_through():
    from activities.models import (
        AllocationRequest,
        CreditNoteRequest,
        InvoiceStatus,
    )
    from activities.refs import RefundActivities
    from quote2cash.billing.accounts import Accounts
    from quote2cash.billing.credit_note import CreditNoteDraft
    from quote2cash.billing.invoice import InvoiceLine
    from quote2cash.billing.journal import JournalEntry, write_off_entry
    from quote2cash.billing.money import Money
    from quote2cash.error_types import APPROVAL_REFUSED, WRITE_OFF_PROPOSED
    from quote2cash.messages import (
        ROLE_APPROVER,
        UPDATE_WRITE_OFF,
        ApprovalDecision,
        Stage,
        WriteOff,
    )
    from quote2cash.search_attributes import SA_ATTENTION

WRITE_OFF_AFTER = timedelta(days=90)
"""Proposed for write-off this long after the due date."""
PATCH_WRITE_OFF = "write-off"


def write_off_note(
    currency: str, deal_id: str, amount: Decimal, on: date, accounts: Accounts
) -> CreditNoteDraft:
    line = InvoiceLine(
        line_id="write-off",
        description="Bad debt written off",
        quantity=Decimal(1),
        unit_price=amount,
        discount_percent=Decimal(0),
        net_amount=amount,
        tax_rate=Decimal(0),
        tax_amount=Decimal(0),
        tax_treatment="out_of_scope",
        revenue_account=accounts.bad_debts,
        explanation=f"{amount} {currency} still due, written off with approval",
    )
    return CreditNoteDraft(
        deal_id=deal_id,
        currency=currency,
        snapshot_hash="",
        issue_date=on,
        reason="bad debt written off",
        lines=[line],
        subtotal=amount,
        tax_total=Decimal(0),
        total=amount,
        accounts=accounts,
    )


class WriteOffs(Parking):
    """Mixin of DealWorkflow: propose, decide and carry out a write-off."""

    _write_off_approved: bool = False
    _written_off: bool = False

    async def propose_write_off(self, due: date, invoice: InvoiceStatus) -> None:
        if self.status.write_off is not None or workflow.now().date() < due + WRITE_OFF_AFTER:
            return
        if not workflow.patched(PATCH_WRITE_OFF):
            return
        owner = await self.read_owner(Stage.AWAITING_PAYMENT, "approve its write-off")
        self.status.write_off = WriteOff(
            proposed_at=workflow.now(), amount_due=invoice.amount_due, owner_id=owner
        )
        workflow.upsert_search_attributes([SA_ATTENTION.value_set(WRITE_OFF_PROPOSED)])

    async def write_off(self, invoice: InvoiceStatus) -> None:
        """Credit what is still due and allocate it: Xero then shows the invoice settled."""
        proposal = self.status.write_off
        if proposal is None or self._written_off:
            return
        key = f"{self.status.workflow_id}:write_off"
        note = write_off_note(
            self.status.currency,
            self.status.deal_id,
            invoice.amount_due,
            workflow.now().date(),
            self.accounts,
        )
        ref = await self.step(
            Stage.AWAITING_PAYMENT,
            lambda: call(
                RefundActivities.create_credit_note,
                CreditNoteRequest(
                    business_key=key,
                    contact_id=invoice.contact_id,
                    invoice_number=self.status.invoice_number,
                    note=note,
                ),
                f"write off {note.total} {note.currency} of {self.status.invoice_number}",
            ),
        )
        await self.step(
            Stage.AWAITING_PAYMENT,
            lambda: call(
                RefundActivities.allocate_credit_note,
                AllocationRequest(
                    business_key=f"{key}:allocation",
                    credit_note_id=ref.credit_note_id,
                    invoice_id=invoice.invoice_id,
                    amount=note.total,
                    on=note.issue_date,
                ),
                f"allocate write-off {ref.credit_note_number} to {self.status.invoice_number}",
            ),
        )
        proposal.amount_due = note.total
        proposal.credit_note_number = ref.credit_note_number
        self._written_off = True
        workflow.upsert_search_attributes([SA_ATTENTION.value_unset()])

    def write_off_entries(self, on: date) -> list[JournalEntry]:
        proposal = self.status.write_off
        if proposal is None or not self._written_off:
            return []
        amount = Money(amount=proposal.amount_due, currency=self.status.currency)
        key = f"{self.status.workflow_id}:journal:write_off"
        return [write_off_entry(key=key, amount=amount, written_off_on=on, accounts=self.accounts)]

    @workflow.update(name=UPDATE_WRITE_OFF)
    def approve_write_off(self, decision: ApprovalDecision) -> str:
        proposal = self.status.write_off
        if proposal is None:
            raise ApplicationError("no write-off proposed", type=APPROVAL_REFUSED)
        proposal.decided_by, proposal.reason = decision.actor, decision.reason
        self._write_off_approved = True
        return f"write-off of {proposal.amount_due} approved by {decision.actor}"

    @approve_write_off.validator
    def _validate_write_off(self, decision: ApprovalDecision) -> None:
        proposal = self.status.write_off
        problem = None
        if proposal is None or proposal.decided_by:
            problem = "no write-off is waiting for a decision"
        elif ROLE_APPROVER not in decision.roles:
            problem = f"{decision.actor} does not hold the {ROLE_APPROVER!r} role"
        elif proposal.owner_id and decision.actor == proposal.owner_id:
            problem = f"{decision.actor} owns this deal and may not approve its write-off"
        elif not decision.reason.strip():
            problem = "a write-off needs a reason"
        if problem is not None:
            raise ApplicationError(problem, type=APPROVAL_REFUSED)
