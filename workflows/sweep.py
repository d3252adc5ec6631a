"""SweepWorkflow: find won deals whose webhook never came, and hand them to the relay.

Started by the ``q2c-sweep`` Schedule (or ``q2c deals sweep``). Orchestration only: the
activity searches the CRM and stores what it finds in the inbox; the result (deal ids
and counts) is in the history for an on-call engineer to read.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.refs import SweepActivities
    from quote2cash.sweep_model import SWEEP_WORKFLOW, SweepRequest, SweepResult


@workflow.defn(name=SWEEP_WORKFLOW)
class SweepWorkflow:
    @workflow.run
    async def run(self, request: SweepRequest) -> SweepResult:
        return await workflow.execute_activity(
            SweepActivities.sweep_won_deals,
            request,
            summary="find won deals in the CRM that have no workflow",
            start_to_close_timeout=timedelta(minutes=15),
            heartbeat_timeout=timedelta(minutes=2),
            schedule_to_close_timeout=timedelta(hours=1),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=2)),
        )
