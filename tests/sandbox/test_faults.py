"""Fault injection, by config and at run time, as the clients experience it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from quote2cash.connectors.errors import RateLimited, Unavailable
from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.xero import XeroClient
from quote2cash.sandbox.common.faults import FaultConfig, RouteFault, WebhookFaults
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.hubspot import create_app as hubspot_app
from quote2cash.sandbox.xero import create_app as xero_app
from tests.sandbox.conftest import (
    HUBSPOT_TOKEN,
    XERO_TENANT,
    XERO_TOKEN,
    hubspot_config,
    xero_config,
)
from tests.sandbox.receiver import Receiver


async def set_faults(http: httpx.AsyncClient, server: ThreadedServer, faults: FaultConfig) -> None:
    response = await http.put(f"{server.url}/_sandbox/faults", json=faults.model_dump())
    assert response.status_code == 200


async def test_rate_limit_burst_then_recovery(
    http: httpx.AsyncClient, hubspot_server: ThreadedServer, hubspot: HubSpotClient
) -> None:
    deal = await hubspot.create_object("deals", {"dealname": "D"})
    burst = RouteFault(path="/crm/v3/objects/deals/*", rate_limit_burst=2, retry_after_seconds=3)
    await set_faults(http, hubspot_server, FaultConfig(routes=[burst]))
    for _ in range(2):
        with pytest.raises(RateLimited) as caught:
            await hubspot.get_deal(deal.id, properties=[])
        assert caught.value.retry_after == 3
        assert "ten_secondly_rolling" in caught.value.detail
    assert (await hubspot.get_deal(deal.id, properties=[])).id == deal.id
    state = (await http.get(f"{hubspot_server.url}/_sandbox/faults")).json()
    assert state["routes"][0]["rate_limit_burst"] == 0


async def test_error_rate_by_method_from_config(http: httpx.AsyncClient) -> None:
    faults = FaultConfig(
        routes=[
            RouteFault(
                path="/api.xro/2.0/Journals", methods=["GET"], error_rate=1.0, error_status=503
            )
        ]
    )
    with ThreadedServer(xero_app(xero_config(faults=faults))) as server:
        xero = XeroClient(http, base_url=server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
        with pytest.raises(Unavailable) as caught:
            await xero.list_journals()
        assert caught.value.status == 503
        assert await xero.find_invoice(invoice_number="X") is None


async def test_error_rate_is_a_share_and_seeded(
    http: httpx.AsyncClient, hubspot_server: ThreadedServer, hubspot: HubSpotClient
) -> None:
    flaky = RouteFault(path="/crm/v3/objects/products*", error_rate=0.5)
    await set_faults(http, hubspot_server, FaultConfig(routes=[flaky], seed=7))
    outcomes = []
    for _ in range(40):
        try:
            await hubspot.list_objects("products", properties=[])
            outcomes.append(True)
        except Unavailable:
            outcomes.append(False)
    assert 8 < outcomes.count(False) < 32


async def test_latency(
    http: httpx.AsyncClient, hubspot_server: ThreadedServer, hubspot: HubSpotClient
) -> None:
    await set_faults(
        http, hubspot_server, FaultConfig(routes=[RouteFault(path="/crm/*", latency_ms=300)])
    )
    started = time.monotonic()
    await hubspot.list_objects("deals", properties=[])
    assert time.monotonic() - started >= 0.3
    quick = await http.get(f"{hubspot_server.url}/_sandbox/health")
    assert quick.status_code == 200


async def test_latency_beyond_client_timeout_is_unavailable(
    hubspot_server: ThreadedServer, http: httpx.AsyncClient
) -> None:
    await set_faults(
        http, hubspot_server, FaultConfig(routes=[RouteFault(path="/crm/*", latency_ms=500)])
    )
    async with httpx.AsyncClient(timeout=0.1) as impatient:
        client = HubSpotClient(impatient, base_url=hubspot_server.url, token=HUBSPOT_TOKEN)
        with pytest.raises(Unavailable, match="timed out"):
            await client.list_objects("deals", properties=[])


async def test_dropped_connection(
    http: httpx.AsyncClient, hubspot_server: ThreadedServer, hubspot: HubSpotClient
) -> None:
    await set_faults(
        http, hubspot_server, FaultConfig(routes=[RouteFault(path="/crm/*", drop_rate=1.0)])
    )
    with pytest.raises(Unavailable) as caught:
        await hubspot.list_objects("deals", properties=[])
    assert isinstance(caught.value.__cause__, httpx.TransportError)


async def test_cleared_faults(
    http: httpx.AsyncClient, hubspot_server: ThreadedServer, hubspot: HubSpotClient
) -> None:
    await set_faults(
        http, hubspot_server, FaultConfig(routes=[RouteFault(path="*", error_rate=1.0)])
    )
    await http.delete(f"{hubspot_server.url}/_sandbox/faults")
    await hubspot.list_objects("deals", properties=[])


@pytest.fixture
def noisy_hubspot(receiver: Receiver) -> Iterator[ThreadedServer]:
    config = hubspot_config(webhook_url=f"{receiver.url}/hubspot")
    with ThreadedServer(hubspot_app(config)) as server:
        yield server


async def close(hubspot: HubSpotClient, name: str) -> str:
    deal = await hubspot.create_object("deals", {"dealname": name})
    await hubspot.update_deal(deal.id, {"dealstage": "closedwon"})
    return deal.id


async def test_webhook_duplicates_and_bad_signatures(
    http: httpx.AsyncClient, noisy_hubspot: ThreadedServer, receiver: Receiver
) -> None:
    client = HubSpotClient(http, base_url=noisy_hubspot.url, token=HUBSPOT_TOKEN)
    await set_faults(http, noisy_hubspot, FaultConfig(webhooks=WebhookFaults(duplicate_rate=1)))
    deal_id = await close(client, "dup")
    first, second = await receiver.wait_for(2)
    assert first.body == second.body
    assert first.body[0]["objectId"] == int(deal_id)
    await set_faults(http, noisy_hubspot, FaultConfig(webhooks=WebhookFaults(bad_signature_rate=1)))
    await close(client, "forged")
    deliveries = await receiver.wait_for(3)
    assert not deliveries[2].verified
    assert "does not match" in deliveries[2].reason


async def test_webhook_reorder_and_delay(
    http: httpx.AsyncClient, noisy_hubspot: ThreadedServer, receiver: Receiver
) -> None:
    client = HubSpotClient(http, base_url=noisy_hubspot.url, token=HUBSPOT_TOKEN)
    await set_faults(
        http, noisy_hubspot, FaultConfig(webhooks=WebhookFaults(reorder=True, delay_ms=50))
    )
    first = await close(client, "first")
    second = await close(client, "second")
    deliveries = await receiver.wait_for(2)
    assert [d.body[0]["objectId"] for d in deliveries] == [int(second), int(first)]


async def test_webhook_drop(
    http: httpx.AsyncClient, noisy_hubspot: ThreadedServer, receiver: Receiver
) -> None:
    client = HubSpotClient(http, base_url=noisy_hubspot.url, token=HUBSPOT_TOKEN)
    await set_faults(http, noisy_hubspot, FaultConfig(webhooks=WebhookFaults(drop_rate=1)))
    await close(client, "lost")
    await http.post(f"{noisy_hubspot.url}/_sandbox/webhooks/flush")
    assert receiver.deliveries == []
    log = (await http.get(f"{noisy_hubspot.url}/_sandbox/webhooks")).json()["attempts"]
    assert log[0]["outcome"] == "dropped (fault injection)"
