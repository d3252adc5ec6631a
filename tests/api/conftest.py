from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from quote2cash.settings import Settings
from tests.api.support import Api, StubDeal, make_settings, running_api


@pytest.fixture
def settings(database_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path) -> Settings:
    address = temporal_dev.client.service_client.config.target_host
    return make_settings(database_url, address, tmp_path)


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    async with running_api(settings) as running:
        yield running


@pytest.fixture
async def stub_worker(
    temporal_dev: WorkflowEnvironment, settings: Settings
) -> AsyncIterator[Worker]:
    """A worker running ``StubDeal`` under the deal workflow's name on this test's queue."""
    worker = Worker(
        temporal_dev.client,
        task_queue=settings.task_queue,
        workflows=[StubDeal],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    async with worker:
        yield worker
