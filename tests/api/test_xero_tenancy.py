"""Xero events of an organisation that is not ours, over real HTTP: a correctly signed
request is still answered 200 (Xero disables a webhook whose deliveries fail), each
foreign event is stored as rejected evidence with its reason and never reaches a
workflow, and the events of our organisation in the same request go through."""

from __future__ import annotations

import json
import uuid
from typing import Any

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from quote2cash.api.schemas import XeroEvent
from quote2cash.api.tenancy import foreign_tenant, our_xero_tenants
from quote2cash.messages import QUERY_STAGE, deal_workflow_id
from quote2cash.settings import Settings
from quote2cash.store import (
    IdMapRepository,
    InboxRepository,
    InboxStatus,
    connections,
    unit_of_work,
)
from quote2cash.store.db import make_engine, migrate
from quote2cash.store.models import VendorConnection
from tests.api.helpers import entries, entry, settled
from tests.api.support import (
    OUR_XERO_TENANT,
    Api,
    eventually,
    new_deal_id,
    won_event,
    xero_event,
    xero_payload,
)

OTHER_TENANT = "9b1c7a52-1111-4c2d-8e3f-000000000042"


async def _deal_with_invoices(api: Api, *invoices: str) -> str:
    deal = new_deal_id()
    [entry_id] = (await api.hubspot([won_event(deal)])).json()["inbox_ids"]
    assert (await eventually(lambda: settled(api, entry_id))).status == InboxStatus.RELAYED
    with unit_of_work(api.app.state.q2c.engine) as session:
        for n, invoice in enumerate(invoices, start=1):
            key = deal_workflow_id("hubspot", deal) + (f"#invoice:{n}" if n > 1 else "")
            IdMapRepository(session).put("xero", "invoice", key, invoice)
    return deal


async def _signals(env: WorkflowEnvironment, deal: str) -> list[str]:
    handle = env.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
    answer: dict[str, Any] = await handle.query(QUERY_STAGE)
    return [e for e in answer["events"] if e.startswith("invoice:")]


def test_our_tenants_are_the_picked_one_or_every_connected_one(settings: Settings) -> None:
    engine = make_engine(settings.db_url)
    migrate(settings.db_url)
    try:
        assert our_xero_tenants(settings, engine) == {OUR_XERO_TENANT}
        shouting = XeroEvent.model_validate(xero_event("i", tenant=OUR_XERO_TENANT.upper()))
        assert foreign_tenant(shouting, our_xero_tenants(settings, engine)) is None
        nobody = settings.model_copy(update={"xero_tenant_id": ""})
        assert our_xero_tenants(nobody, engine) == frozenset()  # nothing connected yet
        assert foreign_tenant(shouting, our_xero_tenants(nobody, engine)) is not None
        with unit_of_work(engine) as session:  # what q2c connect xero stores
            connections.replace(
                session,
                VendorConnection(
                    vendor="xero",
                    tenant_id=OTHER_TENANT.upper(),
                    grant_type="authorization_code",
                    client_id="app",
                    sealed_tokens=b"sealed",
                ),
            )
        assert our_xero_tenants(nobody, engine) == {OTHER_TENANT}
        assert our_xero_tenants(settings, engine) == {OUR_XERO_TENANT}  # the pick wins
    finally:
        engine.dispose()


async def test_a_foreign_event_is_refused_but_ours_in_the_same_request_goes_through(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    deal = await _deal_with_invoices(api, theirs, mine)
    payload = xero_payload(xero_event(theirs, tenant=OTHER_TENANT), xero_event(mine))
    response = await api.xero(payload)
    assert (response.status_code, response.content) == (200, b"")
    assert await eventually(lambda: _signals(temporal_dev, deal)) == [f"invoice:{mine}:UPDATE"]
    [refused] = entries(api, source="xero", status=InboxStatus.REJECTED)
    assert refused.kind == "INVOICE.UPDATE"
    assert refused.error is not None
    assert refused.error.startswith(f"ForeignTenant: event for Xero tenant {OTHER_TENANT}")
    assert json.loads(refused.body)["resourceId"] == theirs
    assert refused.headers.get("x-xero-signature")  # the evidence: it was signed
    await api.app.state.q2c.relay.drain()
    assert await _signals(temporal_dev, deal) == [f"invoice:{mine}:UPDATE"]
    assert entry(api, refused.id or 0).status == InboxStatus.REJECTED  # never relayed


async def test_a_refused_event_redelivered_is_counted_and_never_replayable(api: Api) -> None:
    foreign = xero_payload(xero_event(str(uuid.uuid4()), tenant=OTHER_TENANT))
    assert (await api.xero(foreign)).status_code == 200
    assert (await api.xero(foreign)).status_code == 200
    [refused] = entries(api, source="xero")
    assert (refused.status, refused.duplicates) == (InboxStatus.REJECTED, 1)
    replay = await api.http.post(
        f"/inbox/{refused.id}/replay",
        headers={"Authorization": f"Bearer {api.app.state.q2c.settings.ops_token}"},
    )
    assert replay.status_code == 409


async def test_the_relay_ignores_a_foreign_event_stored_before_ingress_refused_them(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    invoice = str(uuid.uuid4())
    deal = await _deal_with_invoices(api, invoice)
    body = json.dumps(xero_event(invoice, tenant=OTHER_TENANT))
    with unit_of_work(api.app.state.q2c.engine) as session:
        stored, _ = InboxRepository(session).record(
            "xero", f"old:{invoice}", {}, body, kind="INVOICE.UPDATE"
        )
    assert stored.id is not None
    await api.app.state.q2c.relay.relay_one(stored.id)
    ignored = entry(api, stored.id)
    assert ignored.status == InboxStatus.IGNORED
    assert (ignored.error or "").startswith("ForeignTenant:")
    assert await _signals(temporal_dev, deal) == []
