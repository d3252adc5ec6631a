from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from quote2cash.messages import QUERY_STAGE, deal_workflow_id
from quote2cash.store import IdMapRepository, InboxStatus, unit_of_work
from tests.api.helpers import entries, entry, settled
from tests.api.support import (
    Api,
    eventually,
    new_deal_id,
    won_event,
    xero_event,
    xero_payload,
)


async def test_intent_to_receive_handshake(api: Api) -> None:
    good = await api.xero(xero_payload())
    assert (good.status_code, good.content) == (200, b"")
    bad = await api.xero(xero_payload(), key="wrong-key")
    assert bad.status_code == 401
    assert bad.json()["error"] == "BadSignature"
    [rejected] = entries(api, status=InboxStatus.REJECTED)
    assert rejected.source == "xero"
    assert json.loads(rejected.body)["entropy"] == "S0m3r4Nd0mt3xt"


async def test_malformed_xero_body_is_400(api: Api) -> None:
    response = await api.xero(b"not json")
    assert response.status_code == 400
    wrong = await api.xero({"events": [{"resourceId": "x"}]})
    assert wrong.status_code == 422
    assert "firstEventSequence" in wrong.json()["detail"]


async def _started_deal(api: Api) -> str:
    deal = new_deal_id()
    response = await api.hubspot([won_event(deal)])
    [entry_id] = response.json()["inbox_ids"]
    started = await eventually(lambda: settled(api, entry_id))
    assert started.status == InboxStatus.RELAYED
    return deal


def _map_invoice(api: Api, deal: str, invoice_id: str, suffix: str = "") -> None:
    with unit_of_work(api.app.state.q2c.engine) as session:
        IdMapRepository(session).put(
            "xero", "invoice", deal_workflow_id("hubspot", deal) + suffix, invoice_id
        )


async def _signals(env: WorkflowEnvironment, deal: str) -> list[str]:
    handle = env.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
    answer: dict[str, Any] = await handle.query(QUERY_STAGE)
    return [e for e in answer["events"] if e.startswith("invoice:")]


async def test_invoice_event_signals_the_deal(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal, invoice = await _started_deal(api), str(uuid.uuid4())
    _map_invoice(api, deal, invoice)
    response = await api.xero(xero_payload(xero_event(invoice)))
    assert response.status_code == 200
    assert await eventually(lambda: _signals(temporal_dev, deal)) == [f"invoice:{invoice}:UPDATE"]
    # Xero redelivers: stored once, signalled once.
    assert (await api.xero(xero_payload(xero_event(invoice)))).status_code == 200
    [stored] = entries(api, source="xero")
    assert stored.duplicates == 1
    assert await _signals(temporal_dev, deal) == [f"invoice:{invoice}:UPDATE"]


async def test_second_invoice_of_a_split_deal_signals_the_deal(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal, first, second = await _started_deal(api), str(uuid.uuid4()), str(uuid.uuid4())
    _map_invoice(api, deal, first)
    _map_invoice(api, deal, second, suffix="#invoice:2")
    assert (await api.xero(xero_payload(xero_event(second)))).status_code == 200
    assert await eventually(lambda: _signals(temporal_dev, deal)) == [f"invoice:{second}:UPDATE"]
    assert api.app.state.q2c.relay.find_invoice_owner(first) == deal_workflow_id("hubspot", deal)


async def test_webhook_overtaking_the_id_map_is_delivered_late(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal, invoice = await _started_deal(api), str(uuid.uuid4())
    await api.xero(xero_payload(xero_event(invoice, event_type="UPDATE")))
    [waiting] = entries(api, source="xero")
    assert waiting.id is not None

    async def deferred() -> bool:
        found = entry(api, waiting.id or 0)
        return found.status == InboxStatus.PENDING and "not known yet" in (found.error or "")

    await eventually(deferred)
    await asyncio.to_thread(_map_invoice, api, deal, invoice)
    assert await eventually(lambda: _signals(temporal_dev, deal)) == [f"invoice:{invoice}:UPDATE"]
    assert entry(api, waiting.id).status == InboxStatus.RELAYED


async def test_invoice_creation_is_stored_but_not_relayed(api: Api) -> None:
    # The deal created the invoice itself; only later changes (payments) concern it.
    await api.xero(xero_payload(xero_event(str(uuid.uuid4()), event_type="CREATE")))
    [created] = entries(api, source="xero")
    ignored = await eventually(lambda: settled(api, created.id or 0))
    assert ignored.status == InboxStatus.IGNORED
    assert "no relay" in (ignored.error or "")


async def test_unknown_invoice_waits_then_is_ignored(api: Api) -> None:
    invoice = str(uuid.uuid4())
    await api.xero(xero_payload(xero_event(invoice)))
    [waiting] = entries(api, source="xero")
    assert waiting.id is not None
    ignored = await eventually(lambda: settled(api, waiting.id or 0))
    assert ignored.status == InboxStatus.IGNORED
    assert "not one of ours" in (ignored.error or "")
    assert ignored.attempts >= 2, "ignored without waiting for the id map"


async def test_other_categories_are_stored_and_ignored(api: Api) -> None:
    contact = xero_event(str(uuid.uuid4()), category="CONTACT")
    await api.xero(xero_payload(contact))
    [stored] = entries(api, source="xero")
    assert (stored.status, stored.kind) == (InboxStatus.IGNORED, "CONTACT.UPDATE")
