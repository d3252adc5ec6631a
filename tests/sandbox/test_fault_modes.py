"""Fault modes for chaos runs: drop after commit, recurring 429 bursts, slow shares, the
vendors' rate-limit headers, fault counters; and the client-side limiter against a quota."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from quote2cash.connectors.errors import RateLimited, Unavailable
from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.ratelimit import xero_limiter
from quote2cash.connectors.xero import XeroClient, XeroContactIn
from quote2cash.sandbox.common.faults import FaultConfig, RouteFault
from quote2cash.sandbox.common.server import ThreadedServer
from tests.sandbox.conftest import HUBSPOT_TOKEN, XERO_TENANT, XERO_TOKEN
from tests.sandbox.factories import invoice
from tests.sandbox.test_faults import set_faults

XERO = "/api.xro/2.0"


async def counts(http: httpx.AsyncClient, server: ThreadedServer) -> dict[str, int]:
    response = await http.get(f"{server.url}/_sandbox/faults/counts")
    response.raise_for_status()
    found: dict[str, int] = response.json()
    return found


async def test_drop_after_commit_keeps_the_write_and_the_key_replays_it(
    http: httpx.AsyncClient, xero_server: ThreadedServer, xero: XeroClient
) -> None:
    contact = await xero.create_contact(XeroContactIn(name="Dropped Ltd"), idempotency_key="c1")
    lost = RouteFault(path=f"{XERO}/Invoices", methods=["PUT"], drop_after_rate=1.0)
    await set_faults(http, xero_server, FaultConfig(routes=[lost]))
    draft = invoice(contact_id=str(contact.contact_id), number="INV-DROP-1")
    with pytest.raises(Unavailable):
        await xero.create_invoice(draft, idempotency_key="deal-1:invoice:1")
    committed = await xero.find_invoice(invoice_number="INV-DROP-1")
    assert committed is not None  # the client never heard, but the vendor acted

    await http.delete(f"{xero_server.url}/_sandbox/faults")
    replayed = await xero.create_invoice(draft, idempotency_key="deal-1:invoice:1")
    assert replayed.invoice_id == committed.invoice_id
    assert len(await xero.list_invoices(invoice_numbers=["INV-DROP-1"])) == 1
    assert await counts(http, xero_server) == {"drop_after": 1}


async def test_429_bursts_recur(
    http: httpx.AsyncClient, hubspot_server: ThreadedServer, hubspot: HubSpotClient
) -> None:
    burst = RouteFault(path="/crm/v3/objects/deals", rate_limit_burst=1, rate_limit_burst_every=2)
    await set_faults(http, hubspot_server, FaultConfig(routes=[burst]))
    outcomes = []
    for _ in range(7):
        try:
            await hubspot.list_objects("deals", properties=[])
            outcomes.append("ok")
        except RateLimited:
            outcomes.append("429")
    assert outcomes == ["429", "ok", "ok", "429", "ok", "ok", "429"]
    assert await counts(http, hubspot_server) == {"rate_limit_burst": 3}


async def test_latency_applies_to_its_share_only(
    http: httpx.AsyncClient, hubspot_server: ThreadedServer, hubspot: HubSpotClient
) -> None:
    slow = RouteFault(path="/crm/*", latency_ms=1, latency_rate=0.25)
    await set_faults(http, hubspot_server, FaultConfig(routes=[slow], seed=3))
    for _ in range(40):
        await hubspot.list_objects("deals", properties=[])
    assert 3 <= (await counts(http, hubspot_server))["latency"] <= 20


async def test_xero_quota_sends_its_headers_and_the_problem(
    raw_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    quota = RouteFault(path=f"{XERO}/*", rate_limit_per_minute=2)
    await set_faults(raw_http, xero_server, FaultConfig(routes=[quota]))
    headers = {"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": XERO_TENANT}
    answers = [await raw_http.get(f"{xero_server.url}{XERO}/Contacts", headers=headers)]
    answers += [await raw_http.get(f"{xero_server.url}{XERO}/Contacts", headers=headers)]
    answers += [await raw_http.get(f"{xero_server.url}{XERO}/Contacts", headers=headers)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-MinLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert answers[2].headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 60
    assert await counts(raw_http, xero_server) == {"rate_limit_quota": 1}


async def test_hubspot_quota_sends_its_rolling_window_headers(
    http: httpx.AsyncClient, hubspot_server: ThreadedServer
) -> None:
    quota = RouteFault(path="/crm/*", rate_limit_per_minute=5)
    await set_faults(http, hubspot_server, FaultConfig(routes=[quota]))
    answer = await http.get(
        f"{hubspot_server.url}/crm/v3/objects/deals",
        headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
    )
    assert answer.headers["X-HubSpot-RateLimit-Max"] == "5"
    assert answer.headers["X-HubSpot-RateLimit-Remaining"] == "4"
    assert answer.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "60000"


async def test_the_limiter_keeps_within_the_emulators_quota(
    http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    """Five calls a minute on both sides: the sixth is refused here, never sent there; and
    calls another client made on the same tenant count, read from the vendor's headers."""
    quota = RouteFault(path=f"{XERO}/*", rate_limit_per_minute=5)
    await set_faults(http, xero_server, FaultConfig(routes=[quota]))
    limiter = xero_limiter(per_minute=5, per_day=5000, concurrency=5, max_wait=0.2)
    ours = XeroClient(
        http, base_url=xero_server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN, limiter=limiter
    )
    theirs = XeroClient(http, base_url=xero_server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
    for _ in range(2):
        await theirs.find_contact(contact_number="someone-else")
    await ours.find_contact(contact_number="ours")  # the vendor says: 2 left, not 4
    for _ in range(2):
        await ours.find_contact(contact_number="ours")
    with pytest.raises(RateLimited) as caught:
        await ours.find_contact(contact_number="ours")
    assert caught.value.status is None  # refused by the limiter
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 50
    assert await counts(http, xero_server) == {}  # the emulator never had to say 429


async def test_xero_concurrency_limit_and_the_limiter_that_respects_it(
    http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    slow_and_capped = RouteFault(path=f"{XERO}/*", latency_ms=200, max_concurrent=2)
    await set_faults(http, xero_server, FaultConfig(routes=[slow_and_capped]))
    plain = XeroClient(http, base_url=xero_server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
    outcomes = await asyncio.gather(
        *(plain.find_contact(contact_number=f"c{i}") for i in range(4)), return_exceptions=True
    )
    refused = [o for o in outcomes if isinstance(o, RateLimited)]
    assert len(refused) == 2
    assert all("concurrent rate limit" in r.detail for r in refused)

    limiter = xero_limiter(per_minute=1000, per_day=5000, concurrency=2, max_wait=5)
    polite = XeroClient(
        http, base_url=xero_server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN, limiter=limiter
    )
    await asyncio.gather(*(polite.find_contact(contact_number=f"c{i}") for i in range(4)))
    assert (await counts(http, xero_server))["rate_limit_concurrent"] == 2
