"""Webhooks out of the emulators, received and verified by a tiny app on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import XeroContactIn, XeroContactRef, XeroCreditNoteIn
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
from tests.sandbox.factories import invoice, line, payment
from tests.sandbox.receiver import Receiver
from tests.sandbox.xero_contract import webhook_errors


@pytest.fixture
def hubspot_hooked(receiver: Receiver) -> Iterator[ThreadedServer]:
    config = hubspot_config(webhook_url=f"{receiver.url}/hubspot")
    with ThreadedServer(hubspot_app(config)) as server:
        yield server


@pytest.fixture
def xero_hooked(receiver: Receiver) -> Iterator[ThreadedServer]:
    config = xero_config(webhook_url=f"{receiver.url}/xero")
    with ThreadedServer(xero_app(config)) as server:
        yield server


async def closed_deal(http: httpx.AsyncClient, server: ThreadedServer) -> str:
    client = HubSpotClient(http, base_url=server.url, token=HUBSPOT_TOKEN)
    deal = await client.create_object("deals", {"dealname": "D", "dealstage": "contractsent"})
    await client.update_deal(deal.id, {"dealstage": "closedwon", "amount": "10"})
    return deal.id


async def test_dealstage_change_is_delivered_signed(
    http: httpx.AsyncClient, hubspot_hooked: ThreadedServer, receiver: Receiver
) -> None:
    deal_id = await closed_deal(http, hubspot_hooked)
    (delivery,) = await receiver.wait_for(1)
    assert delivery.verified, delivery.reason
    (event,) = delivery.body
    assert event["subscriptionType"] == "deal.propertyChange"
    assert (event["objectId"], event["propertyName"], event["propertyValue"]) == (
        int(deal_id),
        "dealstage",
        "closedwon",
    )
    assert event["attemptNumber"] == 0
    assert {"eventId", "subscriptionId", "portalId", "appId", "occurredAt", "changeSource"} <= set(
        event
    )


async def test_batch_update_sends_one_request_with_all_events(
    http: httpx.AsyncClient, hubspot_hooked: ThreadedServer, receiver: Receiver
) -> None:
    client = HubSpotClient(http, base_url=hubspot_hooked.url, token=HUBSPOT_TOKEN)
    ids = [(await client.create_object("deals", {"dealname": n})).id for n in "AB"]
    response = await http.post(
        f"{hubspot_hooked.url}/crm/v3/objects/deals/batch/update",
        headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
        json={"inputs": [{"id": i, "properties": {"dealstage": "closedwon"}} for i in ids]},
    )
    assert response.status_code == 200
    (delivery,) = await receiver.wait_for(1)
    assert [e["objectId"] for e in delivery.body] == [int(i) for i in ids]


async def test_unchanged_or_unsubscribed_properties_send_nothing(
    http: httpx.AsyncClient, hubspot_hooked: ThreadedServer, receiver: Receiver
) -> None:
    client = HubSpotClient(http, base_url=hubspot_hooked.url, token=HUBSPOT_TOKEN)
    deal = await client.create_object("deals", {"dealname": "D", "dealstage": "closedwon"})
    await client.update_deal(deal.id, {"dealstage": "closedwon", "dealname": "E"})
    await http.post(f"{hubspot_hooked.url}/_sandbox/webhooks/flush")
    assert receiver.deliveries == []


async def test_failed_delivery_is_retried_with_next_attempt_number(
    http: httpx.AsyncClient, hubspot_hooked: ThreadedServer, receiver: Receiver
) -> None:
    receiver.fail_next = 2
    await closed_deal(http, hubspot_hooked)
    deliveries = await receiver.wait_for(3)
    assert [d.body[0]["attemptNumber"] for d in deliveries] == [0, 1, 2]
    assert all(d.verified for d in deliveries)
    await http.post(f"{hubspot_hooked.url}/_sandbox/webhooks/flush")
    log = (await http.get(f"{hubspot_hooked.url}/_sandbox/webhooks")).json()["attempts"]
    assert [a["outcome"] for a in log] == ["rejected", "rejected", "delivered"]


async def test_patch_answers_before_delivery(http: httpx.AsyncClient, receiver: Receiver) -> None:
    # A receiver that never answers must not slow the vendor API down.
    config = hubspot_config(webhook_url="http://127.0.0.1:9/unreachable", webhook_max_attempts=1)
    with ThreadedServer(hubspot_app(config)) as server:
        await closed_deal(http, server)
        await http.post(f"{server.url}/_sandbox/webhooks/flush")
        log = (await http.get(f"{server.url}/_sandbox/webhooks")).json()["attempts"]
    assert log[0]["outcome"].startswith("error: ")


async def test_xero_invoice_events_are_signed(
    xero_hooked: ThreadedServer, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    xero = XeroClient(http, base_url=xero_hooked.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
    contact = await xero.create_contact(XeroContactIn(name="Acme"), idempotency_key="c")
    created = await xero.create_invoice(invoice(contact_id=contact.contact_id), idempotency_key="i")
    await xero.create_payment(
        payment(invoice_id=created.invoice_id, amount="120.00"), idempotency_key="p"
    )
    first, second = await receiver.wait_for(2)
    assert webhook_errors(first.body) == []
    assert webhook_errors(second.body) == []
    assert first.verified, first.reason
    assert second.verified, second.reason
    (create,) = first.body["events"]
    assert (create["eventCategory"], create["eventType"]) == ("INVOICE", "CREATE")
    assert create["resourceId"] == created.invoice_id
    assert create["tenantId"] == XERO_TENANT
    assert create["tenantType"] == "ORGANISATION"
    assert create["resourceUrl"].endswith(f"/api.xro/2.0/Invoices/{created.invoice_id}")
    assert second.body["events"][0]["eventType"] == "UPDATE"
    assert second.body["firstEventSequence"] > first.body["lastEventSequence"]
    assert len(first.body["entropy"]) == 20


async def test_replayed_write_sends_no_second_event(
    xero_hooked: ThreadedServer, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    xero = XeroClient(http, base_url=xero_hooked.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
    contact = await xero.create_contact(XeroContactIn(name="Acme"), idempotency_key="c")
    for _ in range(3):
        await xero.create_invoice(invoice(contact_id=contact.contact_id), idempotency_key="i")
    await http.post(f"{xero_hooked.url}/_sandbox/webhooks/flush")
    assert len(receiver.deliveries) == 1


async def test_xero_contact_and_credit_note_events(
    receiver: Receiver, http: httpx.AsyncClient
) -> None:
    config = xero_config(
        webhook_url=f"{receiver.url}/xero", webhook_categories=["CONTACT", "CREDITNOTE"]
    )
    with ThreadedServer(xero_app(config)) as server:
        xero = XeroClient(http, base_url=server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
        contact = await xero.create_contact(XeroContactIn(name="Acme"), idempotency_key="c")
        note = await xero.create_credit_note(
            XeroCreditNoteIn(
                contact=XeroContactRef(contact_id=contact.contact_id), line_items=[line()]
            ),
            idempotency_key="cn",
        )
        first, second = await receiver.wait_for(2)
    assert first.body["events"][0]["eventCategory"] == "CONTACT"
    (event,) = second.body["events"]
    assert (event["resourceId"], event["data"]) == (
        note.credit_note_id,
        {"Type": "ACCRECCREDIT", "Status": "AUTHORISED"},
    )
    assert webhook_errors(first.body) == []
    assert webhook_errors(second.body) == []


async def test_xero_intent_to_receive(
    xero_hooked: ThreadedServer, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    response = await http.post(f"{xero_hooked.url}/_sandbox/webhooks/intent-to-receive")
    assert response.json() == {"passed": True, "correctly_signed": 200, "incorrectly_signed": 401}
    assert [d.verified for d in receiver.deliveries] == [True, False]


async def test_deal_creation_subscription(receiver: Receiver, http: httpx.AsyncClient) -> None:
    config = hubspot_config(
        webhook_url=f"{receiver.url}/hubspot", webhook_subscriptions=["deal.creation"]
    )
    with ThreadedServer(hubspot_app(config)) as server:
        deal_id = await closed_deal(http, server)
        (delivery,) = await receiver.wait_for(1)
        await http.post(f"{server.url}/_sandbox/webhooks/flush")
    assert len(receiver.deliveries) == 1  # the stage change is not subscribed here
    assert delivery.verified
    assert [(e["subscriptionType"], e["objectId"]) for e in delivery.body] == [
        ("deal.creation", int(deal_id))
    ]
