"""examples/subscription.json and examples/usage.json are what the API takes as they are:
loaded through its own models, then sent over HTTP to a running subscription worker."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from quote2cash.api.subscription_start import SubscriptionRequest, UsageBatchIn
from quote2cash.settings import Settings
from quote2cash.store import unit_of_work
from quote2cash.store.idmap import IdMapRepository
from tests.api.support import Api, eventually
from tests.api.test_usage import _usage_events, _worker

EXAMPLES = Path(__file__).parents[2] / "examples"


def _example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


def test_the_examples_load_through_the_api_models() -> None:
    request = SubscriptionRequest.model_validate(_example("subscription.json"))
    assert request.terms.contact_id == ""  # found by the customer key
    assert request.terms.starts_on is None  # today in the customer's time zone
    assert request.snapshot.bill_to.customer_key == "hubspot-company-1002"
    now = datetime.now(UTC)
    batch = UsageBatchIn.model_validate(_example("usage.json")).received(now)
    assert [e.occurred_at for e in batch.events] == [now, now]
    assert sum(e.quantity for e in batch.events) == 2000


@pytest.fixture
async def subscription_worker(
    temporal_dev: WorkflowEnvironment, settings: Settings
) -> AsyncIterator[Worker]:
    async with _worker(temporal_dev.client, settings) as worker:
        yield worker


async def test_the_examples_start_a_subscription_and_bill_its_usage(
    api: Api, subscription_worker: Worker
) -> None:
    body = _example("subscription.json")
    sub = f"example-{uuid.uuid4().hex[:8]}"  # one Temporal server serves every test
    body["terms"]["subscription_id"] = sub
    unknown = await api.ops("POST", "/subscriptions", json=body)
    assert unknown.status_code == 409, unknown.text
    assert "no Xero contact is known for customer hubspot-company-1002" in unknown.text

    # What billing a deal of Contoso GmbH leaves behind (activities/accounting.py).
    with unit_of_work(api.app.state.q2c.engine) as session:
        IdMapRepository(session).put("xero", "contact", "hubspot-company-1002", "contact-1")
    created = await api.ops("POST", "/subscriptions", json=body)
    assert created.status_code == 201, created.text
    sent = await api.ops("POST", f"/subscriptions/{sub}/usage", json=_example("usage.json"))
    assert sent.status_code == 202, sent.text
    assert sent.json()["accepted"] == 2

    async def both_events() -> bool | None:
        return await _usage_events(api, sub) == 2 or None

    assert await eventually(both_events)
