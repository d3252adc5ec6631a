"""The HubSpot emulator's properties API v3, strictness and private-app scopes, over HTTP:
what a real portal refuses, the emulator refuses, with HubSpot's status and category."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.hubspot import create_app
from quote2cash.sandbox.hubspot.scopes import ALL_SCOPES
from tests.sandbox.conftest import HUBSPOT_TOKEN, hubspot_config

AUTH = {"Authorization": f"Bearer {HUBSPOT_TOKEN}"}
STATUS = {
    "name": "q2c_invoice_status",
    "label": "Invoice status",
    "type": "enumeration",
    "fieldType": "select",
    "groupName": "quote2cash",
    "options": [{"label": "Paid", "value": "PAID"}, {"label": "Voided", "value": "VOIDED"}],
}


@pytest.fixture
def portal() -> Iterator[ThreadedServer]:
    with ThreadedServer(create_app(hubspot_config())) as server:
        yield server


async def _call(
    http: httpx.AsyncClient, server: ThreadedServer, method: str, path: str, body: Any = None
) -> httpx.Response:
    return await http.request(method, server.url + path, json=body, headers=AUTH)


async def _group(http: httpx.AsyncClient, portal: ThreadedServer, kind: str = "deals") -> None:
    body = {"name": "quote2cash", "label": "quote2cash", "displayOrder": -1}
    created = await _call(http, portal, "POST", f"/crm/v3/properties/{kind}/groups", body)
    assert created.status_code == 201, created.text


async def test_groups_are_created_once_read_and_relabelled(
    raw_http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    listed = await _call(raw_http, portal, "GET", "/crm/v3/properties/deals/groups")
    assert [g["name"] for g in listed.json()["results"]] == ["dealinformation"]
    await _group(raw_http, portal)
    body = {"name": "quote2cash", "label": "again"}
    again = await _call(raw_http, portal, "POST", "/crm/v3/properties/0-3/groups", body)
    assert (again.status_code, again.json()["category"]) == (409, "CONFLICT")
    path = "/crm/v3/properties/deals/groups/quote2cash"
    patched = await _call(raw_http, portal, "PATCH", path, {"label": "Quote to cash"})
    assert patched.json() == {
        "name": "quote2cash",
        "label": "Quote to cash",
        "displayOrder": -1,
        "archived": False,
    }
    assert (await _call(raw_http, portal, "GET", path)).json()["label"] == "Quote to cash"
    missing = await _call(raw_http, portal, "GET", "/crm/v3/properties/companies/groups/quote2cash")
    assert missing.status_code == 404


async def test_a_property_needs_an_existing_group_and_a_valid_shape(
    raw_http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    no_group = await _call(raw_http, portal, "POST", "/crm/v3/properties/deals", STATUS)
    assert no_group.status_code == 400
    assert "group 'quote2cash' does not exist" in no_group.json()["message"]
    await _group(raw_http, portal)
    wrongs: list[dict[str, Any]] = [
        {"options": []},
        {"fieldType": "text"},
        {"type": "money"},
        {"groupName": ""},
    ]
    for wrong in wrongs:
        refused = await _call(
            raw_http, portal, "POST", "/crm/v3/properties/deals", {**STATUS, **wrong}
        )
        assert refused.status_code == 400, wrong
    created = await _call(raw_http, portal, "POST", "/crm/v3/properties/deals", STATUS)
    assert created.status_code == 201
    assert [o["value"] for o in created.json()["options"]] == ["PAID", "VOIDED"]
    twice = await _call(raw_http, portal, "POST", "/crm/v3/properties/deals", STATUS)
    assert twice.status_code == 409


async def test_definitions_are_patched_but_types_and_built_ins_are_not(
    raw_http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    await _group(raw_http, portal)
    await _call(raw_http, portal, "POST", "/crm/v3/properties/deals", STATUS)
    path = "/crm/v3/properties/deals/q2c_invoice_status"
    relabelled = await _call(raw_http, portal, "PATCH", path, {"label": "Status in Xero"})
    assert relabelled.json()["label"] == "Status in Xero"
    assert (await _call(raw_http, portal, "GET", path)).json()["label"] == "Status in Xero"
    retyped = await _call(raw_http, portal, "PATCH", path, {"type": "string"})
    assert retyped.status_code == 400
    assert "cannot be changed" in retyped.json()["message"]
    built_in = await _call(
        raw_http, portal, "PATCH", "/crm/v3/properties/deals/dealname", {"label": "x"}
    )
    assert built_in.status_code == 400
    unknown = await _call(raw_http, portal, "GET", "/crm/v3/properties/deals/q2c_nothing")
    assert unknown.status_code == 404


async def test_enumeration_values_must_be_among_the_options(
    raw_http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    await _group(raw_http, portal)
    await _call(raw_http, portal, "POST", "/crm/v3/properties/deals", STATUS)
    deal = await _call(raw_http, portal, "POST", "/crm/v3/objects/deals", {"properties": {}})
    path = f"/crm/v3/objects/deals/{deal.json()['id']}"
    wrong = await _call(
        raw_http, portal, "PATCH", path, {"properties": {"q2c_invoice_status": "paid"}}
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["code"] == "INVALID_OPTION"
    assert "allowed options: [PAID, VOIDED]" in wrong.json()["message"]
    right = await _call(
        raw_http, portal, "PATCH", path, {"properties": {"q2c_invoice_status": "PAID"}}
    )
    assert right.json()["properties"]["q2c_invoice_status"] == "PAID"


async def test_undefined_properties_are_refused_unless_strictness_is_turned_off(
    raw_http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    body = {"properties": {"dealname": "x", "q2c_invoice_number": "INV-1"}}
    refused = await _call(raw_http, portal, "POST", "/crm/v3/objects/deals", body)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    with ThreadedServer(create_app(hubspot_config(strict_properties=False))) as lax:
        accepted = await _call(raw_http, lax, "POST", "/crm/v3/objects/deals", body)
        assert accepted.status_code == 201


async def test_a_call_without_its_scope_is_refused_with_missing_scopes(
    raw_http: httpx.AsyncClient,
) -> None:
    granted = [
        s for s in ALL_SCOPES if s not in ("crm.objects.deals.write", "crm.schemas.deals.write")
    ]
    with ThreadedServer(create_app(hubspot_config(scopes=granted))) as portal:
        listed = await _call(raw_http, portal, "GET", "/crm/v3/objects/deals")
        assert listed.status_code == 200
        for path, scope in (
            ("/crm/v3/objects/deals", "crm.objects.deals.write"),
            ("/crm/v3/properties/deals/groups", "crm.schemas.deals.write"),
        ):
            refused = await _call(raw_http, portal, "POST", path, {"name": "x", "label": "x"})
            assert refused.status_code == 403
            body = refused.json()
            assert body["category"] == "MISSING_SCOPES"
            assert body["errors"][0]["context"] == {"requiredGranularScopes": [scope]}
        search = await _call(raw_http, portal, "POST", "/crm/v3/objects/deals/search", {})
        assert search.status_code == 200  # a search reads


async def test_access_token_info_names_portal_app_and_scopes(raw_http: httpx.AsyncClient) -> None:
    config = hubspot_config(scopes=["crm.objects.deals.read"], portal_id=777)
    with ThreadedServer(create_app(config)) as portal:
        path = portal.url + "/oauth/v2/private-apps/get/access-token-info"
        info = await raw_http.post(path, json={"tokenKey": HUBSPOT_TOKEN})
        assert info.json() == {
            "userId": config.user_id,
            "hubId": 777,
            "appId": config.app_id,
            "scopes": ["crm.objects.deals.read"],
        }
        wrong = await raw_http.post(path, json={"tokenKey": "pat-na1-nope"})
        assert wrong.status_code == 401


async def test_deal_pipelines_list_the_default_stages(
    raw_http: httpx.AsyncClient, portal: ThreadedServer
) -> None:
    found = (await _call(raw_http, portal, "GET", "/crm/v3/pipelines/deals")).json()["results"]
    assert [p["id"] for p in found] == ["default"]
    stages = {s["id"]: s["metadata"]["isClosed"] for s in found[0]["stages"]}
    assert stages["closedwon"] == "true"
    assert stages["contractsent"] == "false"
