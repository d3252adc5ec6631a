from __future__ import annotations

import base64
import json

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.worker import Worker

from quote2cash.store import InboxStatus
from quote2cash.temporal import EncryptionCodec
from tests.api.helpers import entries, settled
from tests.api.support import OPS_TOKEN, Api, eventually, new_deal_id, won_event


async def test_healthz(api: Api) -> None:
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() | {"inbox": {}} == {
        "status": "ok",
        "database": True,
        "temporal": True,
        "inbox": {},
        # Nothing connected yet: health says so before a deal parks on it.
        "connections": [
            {
                "vendor": "xero",
                "tenant_id": "",
                "tenant_name": "",
                "status": "missing",
                "reason": "no Xero connection stored: run q2c connect xero",
                "refreshed_at": None,
                "refreshes": 0,
            }
        ],
    }


async def test_ops_endpoints_need_the_token(api: Api) -> None:
    for path in ("/inbox", "/inbox/1", "/deals/hubspot/1"):
        response = await api.http.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"] == "Unauthorized"
    assert (await api.http.post("/inbox/1/replay")).status_code == 401


async def test_inbox_listing_filtering_and_detail(api: Api) -> None:
    await api.hubspot([won_event(new_deal_id(), stage="appointmentscheduled")])
    await api.hubspot(b"{", secret="wrong")
    listing = (await api.ops("GET", "/inbox")).json()
    assert [e["status"] for e in listing] == ["rejected", "ignored"]
    assert "body" not in listing[0] or listing[0]["body"] is None
    rejected = (await api.ops("GET", "/inbox", params={"status": "rejected"})).json()
    assert len(rejected) == 1
    detail = (await api.ops("GET", f"/inbox/{rejected[0]['id']}")).json()
    assert detail["body"] == "{"
    assert detail["error"].startswith("BadSignature")
    bogus = await api.ops("GET", "/inbox", params={"status": "bogus"})
    assert bogus.status_code == 422
    assert bogus.json()["error"] == "WrongShape"
    assert (await api.ops("GET", "/inbox/999999")).status_code == 404


async def test_replay(api: Api) -> None:
    await api.hubspot(b"[]", secret="wrong")
    [rejected] = entries(api, status=InboxStatus.REJECTED)
    refused = await api.ops("POST", f"/inbox/{rejected.id}/replay")
    assert refused.status_code == 409
    assert refused.json()["error"] == "Conflict"

    await api.hubspot([won_event(new_deal_id(), stage="qualifiedtobuy")])
    [ignored] = entries(api, status=InboxStatus.IGNORED)
    assert ignored.id is not None
    replay = await api.ops("POST", f"/inbox/{ignored.id}/replay")
    assert replay.status_code == 202
    again = await eventually(lambda: settled(api, ignored.id or 0))
    assert again.status == InboxStatus.IGNORED
    assert (await api.ops("POST", "/inbox/999999/replay")).status_code == 404


async def test_deal_view_describes_and_queries(api: Api, stub_worker: Worker) -> None:
    deal = new_deal_id()
    [entry_id] = (await api.hubspot([won_event(deal)])).json()["inbox_ids"]
    await eventually(lambda: settled(api, entry_id))
    response = await api.ops("GET", f"/deals/hubspot/{deal}")
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["workflow"]["status"] == "RUNNING"
    assert view["workflow"]["search_attributes"]["Q2cDealId"] == deal
    assert view["stage"] == {"stage": "stub", "events": [f"start:{deal}:{entry_id}"]}
    missing = await api.ops("GET", "/deals/hubspot/0")
    assert missing.status_code == 404
    assert missing.json()["error"] == "NotFound"


async def test_codec_server_decodes_for_the_temporal_ui(api: Api) -> None:
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"deal_id": "42"}')
    [sealed] = await EncryptionCodec(b"\x00" * 32).encode([plain])
    body = json_format.MessageToDict(Payloads(payloads=[sealed]))
    response = await api.http.post(
        "/codec/decode",
        json=body,
        headers={"origin": "http://127.0.0.1:8233", "authorization": f"Bearer {OPS_TOKEN}"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
    [decoded] = response.json()["payloads"]
    assert base64.b64decode(decoded["data"]) == plain.data
    assert json.loads(base64.b64decode(decoded["data"])) == {"deal_id": "42"}


async def test_unknown_routes_answer_in_the_error_format(api: Api) -> None:
    response = await api.http.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "detail": "Not Found"}
