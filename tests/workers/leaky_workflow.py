"""A workflow module that reaches for the store: the worker's sandbox must refuse it."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from quote2cash.store import InboxRepository


@workflow.defn(name="LeakyWorkflow")
class LeakyWorkflow:
    @workflow.run
    async def run(self) -> str:
        return InboxRepository.__name__
