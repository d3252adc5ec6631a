"""The missed-deal sweep: the safety net under the CRM's webhooks.

A webhook can be lost (our API down longer than the CRM retries, a bad deploy, a
subscription switched off). Every ``Q2C_SWEEP_EVERY_MINUTES`` a Temporal Schedule
(``q2c-sweep``) starts ``SweepWorkflow``, whose activity searches the CRM for deals in a
won stage modified since the last sweep (less an overlap) and stores each one that has no
workflow in the inbox, as a webhook would have been; the relay then starts it through the
same idempotent path (one deal, one workflow, whichever of webhook and sweep comes
first). ``q2c deals sweep`` runs one now.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from quote2cash.settings import Settings
from quote2cash.sweep_model import SWEEP_WORKFLOW, SweepRequest, SweepResult
from quote2cash.temporal import put_schedule

SCHEDULE_ID = "q2c-sweep"
SCHEDULED_ID_PREFIX = "sweep:scheduled"
MANUAL_ID = "sweep:now"


def sweep_request(settings: Settings) -> SweepRequest:
    return SweepRequest(
        overlap_minutes=settings.sweep_overlap_minutes,
        first_lookback_hours=settings.sweep_first_lookback_hours,
    )


def _schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            SWEEP_WORKFLOW,
            sweep_request(settings),
            id=SCHEDULED_ID_PREFIX,
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(minutes=settings.sweep_every_minutes))]
        ),
        # A sweep that overruns its interval is not doubled up; the next one catches up
        # from the mark, so skipped runs lose nothing.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_sweep_schedule(client: Client, settings: Settings) -> bool:
    """Create the sweep's schedule or bring it to the configured interval (idempotent:
    every worker start may ask). False when ``sweep_every_minutes`` is 0 (off)."""
    if settings.sweep_every_minutes <= 0:
        return False
    await put_schedule(client, SCHEDULE_ID, _schedule(settings))
    return True


async def sweep_now(client: Client, settings: Settings) -> SweepResult:
    """Run one sweep now (or join the one running) and wait for what it found."""
    handle = await client.start_workflow(
        SWEEP_WORKFLOW,
        sweep_request(settings),
        id=MANUAL_ID,
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        result_type=SweepResult,
    )
    return SweepResult.model_validate(await handle.result())
