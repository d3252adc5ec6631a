"""Usage over HTTP: each event is stored in the inbox before the 202, deduplicated by its
id within the subscription, and relayed as the real SubscriptionWorkflow's usage signal,
also after a Temporal outage; usage for a subscription that is not running is recorded
with the reason."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from quote2cash.messages import SUBSCRIPTION_WORKFLOW, SubscriptionStart, SubscriptionTerms
from quote2cash.settings import ApiToken, Settings
from quote2cash.store import InboxEntry, InboxStatus
from quote2cash.temporal import SEARCH_ATTRIBUTES, data_converter
from tests.api.helpers import entries, entry, settled
from tests.api.support import FAST, Api, eventually, free_port, make_settings, running_api
from tests.conftest import _binary
from tests.workflows.subscription_fakes import Accounting
from tests.workflows.test_subscription import _snapshot
from workflows.collection import CollectionWorkflow
from workflows.subscription import SubscriptionWorkflow

USAGE_TOKEN = "meter-token-for-tests"


def _start(sub: str) -> SubscriptionStart:
    terms = SubscriptionTerms(
        subscription_id=sub, contact_id="contact-1", starts_on=datetime.now(UTC).date()
    )
    return SubscriptionStart(terms=terms, snapshot=_snapshot())


def _batch(*ids: str, metric: str = "api_calls") -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "events": [
            {"event_id": i, "metric": metric, "quantity": "5", "occurred_at": now} for i in ids
        ]
    }


def _worker(client: Client, settings: Settings) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[SubscriptionWorkflow, CollectionWorkflow],
        activities=Accounting().activities(),
    )


@pytest.fixture
async def subscription_worker(
    temporal_dev: WorkflowEnvironment, settings: Settings
) -> AsyncIterator[Worker]:
    async with _worker(temporal_dev.client, settings) as worker:
        yield worker


async def _all_settled(api: Api, ids: list[int]) -> list[InboxEntry] | None:
    found = [await settled(api, i) for i in ids]
    return [e for e in found if e is not None] if all(found) else None


async def _usage_events(api: Api, sub: str) -> int:
    response = await api.ops("GET", f"/subscriptions/{sub}")
    assert response.status_code == 200, response.text
    count: int = response.json()["usage_events"]
    return count


async def _started(api: Api, sub: str) -> None:
    created = await api.ops("POST", "/subscriptions", json=_start(sub).model_dump(mode="json"))
    assert created.status_code == 201, created.text


async def test_usage_is_stored_then_signalled_once(api: Api, subscription_worker: Worker) -> None:
    sub = uuid.uuid4().hex[:12]
    await _started(api, sub)
    first = await api.ops("POST", f"/subscriptions/{sub}/usage", json=_batch("e1", "e2", "e3"))
    assert first.status_code == 202
    answer = first.json()
    assert (answer["received"], answer["accepted"], answer["duplicates"]) == (3, 3, 0)
    for relayed in await eventually(lambda: _all_settled(api, answer["inbox_ids"])):
        assert relayed.status == InboxStatus.RELAYED
        assert (relayed.source, relayed.kind) == ("usage", "usage.recorded")
        assert relayed.dedupe_key.startswith(f"usage:{sub}:e")

    again = await api.ops("POST", f"/subscriptions/{sub}/usage", json=_batch("e3", "e4", "e4"))
    answer = again.json()
    assert (answer["received"], answer["accepted"], answer["duplicates"]) == (3, 1, 2)
    [new] = answer["inbox_ids"]
    assert (await eventually(lambda: settled(api, new))).status == InboxStatus.RELAYED
    assert await _usage_events(api, sub) == 4
    assert len(entries(api, source="usage")) == 4


async def test_event_ids_are_scoped_to_their_subscription_and_not_running_is_refused(
    api: Api, subscription_worker: Worker
) -> None:
    sub, other, gone = (uuid.uuid4().hex[:12] for _ in range(3))
    await _started(api, sub)
    await _started(api, other)
    ours = (await api.ops("POST", f"/subscriptions/{sub}/usage", json=_batch("e1"))).json()
    theirs = (await api.ops("POST", f"/subscriptions/{other}/usage", json=_batch("e1"))).json()
    assert (theirs["accepted"], theirs["duplicates"]) == (1, 0)
    for entry_id in (ours["inbox_ids"][0], theirs["inbox_ids"][0]):
        relayed = await eventually(partial(settled, api, entry_id))
        assert relayed.status == InboxStatus.RELAYED

    # Temporal says there is no such subscription: refused, so the caller knows it will
    # not be billed, and kept as evidence.
    missing = await api.ops("POST", f"/subscriptions/{gone}/usage", json=_batch("e1"))
    assert missing.status_code == 404
    assert f"subscription {gone} is not running" in missing.json()["detail"]
    [kept] = [
        e
        for e in entries(api, status=InboxStatus.REJECTED, source="usage")
        if gone in (e.error or "")
    ]
    assert b'"event_id":"e1"' in kept.body


async def test_usage_needs_the_usage_role_and_a_sane_batch(settings: Settings) -> None:
    tokens = [
        ApiToken(token=USAGE_TOKEN, subject="meter", roles=["usage"]),
        ApiToken(token="approver-token-for-tests", subject="alice", roles=["approver"]),
    ]
    async with running_api(settings.model_copy(update={"api_tokens": tokens})) as api:

        async def post(token: str, body: Any, sub: str = "s-1") -> Any:
            headers = {"authorization": f"Bearer {token}"}
            return await api.http.post(f"/subscriptions/{sub}/usage", json=body, headers=headers)

        assert (await post("approver-token-for-tests", _batch("e1"))).status_code == 403
        # Allowed, but no subscription s-1 runs: refused and recorded.
        assert (await post(USAGE_TOKEN, _batch("e1"))).status_code == 404
        assert (await post(USAGE_TOKEN, {"events": [{"metric": "x"}]})).status_code == 422
        too_long = await post(USAGE_TOKEN, _batch("e1"), sub="s" * 49)
        assert too_long.status_code == 422
        assert len(entries(api, source="usage")) == 1


async def _signals(client: Client, sub: str) -> int:
    history = await client.get_workflow_handle(f"subscription:{sub}").fetch_history()
    signaled = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    return sum(1 for e in history.events if e.event_type == signaled)


async def test_a_batch_is_one_signal_per_subscription_up_to_batch_max(
    settings: Settings, temporal_dev: WorkflowEnvironment, subscription_worker: Worker
) -> None:
    policy = dataclasses.replace(FAST, batch_max=2)
    async with running_api(settings, policy=policy, relay_loop=False) as api:
        sub = uuid.uuid4().hex[:12]
        await _started(api, sub)
        five = _batch("u1", "u2", "u3", "u4", "u5")
        answer = (await api.ops("POST", f"/subscriptions/{sub}/usage", json=five)).json()
        relayed = await eventually(lambda: _all_settled(api, answer["inbox_ids"]))
        assert [e.status for e in relayed] == [InboxStatus.RELAYED] * 5
        assert await _signals(temporal_dev.client, sub) == 3  # 2 + 2 + 1 events
        assert await _usage_events(api, sub) == 5


async def _temporal_at(port: int, db_file: Path) -> WorkflowEnvironment:
    """A dev server on ``port`` keeping its state in ``db_file``, so it can be restarted."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=_binary("temporal"),
        ip="127.0.0.1",
        port=port,
        search_attributes=list(SEARCH_ATTRIBUTES),
        data_converter=data_converter(b"\x00" * 32),
        dev_server_log_level="error",
        dev_server_extra_args=["--db-filename", str(db_file)],
    )


