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

from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from quote2cash.settings import Settings

SWEEP_WORKFLOW = "SweepWorkflow"
SWEEP_ACTIVITY = "sweep_won_deals"
SCHEDULE_ID = "q2c-sweep"
SCHEDULED_ID_PREFIX = "sweep:scheduled"
MANUAL_ID = "sweep:now"


class SweepRequest(BaseModel):
    overlap_minutes: int = Field(default=60, ge=0)
    first_lookback_hours: int = Field(default=72, ge=1)
    """How far back the very first sweep looks (no mark yet)."""


class SweepResult(BaseModel):
    """What one sweep saw: ids only (deal ids are not personal data)."""

    since: datetime
    until: datetime
    found: int
    """Deals in a won stage modified in the window."""
    already_started: int
    recorded: list[str]
    """Deal ids stored in the inbox for the relay to start: their webhook never came."""


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
    wanted = _schedule(settings)
    try:
        await client.create_schedule(SCHEDULE_ID, wanted)
    except ScheduleAlreadyRunningError:

        def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            schedule = current.description.schedule
            schedule.spec, schedule.action = wanted.spec, wanted.action
            schedule.policy = wanted.policy
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(SCHEDULE_ID).update(update)
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


SWEPT_DEAL = "deal.won"
"""The inbox kind of a deal the sweep found (source ``sweep``)."""


class SweptDeal(BaseModel):
    """The inbox body of a won deal the sweep found without a workflow."""

    crm: str = "hubspot"
    deal_id: str
    stage: str
    closed_at: datetime


def swept_dedupe_key(crm: str, deal_id: str) -> str:
    """One sweep entry per deal, however many sweeps find it before it starts."""
    return f"sweep:{crm}:{deal_id}"
