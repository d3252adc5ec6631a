"""Needs-attention parking shared by long-lived workflows.

A step that fails permanently (bad data, a vendor's 4xx, a vendor down past its retry
budget) does not fail the workflow: the workflow parks in ``needs_attention`` with the
error's type, message and runbook link, visible in search attributes, and waits for a
person to fix the data and send the ``retry`` Update. Then the same step runs again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError

from workflows.calls import call

with workflow.unsafe.imports_passed_through():
    from activities.models import SnapshotRequest
    from activities.refs import CrmActivities
    from quote2cash.billing.accounts import Accounts
    from quote2cash.error_types import ACTIVITY_TIMEOUT, MISSING_ACTOR, NOT_RETRYABLE
    from quote2cash.messages import Attention, DealStatus, RetryRequest, Stage, StageChange
    from quote2cash.search_attributes import SA_ATTENTION, SA_STAGE

T = TypeVar("T")
RUNBOOKS = "runbooks"


# A regular activity's failure arrives as ActivityError around its cause; a local
# activity's (the invoice read, the ledger posting) arrives as the cause itself.
StepFailure = ActivityError | ApplicationError | TimeoutError
# Waits until its argument, a condition, holds, doing work as it waits.
Meanwhile = Callable[[Callable[[], bool]], Awaitable[object]]


def _reason(err: StepFailure) -> tuple[str, str]:
    cause = err.cause if isinstance(err, ActivityError) else err
    if isinstance(cause, ApplicationError):
        return cause.type or "ApplicationError", cause.message
    if isinstance(cause, TimeoutError):
        return ACTIVITY_TIMEOUT, f"{cause.message}: the step ran out of retry budget"
    return type(cause).__name__ if cause else "ActivityError", str(cause or err)


# Stages a deal rests in (waiting for a person, a customer or nothing): the ones an
# on-call engineer filters by. Passing stages last a few activity calls; writing each
# to the search attributes would cost one history event and one server write apiece.
RESTING = frozenset(
    {
        Stage.APPROVAL,
        Stage.PROVISIONING,
        Stage.AWAITING_PAYMENT,
        Stage.NEEDS_ATTENTION,
        Stage.COMPLETED,
        Stage.REJECTED,
    }
)


class Parking:
    """Mixin: ``self.status`` is the workflow's DealStatus-like state."""

    status: DealStatus
    accounts: Accounts = Accounts()
    """The chart the deal books to, set from its snapshot or invoice before any journal;
    the default is the chart of the runs recorded before the mapping existed."""
    _retry: RetryRequest | None = None
    _retryable: bool = True
    _search: list[SearchAttributeUpdate[Any]]

    def search_later(self, *updates: SearchAttributeUpdate[Any]) -> None:
        """Queue search-attribute updates for the next resting stage's single upsert."""
        if not hasattr(self, "_search"):
            self._search = []
        self._search.extend(updates)

    def set_stage(self, stage: Stage) -> None:
        if self.status.stage == stage:
            return
        self.status.stage = stage
        self.status.history.append(StageChange(stage=stage, at=workflow.now()))
        if stage in RESTING:
            self.search_later(SA_STAGE.value_set(stage.value))
            workflow.upsert_search_attributes(self._search)
            self._search = []

    async def step(self, stage: Stage, call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call`` as ``stage``; park on failure and run it again after ``retry``."""
        while True:
            # Work done while the deal is parked for an event leaves it shown parked.
            if self.status.attention is None:
                self.set_stage(stage)
            try:
                return await call()
            except (ActivityError, ApplicationError, TimeoutError) as err:
                await self.park(stage, err)

    async def park(self, stage: Stage, err: StepFailure) -> None:
        """Park for a failed activity; returns once a person sent ``retry``."""
        await self.hold(stage, *_reason(err))

    async def hold(self, stage: Stage, reason: str, message: str) -> None:
        """Park at ``stage`` until a person sends ``retry``."""
        self._retry = None
        await self.wait_parked(stage, reason, message, lambda: self._retry is not None)

    async def wait_parked(
        self,
        stage: Stage,
        reason: str,
        message: str,
        done: Callable[[], bool],
        *,
        retryable: bool = True,
        meanwhile: Meanwhile | None = None,
    ) -> None:
        """Show the deal in ``needs_attention`` until ``done()``; ``retryable=False`` when
        what ends it is an event (a signal), not a person's retry. ``meanwhile`` waits
        instead of a plain wait, doing work as it waits; if that work parks the deal for
        its own failure, this park ends once that one does, and the caller parks again."""
        attention = self.status.attention = Attention(
            step=stage,
            reason=reason,
            message=message,
            runbook=f"{RUNBOOKS}/{reason}.md",
            since=workflow.now(),
        )
        self._retryable = retryable
        workflow.logger.warning("parked at %s: %s", stage.value, reason)
        self.search_later(SA_ATTENTION.value_set(reason))
        if self.status.stage == Stage.NEEDS_ATTENTION:  # parked already: show the new reason
            workflow.upsert_search_attributes(self._search)
            self._search = []
        self.set_stage(Stage.NEEDS_ATTENTION)
        if meanwhile is None:
            await workflow.wait_condition(done)
        else:
            await meanwhile(lambda: done() or self.status.attention is not attention)
        self.status.attention = None
        self._retryable = True
        # Leaving needs_attention shows at once: a filter on it must not list this deal.
        workflow.upsert_search_attributes(
            [SA_ATTENTION.value_unset(), SA_STAGE.value_set(stage.value)]
        )

    async def read_owner(self, stage: Stage, why: str) -> str:
        """The CRM owner of this deal: segregation of duties keeps them from deciding
        on its approval, write-off or correction. ``why`` ends the activity summary."""
        deal_id = self.status.deal_id
        owner = await self.step(
            stage,
            lambda: call(
                CrmActivities.deal_owner,
                SnapshotRequest(crm="hubspot", deal_id=deal_id),
                f"read the owner of deal {deal_id}: the owner may not {why}",
            ),
        )
        return owner.owner_id

    def validate_retry(self, request: RetryRequest) -> None:
        if self.status.stage != Stage.NEEDS_ATTENTION:
            raise ApplicationError(
                f"deal is not waiting for a retry (stage: {self.status.stage.value})",
                type=NOT_RETRYABLE,  # the runbook's name: no failed step to run again
            )
        if not self._retryable:
            attention = self.status.attention
            raise ApplicationError(
                f"a retry does not help: {attention.message if attention else ''}",
                type=NOT_RETRYABLE,
            )
        if not request.requested_by.strip():
            raise ApplicationError("say who retries (requested_by)", type=MISSING_ACTOR)

    def accept_retry(self, request: RetryRequest) -> str:
        attention = self.status.attention
        self._retry = request
        return f"retrying step {attention.step.value if attention else '?'}"