async def test_usage_posted_while_temporal_is_down_is_relayed_when_it_is_back(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = make_settings(database_url, f"127.0.0.1:{port}", tmp_path)
    sub, db_file = uuid.uuid4().hex[:12], tmp_path / "temporal.db"
    env = await _temporal_at(port, db_file)
    try:
        async with _worker(env.client, settings):
            await env.client.start_workflow(
                SUBSCRIPTION_WORKFLOW,
                _start(sub),
                id=f"subscription:{sub}",
                task_queue=settings.task_queue,
            )
    finally:
        await env.shutdown()

    async with running_api(settings) as api:
        response = await api.ops("POST", f"/subscriptions/{sub}/usage", json=_batch("a", "b"))
        assert response.status_code == 202
        ids = response.json()["inbox_ids"]
        assert len(ids) == 2

        async def failing() -> bool:
            return all(entry(api, i).status == InboxStatus.FAILED for i in ids)

        await eventually(failing)
        assert "cannot reach Temporal" in (entry(api, ids[0]).error or "")

        env = await _temporal_at(port, db_file)
        try:
            async with _worker(env.client, settings):
                relayed = await eventually(lambda: _all_settled(api, ids), within=30)
                assert [e.status for e in relayed] == [InboxStatus.RELAYED] * 2
                assert await eventually(lambda: _usage_events(api, sub), within=15) == 2
        finally:
            await env.shutdown()
