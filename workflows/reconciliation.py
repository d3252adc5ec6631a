"""ReconciliationWorkflow: orders ↔ invoices ↔ payments ↔ postings, once a day.

Orchestration only: the activity gathers the three sides, compares them and stores the
report (the sides can be large, so they stay out of history); the workflow decides the
business date and keeps the summary for the Web UI and the ``summary`` query.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.models import ReconcileRequest
    from activities.refs import ReconciliationActivities
    from quote2cash.billing.reconcile_model import (
        RECONCILIATION_WORKFLOW,
        ReconciliationStart,
        Summary,
    )

QUERY_SUMMARY = "summary"
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=2))


@workflow.defn(name=RECONCILIATION_WORKFLOW)
class ReconciliationWorkflow:
    def __init__(self) -> None:
        self._summary: Summary | None = None

    @workflow.run
    async def run(self, start: ReconciliationStart) -> Summary:
        business_date = start.business_date or workflow.now().date()
        self._summary = await workflow.execute_activity(
            ReconciliationActivities.reconcile_books,
            ReconcileRequest(business_date=business_date, grace_days=start.grace_days),
            summary=f"reconcile CRM, Xero and our ledger as of {business_date}",
            # Paging through every invoice takes a while on a big ledger; the heartbeat
            # (one per page) tells a stuck call from a slow one.
            start_to_close_timeout=timedelta(minutes=30),
            heartbeat_timeout=timedelta(minutes=2),
            schedule_to_close_timeout=timedelta(hours=6),
            retry_policy=RETRY,
        )
        return self._summary

    @workflow.query(name=QUERY_SUMMARY)
    def summary(self) -> Summary | None:
        return self._summary
