"""Running the emulators as a user or a launcher would: child processes, flags, env vars,
state in a SQLite file that survives a restart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import XeroContactIn
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.xero import create_app as xero_app
from tests.sandbox.conftest import XERO_TENANT, XERO_TOKEN, xero_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def child(module: str, *args: str, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/_sandbox/health").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
            assert time.monotonic() < deadline, f"{url} never answered healthy"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_python_m_hubspot_reads_env_and_flags(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    env = {"Q2C_HUBSPOT_TOKEN": "from-env"}
    db = str(tmp_path / "hubspot.db")
    with child("quote2cash.sandbox.hubspot", "--db", db, "--seed", env=env) as url:
        client = HubSpotClient(http, base_url=url, token="from-env")
        deals, _ = await client.list_objects("deals", properties=["dealname"])
        assert len(deals) == 3
    with child("quote2cash.sandbox.hubspot", "--db", db, "--token", "from-flag", env=env) as url:
        client = HubSpotClient(http, base_url=url, token="from-flag")
        deals, _ = await client.list_objects("deals", properties=["dealname"])
        assert len(deals) == 3  # the file kept them


async def test_python_m_xero_tenant_from_env(http: httpx.AsyncClient) -> None:
    env = {"Q2C_XERO_TENANT_ID": "tenant-from-env", "Q2C_XERO_STATIC_TOKEN": "tok"}
    with child("quote2cash.sandbox.xero", "--seed", env=env) as url:
        xero = XeroClient(http, base_url=url, tenant_id="tenant-from-env", token="tok")
        found = await xero.find_contact(contact_number="CASH-SALES")
        assert found is not None


async def test_xero_state_survives_a_restart(http: httpx.AsyncClient, tmp_path: Path) -> None:
    config = xero_config(db=str(tmp_path / "xero.db"))
    with ThreadedServer(xero_app(config)) as server:
        xero = XeroClient(http, base_url=server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
        created = await xero.create_contact(XeroContactIn(name="Kept"), idempotency_key="k")
    with ThreadedServer(xero_app(config)) as server:
        xero = XeroClient(http, base_url=server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
        assert (await xero.get_contact(created.contact_id)).name == "Kept"
        replayed = await xero.create_contact(XeroContactIn(name="Kept"), idempotency_key="k")
        assert replayed.contact_id == created.contact_id


async def test_admin_reset_and_seed(
    http: httpx.AsyncClient, xero_server: ThreadedServer, xero_http: httpx.AsyncClient
) -> None:
    seeded = (await http.post(f"{xero_server.url}/_sandbox/seed")).json()
    assert len(seeded["items"]) == 3
    xero = XeroClient(xero_http, base_url=xero_server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
    assert await xero.find_contact(contact_number="CASH-SALES") is not None
    await http.post(f"{xero_server.url}/_sandbox/reset")
    assert await xero.find_contact(contact_number="CASH-SALES") is None
    headers = {"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": XERO_TENANT}
    accounts = await xero_http.get(f"{xero_server.url}/api.xro/2.0/Accounts", headers=headers)
    assert len(accounts.json()["Accounts"]) > 5  # defaults back after a reset
