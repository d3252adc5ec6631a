"""Dunning: declared reminders while an invoice stays unpaid past its due date.

The deal already reads its invoice daily while it waits for payment; on the read that
finds the invoice a declared number of days overdue, it sends the next reminder (a CRM
write-back that the account owner acts on) once. Partial payments show as they come:
``amount_paid`` and ``amount_due`` in the deal's state, and the reminder says what is
still due. ``workflow.patched`` is called only when a reminder is due, so deals paid
on time carry no marker.
"""

from __future__ import annotations

from datetime import date, timedelta

from temporalio import workflow

from workflows.calls import call
from workflows.parking import Parking

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.models import InvoiceStatus, WriteBackRequest
    from quote2cash.messages import Stage

DUNNING_DAYS = (7, 14, 30)
"""Reminders this many days after the due date."""
PATCH_DUNNING = "dunning"


def dunning_level(today: date, due: date) -> int:
    """How many of the declared reminders are due by ``today``."""
    return sum(1 for days in DUNNING_DAYS if today >= due + timedelta(days=days))


class Dunning(Parking):
    """Mixin of DealWorkflow: the reminders of an overdue invoice."""

    _dunned: int = 0

    async def dun(self, due: date, invoice: InvoiceStatus) -> None:
        """Send the next reminder if one became due since the last."""
        self.status.amount_due = str(invoice.amount_due)
        level = dunning_level(workflow.now().date(), due)
        if level <= self._dunned or not workflow.patched(PATCH_DUNNING):
            return
        self._dunned = self.status.dunning_level = level
        deal_id, number = self.status.deal_id, self.status.invoice_number
        overdue = (workflow.now().date() - due).days
        props = {
            "q2c_dunning_level": str(level),
            "q2c_amount_due": str(invoice.amount_due),
            "q2c_invoice_number": number,
        }
        await self.step(
            Stage.AWAITING_PAYMENT,
            lambda: call(
                CrmActivities.write_back,
                WriteBackRequest(deal_id=deal_id, properties=props),
                f"dunning reminder {level} of {len(DUNNING_DAYS)}: {invoice.amount_due} "
                f"{self.status.currency} of {number} due, {overdue} days overdue",
            ),
        )
