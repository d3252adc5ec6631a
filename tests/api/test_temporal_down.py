"""Temporal down: the webhook is still acknowledged and stored, then relayed when it returns."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import deal_workflow_id
from quote2cash.store import InboxStatus
from quote2cash.temporal import SEARCH_ATTRIBUTES, data_converter
from tests.api.helpers import entry, settled
from tests.api.support import (
    eventually,
    free_port,
    make_settings,
    new_deal_id,
    running_api,
    won_event,
)
from tests.conftest import _binary


async def test_webhook_is_kept_while_temporal_is_down_and_relayed_when_it_is_back(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = make_settings(database_url, f"127.0.0.1:{port}", tmp_path)
    deal = new_deal_id()
    async with running_api(settings) as api:
        response = await api.hubspot([won_event(deal)])
        assert response.status_code == 202
        [entry_id] = response.json()["inbox_ids"]

        async def failing() -> bool:
            found = entry(api, entry_id)
            return found.status == InboxStatus.FAILED and found.attempts >= 2

        await eventually(failing)
        assert "cannot reach Temporal" in (entry(api, entry_id).error or "")
        health = (await api.http.get("/healthz")).json()
        assert (health["status"], health["database"], health["temporal"]) == (
            "degraded",
            True,
            False,
        )

        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=_binary("temporal"),
            ip="127.0.0.1",
            port=port,
            search_attributes=list(SEARCH_ATTRIBUTES),
            data_converter=data_converter(b"\x00" * 32),
            dev_server_log_level="error",
        )
        try:
            relayed = await eventually(lambda: settled(api, entry_id), within=30)
            assert relayed.status == InboxStatus.RELAYED
            assert relayed.error is None
            handle = env.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
            description = await handle.describe()
            assert description.status == WorkflowExecutionStatus.RUNNING
            assert (await api.http.get("/healthz")).json()["temporal"] is True
        finally:
            await env.shutdown()


async def test_a_relay_pass_stops_at_the_first_unreachable_temporal(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, f"127.0.0.1:{free_port()}", tmp_path)
    async with running_api(settings, relay_loop=False) as api:
        response = await api.hubspot([won_event(new_deal_id()) for _ in range(3)])
        first, *rest = response.json()["inbox_ids"]

        async def first_failed() -> bool:
            return entry(api, first).status == InboxStatus.FAILED

        await eventually(first_failed)
        assert [entry(api, i).attempts for i in rest] == [0, 0]
        assert await api.drain() == 1  # the others keep their place for the next pass
