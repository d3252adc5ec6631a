"""Starting the daily reconciliation: its workflow id, its start message, its schedule.

One run per business date (``reconciliation:<date>``): asking again while it runs joins
it; asking after it finished runs it again, and the new report replaces the day's old
one. The Temporal Schedule ``q2c-reconciliation`` starts it daily
(``Q2C_RECONCILIATION_CRON``); creating the schedule is idempotent, so every worker and
stack start may ask, and a changed cron is applied to the existing schedule.
"""

from __future__ import annotations

from datetime import date

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleSpec,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from quote2cash.billing.reconcile_model import (
    RECONCILIATION_WORKFLOW,
    ReconciliationStart,
    Summary,
)
from quote2cash.settings import Settings
from quote2cash.temporal import put_schedule

__all__ = ["RECONCILIATION_WORKFLOW", "ReconciliationStart"]
SCHEDULE_ID = "q2c-reconciliation"
SCHEDULED_ID_PREFIX = "reconciliation:scheduled"
"""Scheduled runs get this id plus the scheduled time (Temporal appends it)."""


def reconciliation_workflow_id(business_date: date) -> str:
    return f"reconciliation:{business_date.isoformat()}"


def _schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RECONCILIATION_WORKFLOW,
            ReconciliationStart(grace_days=settings.reconciliation_grace_days),
            id=SCHEDULED_ID_PREFIX,
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(cron_expressions=[settings.reconciliation_cron]),
    )


async def ensure_schedule(client: Client, settings: Settings) -> bool:
    """Create the daily schedule, or bring an existing one to the configured cron.

    True when a schedule is in place; False when ``reconciliation_cron`` is empty."""
    if not settings.reconciliation_cron.strip():
        return False
    await put_schedule(client, SCHEDULE_ID, _schedule(settings))
    return True


async def run_reconciliation(
    client: Client, settings: Settings, business_date: date, grace_days: int | None = None
) -> Summary:
    """Run (or join the running) reconciliation of ``business_date`` and wait for it."""
    handle = await client.start_workflow(
        RECONCILIATION_WORKFLOW,
        ReconciliationStart(
            business_date=business_date,
            grace_days=settings.reconciliation_grace_days if grace_days is None else grace_days,
        ),
        id=reconciliation_workflow_id(business_date),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        result_type=Summary,
    )
    return Summary.model_validate(await handle.result())
