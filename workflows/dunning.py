"""Dunning: declared reminders while an invoice stays unpaid past its due date.

The deal already reads its invoices daily while it waits for payment; on the read that
finds an invoice a declared number of days overdue, it sends the next reminder (a CRM
write-back that the account owner acts on) once. Partial payments show as they come:
``amount_paid`` and ``amount_due`` in the deal's state, and the reminder says what is
still due. A deal billed in parts duns each part on its own due date, and keeps each
part's level in its ``InvoicePart``; the deal's ``dunning_level`` is the highest.
``workflow.patched`` is called only when a reminder is due, so deals paid on time
carry no marker; each path has its own patch, so histories of either replay.
"""

from __future__ import annotations

from datetime import date, timedelta

from temporalio import workflow

from workflows.calls import call
from workflows.parking import Parking

with workflow.unsafe.imports_passed_through():
    from activities.models import InvoiceStatus, WriteBackRequest
    from activities.refs import CrmActivities
    from quote2cash.connect.hubspot_contract import AMOUNT_DUE, DUNNING_LEVEL, INVOICE_NUMBER
    from quote2cash.messages import InvoicePart, Stage

DUNNING_DAYS = (7, 14, 30)
"""Reminders this many days after the due date."""
PATCH_DUNNING = "dunning"
PATCH_PART_DUNNING = "dunning-of-parts"


def dunning_level(today: date, due: date) -> int:
    """How many of the declared reminders are due by ``today``."""
    return sum(1 for days in DUNNING_DAYS if today >= due + timedelta(days=days))


class Dunning(Parking):
    """Mixin of DealWorkflow: the reminders of overdue invoices."""

    _dunned: int = 0

    async def dun(self, due: date, invoice: InvoiceStatus) -> None:
        """The single invoice: send the next reminder if one became due since the last."""
        self.status.amount_due = str(invoice.amount_due)
        number = self.status.invoice_number
        level = await self._remind(number, due, invoice, self._dunned, PATCH_DUNNING)
        if level != self._dunned:
            for part in self.status.invoices:
                if part.invoice_id == invoice.invoice_id:
                    part.dunning_level = level
        self._dunned = self.status.dunning_level = level

    async def dun_part(
        self,
        part: InvoicePart,
        due: date,
        invoice: InvoiceStatus,
        stage: Stage = Stage.AWAITING_PAYMENT,
    ) -> None:
        """One part of a deal billed in parts: its next reminder, by its own due date.
        ``stage`` is the one the deal waits in: the first part is dunned before delivery."""
        part.dunning_level = await self._remind(
            part.number, due, invoice, part.dunning_level, PATCH_PART_DUNNING, stage
        )
        self.status.dunning_level = max(p.dunning_level for p in self.status.invoices)

    async def _remind(
        self,
        number: str,
        due: date,
        invoice: InvoiceStatus,
        sent: int,
        patch: str,
        stage: Stage = Stage.AWAITING_PAYMENT,
    ) -> int:
        """Write reminder ``level`` of invoice ``number`` to the CRM if it is due and
        not yet sent (``sent`` reminders were); the level reached."""
        level = dunning_level(workflow.now().date(), due)
        if level <= sent or not workflow.patched(patch):
            return sent
        deal_id = self.status.deal_id
        overdue = (workflow.now().date() - due).days
        props = {
            DUNNING_LEVEL.name: str(level),
            AMOUNT_DUE.name: str(invoice.amount_due),
            INVOICE_NUMBER.name: number,
        }
        await self.step(
            stage,
            lambda: call(
                CrmActivities.write_back,
                WriteBackRequest(deal_id=deal_id, properties=props),
                f"dunning reminder {level} of {len(DUNNING_DAYS)}: {invoice.amount_due} "
                f"{self.status.currency} of {number} due, {overdue} days overdue",
            ),
        )
        return level
