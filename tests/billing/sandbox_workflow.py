"""A workflow that uses the billing core inside the Temporal sandbox, imported normally.

Not passed through: the sandbox re-imports quote2cash.billing for each run, which is
what fails if the core reads a clock, draws random numbers or opens files at run time.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from quote2cash.billing.invoice import BillingPeriod, InvoiceDraft, build_invoice
from quote2cash.billing.journal import invoice_entry
from quote2cash.billing.money import Money
from quote2cash.billing.proration import ProrationPolicy, Span, prorate
from quote2cash.billing.recognition import recognition_entries, schedules_for
from quote2cash.billing.snapshot import QuoteSnapshot
from quote2cash.billing.tax import OfflineVatRegistry


@workflow.defn(name="BillingSandboxProbe", sandboxed=True)
class BillingSandboxProbe:
    @workflow.run
    async def run(self, snapshot: QuoteSnapshot) -> InvoiceDraft:
        today = workflow.now().date()
        period = BillingPeriod(start=today, end=today + timedelta(days=30))
        invoice = build_invoice(snapshot, issue_date=today, period=period)
        invoice_entry(invoice, key="probe")
        recognition_entries(schedules_for(invoice), key_prefix="probe")
        prorate(
            Money.of("19.95", "USD"),
            period=Span(start=today, end=today + timedelta(days=31)),
            span=Span(start=today, end=today + timedelta(days=23)),
            policy=ProrationPolicy(),
        )
        OfflineVatRegistry().check("DE136695976")
        return invoice
