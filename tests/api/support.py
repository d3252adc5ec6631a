"""Test helpers for the API: a real uvicorn server, signed requests, a stub deal workflow."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from temporalio import workflow

from quote2cash.api.app import create_app
from quote2cash.api.relay import Relay, RelayPolicy
from quote2cash.connectors.signatures import (
    HUBSPOT_SIGNATURE,
    HUBSPOT_TIMESTAMP,
    XERO_SIGNATURE,
    sign_hubspot_v3,
    sign_xero,
)
from quote2cash.messages import (
    DEAL_WORKFLOW,
    QUERY_STAGE,
    SIGNAL_INVOICE_CHANGED,
    SIGNAL_PAYMENT,
    SIGNAL_PROVISIONING,
    SIGNAL_SHIPMENT,
    DealStart,
    InvoiceChanged,
    PaymentReceived,
    ProvisioningConfirmed,
    ShipmentConfirmed,
)
from quote2cash.search_attributes import SA_INVOICE_NUMBER, SA_STAGE
from quote2cash.settings import SANDBOX_XERO_TENANT, Settings

ZERO_KEY = base64.b64encode(b"\x00" * 32).decode()
HUBSPOT_SECRET = "hs-client-secret"
XERO_KEY = "xero-webhook-key"
OPS_TOKEN = "ops-token-for-tests"
FAST = RelayPolicy(
    poll_interval=0.05,
    lease=timedelta(seconds=5),
    backoff_base=timedelta(milliseconds=50),
    backoff_max=timedelta(milliseconds=300),
    # Long enough that a loaded machine still relays a new entry before it runs out.
    unknown_invoice_grace=timedelta(seconds=3),
    unknown_invoice_retry=timedelta(milliseconds=100),
    rpc_timeout=timedelta(seconds=5),
)
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def make_settings(
    database_url: str, temporal_address: str, var_dir: Path, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "temporal_address": temporal_address,
        "payload_key": ZERO_KEY,
        "task_queue": f"tq-{uuid.uuid4().hex[:10]}",
        "hubspot_client_secret": HUBSPOT_SECRET,
        "xero_webhook_key": XERO_KEY,
        "ops_token": OPS_TOKEN,
        "var_dir": var_dir,
        "xero_tenant_id": OUR_XERO_TENANT,
    }
    return Settings(_env_file=None, **(values | extra))


@dataclass
class Api:
    app: FastAPI
    url: str
    http: httpx.AsyncClient

    async def hubspot(self, events: list[dict[str, Any]] | bytes, **sign: Any) -> httpx.Response:
        body = events if isinstance(events, bytes) else json.dumps(events).encode()
        return await self.http.post(
            "/webhooks/hubspot",
            content=body,
            headers=hubspot_headers(f"{self.url}/webhooks/hubspot", body, **sign),
        )

    async def xero(self, payload: dict[str, Any] | bytes, *, key: str = XERO_KEY) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {XERO_SIGNATURE: sign_xero(key, body), "content-type": "application/json"}
        return await self.http.post("/webhooks/xero", content=body, headers=headers)

    async def ops(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {OPS_TOKEN}"}
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def drain(self) -> int:
        relay: Relay = self.app.state.q2c.relay
        return await relay.drain()


def hubspot_headers(
    uri: str, body: bytes, *, secret: str = HUBSPOT_SECRET, age_ms: int = 0
) -> dict[str, str]:
    ts = int(time.time() * 1000) - age_ms
    signature = sign_hubspot_v3(secret, method="POST", uri=uri, body=body, timestamp_ms=ts)
    return {
        HUBSPOT_SIGNATURE: signature,
        HUBSPOT_TIMESTAMP: str(ts),
        "content-type": "application/json",
    }


@asynccontextmanager
async def running_api(settings: Settings, **options: Any) -> AsyncIterator[Api]:
    """The app under uvicorn on a free loopback port, in this event loop."""
    options.setdefault("policy", FAST)
    port = options.pop("port", None) or free_port()
    app = create_app(settings, **options)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _started(server), within=15)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=20) as http:
            yield Api(app=app, url=url, http=http)
    finally:
        server.should_exit = True
        await task


async def _started(server: uvicorn.Server) -> bool:
    return server.started


async def eventually(
    probe: Callable[[], Awaitable[T | bool | None]], *, within: float = 10, every: float = 0.05
) -> T:
    """Poll until ``probe`` answers something truthy; its last error or value on timeout."""
    deadline = time.monotonic() + within
    last: object = None
    while True:
        try:
            value = await probe()
            if value:
                return value  # type: ignore[return-value]
            last = value
        except Exception as exc:  # the condition may not hold yet
            last = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {within}s; last: {last!r}")
        await asyncio.sleep(every)


def won_event(
    deal_id: str, *, event_id: int | None = None, stage: str = "closedwon"
) -> dict[str, Any]:
    return {
        "eventId": event_id or uuid.uuid4().int % 10**10,
        "subscriptionId": 1,
        "portalId": 62515,
        "appId": 1,
        "occurredAt": int(time.time() * 1000),
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0,
        "objectId": int(deal_id),
        "propertyName": "dealstage",
        "propertyValue": stage,
        "changeSource": "CRM_UI",
    }


def new_deal_id() -> str:
    return str(uuid.uuid4().int % 10**12)


OUR_XERO_TENANT = SANDBOX_XERO_TENANT


def xero_event(
    invoice_id: str,
    *,
    category: str = "INVOICE",
    event_type: str = "UPDATE",
    tenant: str = OUR_XERO_TENANT,
) -> dict[str, Any]:
    return {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{invoice_id}",
        "resourceId": invoice_id,
        "eventDateUtc": "2025-03-01T10:00:00.123",
        "eventType": event_type,
        "eventCategory": category,
        "tenantId": tenant,
        "tenantType": "ORGANISATION",
    }


def xero_payload(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "events": list(events),
        "firstEventSequence": 1,
        "lastEventSequence": max(len(events), 1),
        "entropy": "S0m3r4Nd0mt3xt",
    }


@workflow.defn(name=DEAL_WORKFLOW)
class StubDeal:
    """Stands in for the real DealWorkflow: records signals, finishes on provisioning."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.done = False

    @workflow.run
    async def run(self, start: DealStart) -> str:
        self.events.append(f"start:{start.deal_id}:{start.inbox_id}")
        await workflow.wait_condition(lambda: self.done)
        # What the real workflow leaves on a paid deal: what the API reads of an ended one.
        workflow.upsert_search_attributes(
            [SA_STAGE.value_set("completed"), SA_INVOICE_NUMBER.value_set("INV-STUB")]
        )
        return start.deal_id

    @workflow.signal(name=SIGNAL_PROVISIONING)
    def provisioning(self, confirmed: ProvisioningConfirmed) -> None:
        self.events.append(f"provisioning:{confirmed.confirmation_id}:{confirmed.confirmed_by}")
        self.done = True

    @workflow.signal(name=SIGNAL_INVOICE_CHANGED)
    def invoice_changed(self, changed: InvoiceChanged) -> None:
        self.events.append(f"invoice:{changed.invoice_id}:{changed.event_type}")

    @workflow.signal(name=SIGNAL_SHIPMENT)
    def shipment(self, shipped: ShipmentConfirmed) -> None:
        lines = ",".join(f"{k}={v}" for k, v in sorted(shipped.lines.items()))
        self.events.append(f"shipment:{shipped.shipment_id}:{lines}")

    @workflow.signal(name=SIGNAL_PAYMENT)
    def payment(self, received: PaymentReceived) -> None:
        self.events.append(f"payment:{received.payment_id}:{received.amount}:{received.invoice_id}")

    @workflow.query(name=QUERY_STAGE)
    def stage(self) -> dict[str, Any]:
        return {"stage": "stub", "events": self.events}
