from __future__ import annotations

import asyncio
import json

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from quote2cash.messages import deal_workflow_id
from quote2cash.settings import Settings
from quote2cash.store import InboxStatus
from quote2cash.temporal import SA_DEAL_ID, SA_STAGE
from tests.api.helpers import entries, runs, settled
from tests.api.support import (
    Api,
    eventually,
    hubspot_headers,
    new_deal_id,
    running_api,
    won_event,
)


async def test_closed_won_starts_the_deal_workflow(
    api: Api, temporal_dev: WorkflowEnvironment
) -> None:
    deal = new_deal_id()
    response = await api.hubspot([won_event(deal)])
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["received"], body["stored"], body["duplicates"]) == (1, 1, 0)
    [entry_id] = body["inbox_ids"]

    entry = await eventually(lambda: settled(api, entry_id))
    assert entry.status == InboxStatus.RELAYED, entry.error
    handle = temporal_dev.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    assert description.workflow_type == "DealWorkflow"
    assert description.typed_search_attributes.get(SA_DEAL_ID) == deal
    assert description.typed_search_attributes.get(SA_STAGE) == "received"


async def test_other_events_are_stored_and_ignored(api: Api) -> None:
    deal = new_deal_id()
    creation = won_event(deal) | {"subscriptionType": "deal.creation", "propertyName": None}
    response = await api.hubspot([won_event(deal, stage="contractsent"), creation])
    assert response.status_code == 202
    assert response.json()["inbox_ids"] == []
    ignored = entries(api, status=InboxStatus.IGNORED)
    assert len(ignored) == 2
    assert {e.error for e in ignored} == {
        "stage 'contractsent' is not a won stage",
        "not a deal stage change (deal.creation None)",
    }


async def test_duplicate_event_is_acknowledged_once_stored_one_workflow(
    api: Api, temporal_dev: WorkflowEnvironment
) -> None:
    deal = new_deal_id()
    event = won_event(deal)
    retry = event | {"attemptNumber": 1}
    first, second, third = await asyncio.gather(
        api.hubspot([event]), api.hubspot([retry]), api.hubspot([event])
    )
    assert [r.status_code for r in (first, second, third)] == [202, 202, 202]
    assert sorted(r.json()["duplicates"] for r in (first, second, third)) == [0, 1, 1]
    [entry] = entries(api, source="hubspot")
    assert entry.duplicates == 2
    await eventually(lambda: settled(api, entry.id or 0))
    await api.drain()
    assert await eventually(lambda: runs(temporal_dev, deal)) == 1


async def test_two_won_events_of_one_deal_make_one_workflow(
    api: Api, temporal_dev: WorkflowEnvironment
) -> None:
    deal = new_deal_id()
    await api.hubspot([won_event(deal), won_event(deal)])
    await eventually(lambda: _all_settled(api))
    # Both may be relayed (two relayers racing join the same run) or the later one
    # ignored (the id map says the deal started): either way, one workflow.
    assert {e.status for e in entries(api)} <= {InboxStatus.RELAYED, InboxStatus.IGNORED}
    assert await eventually(lambda: runs(temporal_dev, deal)) == 1


async def _all_settled(api: Api) -> bool:
    return not [e for e in entries(api) if e.status in (InboxStatus.PENDING, InboxStatus.FAILED)]


async def test_bad_signature_is_401_and_recorded(api: Api) -> None:
    body = json.dumps([won_event(new_deal_id())]).encode()
    response = await api.hubspot(body, secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "BadSignature"
    [rejected] = entries(api, status=InboxStatus.REJECTED)
    assert rejected.body == body
    assert "signature does not match" in (rejected.error or "")
    assert rejected.headers["x-hubspot-signature-v3"]
    assert entries(api, status=InboxStatus.PENDING) == []


async def test_missing_signature_is_401(api: Api) -> None:
    response = await api.http.post("/webhooks/hubspot", json=[won_event(new_deal_id())])
    assert response.status_code == 401
    assert "missing" in response.json()["detail"]


async def test_stale_timestamp_is_401_and_recorded(api: Api) -> None:
    response = await api.hubspot([won_event(new_deal_id())], age_ms=6 * 60 * 1000)
    assert response.status_code == 401
    assert response.json() == {
        "error": "BadSignature",
        "detail": "stale request: timestamp is more than 5 minutes from now",
    }
    [rejected] = entries(api, status=InboxStatus.REJECTED)
    assert "stale" in (rejected.error or "")


async def test_malformed_json_is_400_and_recorded(api: Api) -> None:
    response = await api.hubspot(b'[{"eventId": 1,')
    assert response.status_code == 400
    assert response.json()["error"] == "BadPayload"
    assert "not valid JSON" in response.json()["detail"]
    [rejected] = entries(api, status=InboxStatus.REJECTED)
    assert rejected.body == b'[{"eventId": 1,'


async def test_wrong_shape_is_422_saying_what_is_wrong(api: Api) -> None:
    event = won_event(new_deal_id())
    del event["eventId"]
    response = await api.hubspot([event])
    assert response.status_code == 422
    assert response.json()["error"] == "WrongShape"
    assert "0.eventId: Field required" in response.json()["detail"]
    not_a_list = await api.hubspot(json.dumps({"eventId": 1}).encode())
    assert not_a_list.status_code == 422
    assert len(entries(api, status=InboxStatus.REJECTED)) == 2
    assert entries(api, status=InboxStatus.PENDING) == []


async def test_signature_covers_the_public_url_behind_a_proxy(settings: Settings) -> None:
    public = "https://q2c.example.com"
    async with running_api(settings.model_copy(update={"public_api_url": public})) as api:
        body = json.dumps([won_event(new_deal_id(), stage="closedlost")]).encode()
        as_public = hubspot_headers(f"{public}/webhooks/hubspot", body)
        ok = await api.http.post("/webhooks/hubspot", content=body, headers=as_public)
        assert ok.status_code == 202, ok.text
        as_local = await api.hubspot(body)
        assert as_local.status_code == 401
