from __future__ import annotations

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from quote2cash.messages import QUERY_STAGE, deal_workflow_id
from quote2cash.settings import Settings
from quote2cash.store import InboxStatus
from tests.api.helpers import entries, settled
from tests.api.support import Api, eventually, new_deal_id, running_api, won_event

CONFIRM = {"deal_id": "1", "confirmation_id": "prov-1", "confirmed_by": "ops@acme"}


async def test_needs_the_ops_token(api: Api) -> None:
    missing = await api.http.post("/provisioning/confirm", json=CONFIRM)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = await api.http.post(
        "/provisioning/confirm", json=CONFIRM, headers={"authorization": "Bearer guess"}
    )
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "Unauthorized", "detail": "wrong ops token"}
    rejected = entries(api, status=InboxStatus.REJECTED)
    assert len(rejected) == 2
    assert all("authorization" not in e.headers for e in rejected), "token stored in the inbox"
    assert entries(api, status=InboxStatus.PENDING) == []


async def test_an_empty_ops_token_disables_the_endpoint(settings: Settings) -> None:
    async with running_api(settings.model_copy(update={"ops_token": ""})) as api:
        response = await api.http.post(
            "/provisioning/confirm", json=CONFIRM, headers={"authorization": "Bearer x"}
        )
        assert response.status_code == 403
        assert response.json()["error"] == "EndpointDisabled"


async def test_confirmation_signals_the_deal(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal = new_deal_id()
    started = (await api.hubspot([won_event(deal)])).json()["inbox_ids"]
    await eventually(lambda: settled(api, started[0]))
    confirm = CONFIRM | {"deal_id": deal, "note": "tenant acme-prod created"}
    response = await api.ops("POST", "/provisioning/confirm", json=confirm)
    assert response.status_code == 202
    [entry_id] = response.json()["inbox_ids"]
    handle = temporal_dev.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
    assert await handle.result() == deal
    assert (await eventually(lambda: settled(api, entry_id))).status == InboxStatus.RELAYED
    again = await api.ops("POST", "/provisioning/confirm", json=confirm)
    assert again.json()["duplicates"] == 1


async def test_confirmation_for_a_deal_without_workflow_is_ignored(api: Api) -> None:
    response = await api.ops("POST", "/provisioning/confirm", json=CONFIRM | {"deal_id": "404"})
    [entry_id] = response.json()["inbox_ids"]
    ignored = await eventually(lambda: settled(api, entry_id))
    assert ignored.status == InboxStatus.IGNORED
    assert "no running workflow" in (ignored.error or "")


async def test_wrong_shape_is_422(api: Api) -> None:
    response = await api.ops("POST", "/provisioning/confirm", json={"deal_id": "1"})
    assert response.status_code == 422
    assert "confirmation_id: Field required" in response.json()["detail"]


SHIPMENT = {"shipment_id": "box-1", "lines": {"101": 2, "102": 1}, "confirmed_by": "warehouse"}


async def test_shipment_is_stored_then_signalled_once(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal = new_deal_id()
    started = (await api.hubspot([won_event(deal)])).json()["inbox_ids"]
    await eventually(lambda: settled(api, started[0]))
    shipment = SHIPMENT | {"deal_id": deal}
    response = await api.ops("POST", "/shipments/confirm", json=shipment)
    assert response.status_code == 202
    [entry_id] = response.json()["inbox_ids"]
    assert (await eventually(lambda: settled(api, entry_id))).status == InboxStatus.RELAYED
    again = await api.ops("POST", "/shipments/confirm", json=shipment)
    assert again.json()["duplicates"] == 1
    handle = temporal_dev.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
    state = await handle.query(QUERY_STAGE)
    assert [e for e in state["events"] if e.startswith("shipment:")] == [
        "shipment:box-1:101=2,102=1"
    ]


async def test_shipment_needs_a_token_and_lines(api: Api) -> None:
    refused = await api.http.post("/shipments/confirm", json=SHIPMENT | {"deal_id": "1"})
    assert refused.status_code == 401
    empty = await api.ops(
        "POST", "/shipments/confirm", json=SHIPMENT | {"deal_id": "1", "lines": {}}
    )
    assert empty.status_code == 422
    assert "lines" in empty.json()["detail"]
