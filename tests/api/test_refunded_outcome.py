"""A deal refunded in full reads ``refunded`` in the list (with its header row) and in
``show``, although its own workflow ended ``completed`` before the refund ran."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from typer.testing import CliRunner

from quote2cash.cli import app
from quote2cash.messages import REFUND_WORKFLOW, refund_workflow_id
from quote2cash.settings import Settings, get_settings
from tests.api.support import OPS_TOKEN, Api, eventually, new_deal_id
from tests.api.test_completed_deals import _complete_deal


@workflow.defn(name=REFUND_WORKFLOW)
class StubRefund:
    """Stands in for a refund that went through (a failed one ends failed, not completed)."""

    @workflow.run
    async def run(self, deal_id: str) -> str:
        return deal_id


@pytest.fixture
async def refund_worker(
    temporal_dev: WorkflowEnvironment, settings: Settings
) -> AsyncIterator[Worker]:
    queue = f"{settings.task_queue}-refunds"
    async with Worker(
        temporal_dev.client,
        task_queue=queue,
        workflows=[StubRefund],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ) as worker:
        yield worker


async def _row(api: Api, workflow_id: str) -> dict[str, Any] | None:
    listed = (await api.ops("GET", "/deals?limit=1000")).json()
    return next((r for r in listed if r["workflow_id"] == workflow_id), None)


async def test_a_fully_refunded_deal_reads_refunded(
    api: Api,
    temporal_dev: WorkflowEnvironment,
    stub_worker: Worker,
    refund_worker: Worker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deal, partial = new_deal_id(), new_deal_id()
    await _complete_deal(api, temporal_dev, deal)
    await _complete_deal(api, temporal_dev, partial)
    for workflow_id in (refund_workflow_id("hubspot", deal), f"refund:hubspot:{partial}:r1"):
        await temporal_dev.client.execute_workflow(
            StubRefund.run, deal, id=workflow_id, task_queue=refund_worker.task_queue
        )

    async def refunded_row() -> dict[str, Any] | None:
        row = await _row(api, f"deal:hubspot:{deal}")
        return row if row and row["outcome"] == "refunded" else None

    row = await eventually(refunded_row)
    assert row["search_attributes"]["Q2cStage"] == "completed"  # the deal's own word
    other = await _row(api, f"deal:hubspot:{partial}")
    assert other is not None
    assert other["outcome"] == "completed"  # a partial refund leaves it completed
    shown = (await api.ops("GET", f"/deals/hubspot/{deal}")).json()
    assert shown["outcome"] == "refunded"
    assert (await api.ops("GET", f"/deals/hubspot/{partial}")).json()["outcome"] == "completed"
    corrected = await api.ops("POST", f"/deals/hubspot/{deal}/correct", json={"reason": "x"})
    assert corrected.status_code == 409
    assert corrected.json()["detail"].endswith(
        "was refunded in full (a credit note against INV-STUB): nothing is left to correct"
    )

    monkeypatch.setenv("Q2C_PUBLIC_API_URL", api.url)
    monkeypatch.setenv("Q2C_OPS_TOKEN", OPS_TOKEN)
    get_settings.cache_clear()
    try:
        listed = await asyncio.to_thread(CliRunner().invoke, app, ["deals", "list"])
    finally:
        get_settings.cache_clear()
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["deal", "stage", "needs", "attention", "invoice"]
    [mine] = [line for line in lines if line.startswith(f"deal:hubspot:{deal} ")]
    assert mine.split()[1:] == ["refunded", "INV-STUB"]
