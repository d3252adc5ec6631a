"""Ingress: signed HubSpot webhooks from a loopback load generator against one API process.

The API runs alone (``quote2cash.devstack`` starts it; no Temporal, no worker): every
event is a stage change to a stage that is not won, so it is verified, stored in the
inbox and answered 202, and nothing is relayed. The generator is a few lines of raw
HTTP/1.1 over keep-alive connections, so that it costs the two shared cores far less
than the server it measures. After the run the inbox is counted: every accepted request
must be there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from quote2cash.connectors.signatures import HUBSPOT_SIGNATURE, HUBSPOT_TIMESTAMP, sign_hubspot_v3
from quote2cash.devstack.demo import reset_state
from quote2cash.devstack.processes import Supervisor
from quote2cash.devstack.stack import python_service
from quote2cash.settings import Settings
from quote2cash.store import InboxRepository, make_engine, unit_of_work

CONNECTIONS = 32
PATH = "/webhooks/hubspot"


@dataclass
class IngressResult:
    database: str
    seconds: float
    connections: int
    accepted: int
    refused: int
    stored: int
    latencies_s: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.accepted / max(1e-9, self.seconds)


def _request(settings: Settings, event_id: int) -> bytes:
    event = {
        "eventId": event_id,
        "subscriptionType": "deal.propertyChange",
        "objectId": 1_000_000 + event_id,
        "occurredAt": int(time.time() * 1000),
        "propertyName": "dealstage",
        "propertyValue": "qualifiedtobuy",
        "portalId": 1,
        "appId": 1,
        "attemptNumber": 0,
    }
    body = json.dumps([event]).encode()
    now_ms = int(time.time() * 1000)
    host = f"{settings.api_host}:{settings.api_port}"
    signature = sign_hubspot_v3(
        settings.hubspot_client_secret,
        method="POST",
        uri=f"http://{host}{PATH}",
        body=body,
        timestamp_ms=now_ms,
    )
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{HUBSPOT_SIGNATURE}: {signature}\r\n"
        f"{HUBSPOT_TIMESTAMP}: {now_ms}\r\n\r\n"
    )
    return head.encode() + body


async def _read_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def _connection(
    settings: Settings, first_id: int, stride: int, deadline: float, result: IngressResult
) -> None:
    reader, writer = await asyncio.open_connection(settings.api_host, settings.api_port)
    event_id = first_id
    try:
        while time.monotonic() < deadline:
            request = _request(settings, event_id)
            event_id += stride
            sent = time.perf_counter()
            writer.write(request)
            status = await _read_status(reader)
            if status == 202:
                result.accepted += 1
                result.latencies_s.append(time.perf_counter() - sent)
            else:
                result.refused += 1
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def _stored(settings: Settings) -> int:
    engine = make_engine(settings.db_url)
    try:
        with unit_of_work(engine) as session:
            return sum(InboxRepository(session).counts().values())
    finally:
        engine.dispose()


async def load(settings: Settings, seconds: float, database: str) -> IngressResult:
    result = IngressResult(database, seconds, CONNECTIONS, 0, 0, 0)
    began = time.monotonic()
    deadline = began + seconds
    await asyncio.gather(
        *(_connection(settings, i, CONNECTIONS, deadline, result) for i in range(CONNECTIONS))
    )
    result.seconds = time.monotonic() - began
    result.stored = await asyncio.to_thread(_stored, settings)
    return result


def ingress_settings(var_dir: Path, port: int, database_url: str = "") -> Settings:
    return Settings(
        var_dir=var_dir,
        database_url=database_url,
        api_host="127.0.0.1",
        api_port=port,
        public_api_url="",
        # Nothing listens there: these webhooks never need Temporal.
        temporal_address="127.0.0.1:9",
        otel_exporter="none",
    )


async def run_ingress(settings: Settings, seconds: float, database: str) -> IngressResult:
    reset_state(settings)
    supervisor = Supervisor(settings.var_dir / "logs")
    api = python_service(
        "api",
        ["quote2cash.cli", "api"],
        settings,
        settings.api_port,
        "Q2C_API_PORT",
        f"{settings.api_url}/healthz",
    )
    try:
        supervisor.check_ports([api])
        await supervisor.start(api)
        return await load(settings, seconds, database)
    finally:
        supervisor.stop_all()


def fresh_schema(url: str, schema: str) -> str:
    """Create ``schema`` (dropping an older one) and return the URL that uses it."""
    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
