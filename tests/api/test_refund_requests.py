"""POST /deals/{crm}/{deal}/refund against the real dev server with stand-in workflows:
the same request again joins the refund (202 running, 200 done); the same refund id
with another amount or reason is a 409 that says what the existing refund asked for."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from temporalio import workflow
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from quote2cash.messages import (
    DEAL_WORKFLOW,
    REFUND_WORKFLOW,
    DealStatus,
    RefundStart,
    RefundStatus,
    Stage,
    deal_workflow_id,
    refund_workflow_id,
)
from quote2cash.settings import Settings
from tests.api.support import Api, new_deal_id


@workflow.defn(name=DEAL_WORKFLOW)
class CompletedDeal:
    @workflow.run
    async def run(self, deal_id: str) -> DealStatus:
        return DealStatus(
            workflow_id=workflow.info().workflow_id,
            deal_id=deal_id,
            stage=Stage.COMPLETED,
            snapshot_hash="h",
            invoice_id="inv-1",
            invoice_number="INV-000001",
        )


@workflow.defn(name=REFUND_WORKFLOW)
class HeldRefund:
    """Runs until told to finish: a refund that is still running."""

    def __init__(self) -> None:
        self.finish = False

    @workflow.run
    async def run(self, start: RefundStart) -> RefundStatus:
        await workflow.wait_condition(lambda: self.finish)
        return RefundStatus(workflow_id=workflow.info().workflow_id, step="refunded")

    @workflow.signal
    def finished(self) -> None:
        self.finish = True


@pytest.fixture
async def deal(temporal_dev: WorkflowEnvironment, settings: Settings) -> AsyncIterator[str]:
    """A completed deal, and a worker running the stand-ins on the API's task queue."""
    async with Worker(
        temporal_dev.client,
        task_queue=settings.task_queue,
        workflows=[CompletedDeal, HeldRefund],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        deal_id = new_deal_id()
        await temporal_dev.client.execute_workflow(
            CompletedDeal.run,
            deal_id,
            id=deal_workflow_id("hubspot", deal_id),
            task_queue=settings.task_queue,
        )
        yield deal_id


async def _post(api: Api, deal_id: str, **body: Any) -> httpx.Response:
    return await api.ops("POST", f"/deals/hubspot/{deal_id}/refund", json=body)


async def _finish(env: WorkflowEnvironment, workflow_id: str) -> None:
    handle = env.client.get_workflow_handle(workflow_id)
    await handle.signal(HeldRefund.finished)
    await asyncio.wait_for(handle.result(), timeout=20)


async def _runs(env: WorkflowEnvironment, workflow_id: str) -> int:
    return len([w async for w in env.client.list_workflows(f"WorkflowId = '{workflow_id}'")])


async def test_a_partial_refund_id_joins_only_the_same_request(
    api: Api, deal: str, temporal_dev: WorkflowEnvironment
) -> None:
    first = await _post(api, deal, reason="seats unused", amount="10.00", refund_id="R1")
    assert first.status_code == 202, first.text
    workflow_id = refund_workflow_id("hubspot", deal, "R1")
    assert first.json() == {"workflow_id": workflow_id, "state": "running"}

    same = await _post(api, deal, reason="seats unused", amount="10.0", refund_id="R1")
    more = await _post(api, deal, reason="seats unused", amount="12.00", refund_id="R1")
    other = await _post(api, deal, reason="goodwill", amount="10.00", refund_id="R1")
    assert same.status_code == 202, same.text
    assert same.json() == {"workflow_id": workflow_id, "state": "running"}
    assert more.status_code == 409, more.text
    assert more.json()["detail"] == (
        f"refund {workflow_id} was asked for 10.00 (reason 'seats unused'); this request "
        "asks for 12.00 (reason 'seats unused'). Send the same amount and reason to join "
        "it, or another refund_id for another refund"
    )
    assert other.status_code == 409, other.text
    assert "this request asks for 10.00 (reason 'goodwill')" in other.json()["detail"]

    await _finish(temporal_dev, workflow_id)
    done = await _post(api, deal, reason="seats unused", amount="10.00", refund_id="R1")
    late = await _post(api, deal, reason="seats unused", amount="9.00", refund_id="R1")
    assert done.status_code == 200, done.text
    assert done.json() == {"workflow_id": workflow_id, "state": "done"}
    assert late.status_code == 409, late.text
    assert "was asked for 10.00 (reason 'seats unused')" in late.json()["detail"]
    handle = temporal_dev.client.get_workflow_handle(workflow_id)
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    assert await _runs(temporal_dev, workflow_id) == 1


async def test_a_full_refund_joins_only_the_same_reason(
    api: Api, deal: str, temporal_dev: WorkflowEnvironment
) -> None:
    first = await _post(api, deal, reason="never delivered")
    again = await _post(api, deal, reason="never delivered")
    other = await _post(api, deal, reason="changed my mind")
    workflow_id = refund_workflow_id("hubspot", deal)
    assert (first.status_code, again.status_code) == (202, 202), again.text
    assert other.status_code == 409, other.text
    assert other.json()["detail"].startswith(
        f"refund {workflow_id} was asked for the whole invoice (reason 'never delivered'); "
        "this request asks for the whole invoice (reason 'changed my mind')."
    )
    await _finish(temporal_dev, workflow_id)
    done = await _post(api, deal, reason="never delivered")
    assert (done.status_code, done.json()["state"]) == (200, "done")
