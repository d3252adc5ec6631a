"""The activity-call budget shared by every workflow: what a vendor call may cost, and
the two local activities (an invoice read, a ledger posting) under the same budget."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.models import PostingRequest, PostingResult
    from activities.refs import LedgerActivities
    from quote2cash.billing.journal import JournalEntry

A = TypeVar("A")
R = TypeVar("R")
VENDOR_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


# 30 s a try, retried for up to an hour, after which the step parks instead of retrying
# forever: what a vendor call, or a write to our own database, may cost.
BUDGET: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "schedule_to_close_timeout": timedelta(hours=1),
    "retry_policy": VENDOR_RETRY,
}


def call(activity: Callable[[A], Awaitable[R]], arg: A, summary: str) -> Awaitable[R]:
    """An activity (a reference from activities.refs) with the call budget."""
    return workflow.execute_activity(activity, arg, summary=summary, **BUDGET)


def read_locally(activity: Callable[[A], Awaitable[R]], arg: A, summary: str) -> Awaitable[R]:
    """A short vendor *read* as a local activity, with the same budget: one marker event
    instead of three events and a workflow task of their own. Only for reads: a write
    belongs in a regular activity, where the server records each attempt."""
    return workflow.execute_local_activity(activity, arg, summary=summary, **BUDGET)


def post_locally(
    deal_id: str, entries: list[JournalEntry], summary: str = ""
) -> Awaitable[PostingResult]:
    """Post balanced journals to our ledger, once each by key. A short write to our own
    database: a local activity records one marker event instead of three events and a
    round trip through the task queue."""
    return workflow.execute_local_activity(
        LedgerActivities.post_entries,
        PostingRequest(deal_id=deal_id, entries=entries),
        summary=summary or f"post {len(entries)} balanced journal entries to the ledger",
        **BUDGET,
    )
