"""ReconciliationWorkflow on the time-skipping server: the business date it reconciles,
what it asks the activity, and the summary it keeps (the activity is a stand-in here;
tests/e2e/test_reconciliation.py runs the real one against the emulators)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import ReconcileRequest
from quote2cash.billing.reconcile_model import CurrencyTotals, Summary
from quote2cash.reconciliation import ReconciliationStart
from workflows.reconciliation import ReconciliationWorkflow


def _worker(env: WorkflowEnvironment, queue: str, seen: list[ReconcileRequest]) -> Worker:
    @activity.defn(name="reconcile_books")
    async def reconcile_books(request: ReconcileRequest) -> Summary:
        seen.append(request)
        if request.grace_days == 99:
            raise ApplicationError("Xero said no", type="Xero.Forbidden", non_retryable=True)
        totals = (
            CurrencyTotals(currency="EUR", invoiced=Decimal("1.10"), matched=Decimal("1.10")),
        )
        return Summary(
            business_date=request.business_date,
            run_id=7,
            matched=1,
            findings=0,
            pending=0,
            totals=totals,
        )

    return Worker(
        env.client,
        task_queue=queue,
        workflows=[ReconciliationWorkflow],
        activities=[reconcile_books],
    )


async def test_a_named_day_is_reconciled_and_summarised(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    seen: list[ReconcileRequest] = []
    async with _worker(temporal_ts, task_queue, seen):
        summary = await temporal_ts.client.execute_workflow(
            ReconciliationWorkflow.run,
            ReconciliationStart(business_date=date(2026, 3, 31), grace_days=5),
            id=f"reconciliation:{uuid.uuid4()}",
            task_queue=task_queue,
        )
    assert seen == [ReconcileRequest(business_date=date(2026, 3, 31), grace_days=5)]
    assert summary.run_id == 7
    assert summary.totals[0].matched == Decimal("1.10")


async def test_a_scheduled_run_reconciles_the_day_it_starts(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    seen: list[ReconcileRequest] = []
    async with _worker(temporal_ts, task_queue, seen):
        before = (await temporal_ts.get_current_time()).date()
        handle = await temporal_ts.client.start_workflow(
            ReconciliationWorkflow.run,
            ReconciliationStart(),
            id=f"reconciliation:scheduled-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        summary = await handle.result()
        kept = await handle.query(ReconciliationWorkflow.summary)
    assert seen[0].business_date in (before, (await temporal_ts.get_current_time()).date())
    assert seen[0].grace_days == 3
    assert kept == summary


async def test_a_permanent_vendor_error_fails_the_run_with_its_reason(
    temporal_ts: WorkflowEnvironment, task_queue: str
) -> None:
    seen: list[ReconcileRequest] = []
    async with _worker(temporal_ts, task_queue, seen):
        with pytest.raises(WorkflowFailureError) as failed:
            await temporal_ts.client.execute_workflow(
                ReconciliationWorkflow.run,
                ReconciliationStart(business_date=date(2026, 3, 31), grace_days=99),
                id=f"reconciliation:{uuid.uuid4()}",
                task_queue=task_queue,
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
    assert "Xero said no" in str(failed.value.cause.__cause__ or failed.value.cause)
    assert len(seen) == 1  # non-retryable: asked once
