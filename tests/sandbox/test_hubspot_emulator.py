"""The HubSpot client against the HubSpot emulator over loopback.

Shapes follow https://developers.hubspot.com/docs/api-reference/crm-objects-v3/guide,
https://developers.hubspot.com/docs/api-reference/search/guide and
https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from quote2cash.connectors.errors import NotFound, Unauthorized, ValidationFailed
from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.hubspot_models import (
    BatchResponse,
    CollectionResponse,
    ErrorBody,
    HubSpotFilter,
    HubSpotObject,
    SimplePublicObject,
)
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.hubspot.seed import seed
from tests.sandbox.conftest import HUBSPOT_TOKEN

AUTH = {"Authorization": f"Bearer {HUBSPOT_TOKEN}"}


async def deal_with_lines(hubspot: HubSpotClient) -> tuple[HubSpotObject, list[HubSpotObject]]:
    company = await hubspot.create_object("companies", {"name": "Acme", "domain": "acme.test"})
    deal = await hubspot.create_object(
        "deals",
        {"dealname": "Acme annual", "dealstage": "contractsent", "amount": "1200.00"},
        associations=[("companies", company.id)],
    )
    lines = [
        await hubspot.create_object(
            "line_items",
            {"name": name, "quantity": qty, "price": price, "hs_discount_percentage": off},
            associations=[("deals", deal.id)],
        )
        for name, qty, price, off in [("Platform", "2", "500.00", "10"), ("Setup", "1", "300", "0")]
    ]
    return deal, lines


async def test_get_deal_with_properties_and_associations(hubspot: HubSpotClient) -> None:
    deal, lines = await deal_with_lines(hubspot)
    found = await hubspot.get_deal(deal.id, properties=["dealname", "dealstage", "missing"])
    assert found.properties["dealname"] == "Acme annual"
    assert found.properties["missing"] is None
    assert found.properties["hs_object_id"] == deal.id
    assert found.associations["line_items"] == [line.id for line in lines]
    assert len(found.associations["companies"]) == 1


async def test_wire_shape_of_a_record(
    http: httpx.AsyncClient, hubspot: HubSpotClient, hubspot_server: ThreadedServer
) -> None:
    deal, _ = await deal_with_lines(hubspot)
    response = await http.get(
        f"{hubspot_server.url}/crm/v3/objects/0-3/{deal.id}",
        params={"associations": "line_items"},
        headers=AUTH,
    )
    body = response.json()
    assert set(body) >= {"id", "properties", "createdAt", "updatedAt", "archived", "associations"}
    assert all(isinstance(v, str) for v in body["properties"].values())
    assert list(body["associations"]) == ["line items"]
    SimplePublicObject.model_validate(body)


async def test_line_item_amount_is_computed(hubspot: HubSpotClient) -> None:
    _, lines = await deal_with_lines(hubspot)
    read = await hubspot.batch_read(
        "line_items", [x.id for x in lines], properties=["amount", "quantity"]
    )
    assert [Decimal(x.properties["amount"] or "0") for x in read] == [
        Decimal("900.00"),
        Decimal("300.00"),
    ]


async def test_batch_read_skips_unknown_ids(
    hubspot: HubSpotClient, http: httpx.AsyncClient, hubspot_server: ThreadedServer
) -> None:
    deal, _ = await deal_with_lines(hubspot)
    read = await hubspot.batch_read("deals", ["999999", deal.id], properties=["dealname"])
    assert [x.id for x in read] == [deal.id]
    response = await http.post(
        f"{hubspot_server.url}/crm/v3/objects/deals/batch/read",
        headers=AUTH,
        json={"inputs": [{"id": "999999"}], "properties": []},
    )
    assert response.status_code == 207
    assert BatchResponse.model_validate(response.json()).num_errors == 1


async def test_update_deal_and_reject_unknown_stage(hubspot: HubSpotClient) -> None:
    deal, _ = await deal_with_lines(hubspot)
    updated = await hubspot.update_deal(deal.id, {"dealstage": "closedwon"})
    assert updated.properties["dealstage"] == "closedwon"
    assert updated.properties["hs_is_closed_won"] == "true"
    assert updated.properties["closedate"]
    with pytest.raises(ValidationFailed) as caught:
        await hubspot.update_deal(deal.id, {"dealstage": "won-ish"})
    assert "won-ish was not one of the allowed options" in caught.value.messages[-1]


async def test_get_object_errors(
    hubspot: HubSpotClient, hubspot_server: ThreadedServer, http: httpx.AsyncClient
) -> None:
    with pytest.raises(NotFound):
        await hubspot.get_object("companies", "424242", properties=["name"])
    stranger = HubSpotClient(http, base_url=hubspot_server.url, token="wrong")
    with pytest.raises(Unauthorized):
        await stranger.get_deal("1", properties=[])
    response = await http.get(f"{hubspot_server.url}/crm/v3/objects/deals/1")
    ErrorBody.model_validate(response.json())
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


async def test_list_pages_with_after(hubspot: HubSpotClient) -> None:
    for i in range(5):
        await hubspot.create_object("products", {"name": f"P{i}", "price": "1"})
    seen, after = [], None
    while True:
        page, after = await hubspot.list_objects("0-7", properties=["name"], limit=2, after=after)
        seen += [p.properties["name"] for p in page]
        if after is None:
            break
    assert seen == [f"P{i}" for i in range(5)]


async def test_search_filter_groups_and_paging(hubspot: HubSpotClient) -> None:
    for name, stage, amount in [
        ("A", "closedwon", "10"),
        ("B", "closedwon", "200"),
        ("C", "contractsent", "300"),
        ("D", "closedlost", "5"),
    ]:
        await hubspot.create_object(
            "deals", {"dealname": name, "dealstage": stage, "amount": amount}
        )
    won_big = [
        [
            HubSpotFilter(property_name="dealstage", operator="EQ", value="closedwon"),
            HubSpotFilter(property_name="amount", operator="GT", value="100"),
        ],
        [HubSpotFilter(property_name="dealname", operator="IN", values=["c"])],
    ]
    page = await hubspot.search("deals", filter_groups=won_big, properties=["dealname"], limit=1)
    assert (page.total, [r.properties["dealname"] for r in page.results]) == (2, ["B"])
    assert page.after is not None
    found = await hubspot.search_all("deals", filter_groups=won_big, properties=["dealname"])
    assert [r.properties["dealname"] for r in found] == ["B", "C"]
    by_amount = await hubspot.search(
        "deals", filter_groups=[], properties=["dealname"], sorts=["-amount"]
    )
    assert [r.properties["dealname"] for r in by_amount.results] == ["C", "B", "A", "D"]


async def test_search_limits(hubspot: HubSpotClient) -> None:
    too_many = [[HubSpotFilter(property_name="amount", operator="HAS_PROPERTY")]] * 6
    with pytest.raises(ValidationFailed, match="filter groups"):
        await hubspot.search("deals", filter_groups=too_many, properties=[])


async def test_associations_v4(
    hubspot: HubSpotClient, http: httpx.AsyncClient, hubspot_server: ThreadedServer
) -> None:
    contact = await hubspot.create_object("contacts", {"email": "ada@acme.test"})
    company = await hubspot.create_object("0-2", {"name": "Acme"})
    await hubspot.associate("contacts", contact.id, "companies", company.id)
    response = await http.get(
        f"{hubspot_server.url}/crm/v4/objects/companies/{company.id}/associations/contacts",
        headers=AUTH,
    )
    assert response.json()["results"] == [
        {
            "toObjectId": int(contact.id),
            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 280, "label": None}],
        }
    ]
    batch = await http.post(
        f"{hubspot_server.url}/crm/v4/associations/contacts/companies/batch/read",
        headers=AUTH,
        json={"inputs": [{"id": contact.id}]},
    )
    assert batch.json()["results"][0]["to"][0]["toObjectId"] == int(company.id)


async def test_batch_create_update_upsert(
    http: httpx.AsyncClient, hubspot_server: ThreadedServer
) -> None:
    base = f"{hubspot_server.url}/crm/v3/objects/companies"
    created = await http.post(
        f"{base}/batch/create",
        headers=AUTH,
        json={
            "inputs": [
                {"properties": {"name": "One", "domain": "one.test"}},
                {"properties": {"name": "Two", "domain": "two.test"}},
            ]
        },
    )
    assert created.status_code == 201
    ids = [r.id for r in BatchResponse.model_validate(created.json()).results]
    updated = await http.post(
        f"{base}/batch/update",
        headers=AUTH,
        json={"inputs": [{"id": ids[0], "properties": {"name": "Uno"}}]},
    )
    assert updated.json()["results"][0]["properties"]["name"] == "Uno"
    upserted = await http.post(
        f"{base}/batch/upsert",
        headers=AUTH,
        json={
            "inputs": [
                {"idProperty": "domain", "id": "two.test", "properties": {"name": "Dos"}},
                {"idProperty": "domain", "id": "three.test", "properties": {"name": "Tres"}},
            ]
        },
    )
    assert [(r["properties"]["name"], r["new"]) for r in upserted.json()["results"]] == [
        ("Dos", False),
        ("Tres", True),
    ]
    listing = await http.get(base, headers=AUTH, params={"properties": "name"})
    names = [
        r.properties["name"] for r in CollectionResponse.model_validate(listing.json()).results
    ]
    assert names == ["Uno", "Dos", "Tres"]


async def test_archive_hides_the_record(
    hubspot: HubSpotClient, http: httpx.AsyncClient, hubspot_server: ThreadedServer
) -> None:
    product = await hubspot.create_object("products", {"name": "Old"})
    response = await http.delete(
        f"{hubspot_server.url}/crm/v3/objects/products/{product.id}", headers=AUTH
    )
    assert response.status_code == 204
    with pytest.raises(NotFound):
        await hubspot.get_object("products", product.id, properties=[])


async def test_pipelines_list_closedwon(
    http: httpx.AsyncClient, hubspot_server: ThreadedServer
) -> None:
    response = await http.get(f"{hubspot_server.url}/crm/v3/pipelines/deals", headers=AUTH)
    stages = response.json()["results"][0]["stages"]
    closed = {s["id"]: s["metadata"]["isClosed"] for s in stages}
    assert closed["closedwon"] == "true"
    assert closed["contractsent"] == "false"


async def test_seed_through_the_api(hubspot: HubSpotClient) -> None:
    created = await seed(hubspot)
    assert len(created["deals"]) == 3
    deal = await hubspot.get_deal(created["deals"][0], properties=["amount", "dealstage"])
    assert deal.properties == deal.properties | {"amount": "13300.00", "dealstage": "contractsent"}
    assert len(deal.associations["line_items"]) == 2


async def test_properties_api_and_strict_mode(http: httpx.AsyncClient) -> None:
    from quote2cash.connectors.errors import Conflict
    from quote2cash.sandbox.hubspot import create_app
    from tests.sandbox.conftest import hubspot_config

    with ThreadedServer(create_app(hubspot_config())) as server:  # strict by default
        client = HubSpotClient(http, base_url=server.url, token=HUBSPOT_TOKEN)
        with pytest.raises(ValidationFailed) as caught:
            await client.create_object("companies", {"name": "A", "q2c_vat_id": "DE1"})
        assert caught.value.messages[-1] == 'Property "q2c_vat_id" does not exist'
        await client.create_property("companies", "q2c_vat_id", label="VAT id")
        with pytest.raises(Conflict):
            await client.create_property("companies", "q2c_vat_id", label="VAT id")
        company = await client.create_object("companies", {"name": "A", "q2c_vat_id": "DE1"})
        assert company.properties["q2c_vat_id"] == "DE1"
        assert "q2c_vat_id" in await client.list_property_names("0-2")
        # The seed defines nothing: it writes the custom values the portal has defined.
        created = await seed(client)
        assert len(created["deals"]) == 3
        acme = await client.get_object(
            "companies", created["companies"][0], properties=["q2c_vat_id"]
        )
        deal = await client.get_deal(created["deals"][0], properties=["q2c_payment_terms_days"])
        assert acme.properties["q2c_vat_id"] == "GB223456719"
        assert deal.properties.get("q2c_payment_terms_days") is None
