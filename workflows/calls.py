"""The activity-call budget shared by every workflow: what a vendor call may cost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

A = TypeVar("A")
R = TypeVar("R")
VENDOR_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


def call(method: Callable[[Any, A], Awaitable[R]], arg: A, summary: str) -> Awaitable[R]:
    """An activity with the vendor-call budget: 30 s a try, retried for up to an hour,
    after which the step parks instead of retrying forever."""
    return workflow.execute_activity_method(
        method,
        arg,
        summary=summary,
        start_to_close_timeout=timedelta(seconds=30),
        schedule_to_close_timeout=timedelta(hours=1),
        retry_policy=VENDOR_RETRY,
    )


def read_locally(method: Callable[[Any, A], Awaitable[R]], arg: A, summary: str) -> Awaitable[R]:
    """A short vendor *read* as a local activity, with the same budget: one marker event
    instead of three events and a workflow task of their own. Only for reads: a write
    belongs in a regular activity, where the server records each attempt."""
    return workflow.execute_local_activity_method(
        method,
        arg,
        summary=summary,
        start_to_close_timeout=timedelta(seconds=30),
        schedule_to_close_timeout=timedelta(hours=1),
        retry_policy=VENDOR_RETRY,
    )
