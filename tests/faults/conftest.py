"""Fault tests: activities against misbehaving emulators, and the spine under chaos.

``spine_servers`` is the end-to-end fixture of ``tests/e2e`` (dev server, emulators and
API over loopback); ``chaos_spine`` runs the product's worker on it like ``spine`` does,
with a shorter vendor HTTP timeout so that injected timeouts cost seconds, not minutes.
``vendors`` serves both emulators with the worker's real ``Deps`` (limiters included).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from activities.deps import Deps
from quote2cash.devstack.seed import prepare_crm
from quote2cash.sandbox.common.faults import FaultConfig
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.hubspot import HubSpotSandboxConfig
from quote2cash.sandbox.hubspot import create_app as hubspot_app
from quote2cash.sandbox.xero import XeroSandboxConfig
from quote2cash.sandbox.xero import create_app as xero_app
from quote2cash.settings import SANDBOX_XERO_TENANT, Settings
from quote2cash.store.db import migrate
from tests.e2e.conftest import Spine, connect_spine_xero, organisation, spine_servers
from workers.main import build_worker

__all__ = ["organisation", "spine_servers"]
CHAOS_HTTP_TIMEOUT_S = 4.0


@dataclass
class Vendors:
    deps: Deps
    hubspot: ThreadedServer
    xero: ThreadedServer
    admin: httpx.AsyncClient

    async def faults(self, server: ThreadedServer, config: FaultConfig) -> None:
        response = await self.admin.put(f"{server.url}/_sandbox/faults", json=config.model_dump())
        response.raise_for_status()

    async def counts(self, server: ThreadedServer) -> dict[str, int]:
        response = await self.admin.get(f"{server.url}/_sandbox/faults/counts")
        response.raise_for_status()
        found: dict[str, int] = response.json()
        return found


@pytest.fixture
def vendor_servers(database_url: str) -> Iterator[tuple[Settings, ThreadedServer, ThreadedServer]]:
    migrate(database_url)
    settings = Settings(
        database_url=database_url,
        hubspot_token="faults-hubspot-token",
        xero_token="faults-xero-token",
        xero_tenant_id=SANDBOX_XERO_TENANT,
    )
    hubspot_cfg = HubSpotSandboxConfig(token=settings.hubspot_token)
    xero_cfg = XeroSandboxConfig(
        static_token=settings.xero_token, tenant_id=settings.xero_tenant_id
    )
    with (
        ThreadedServer(hubspot_app(hubspot_cfg)) as hs,
        ThreadedServer(xero_app(xero_cfg)) as xe,
    ):
        yield (
            settings.model_copy(update={"hubspot_base_url": hs.url, "xero_base_url": xe.url}),
            hs,
            xe,
        )


@pytest.fixture
async def vendors(
    vendor_servers: tuple[Settings, ThreadedServer, ThreadedServer],
) -> AsyncIterator[Vendors]:
    settings, hs, xe = vendor_servers
    async with httpx.AsyncClient(timeout=10) as http, httpx.AsyncClient(timeout=10) as admin:
        await prepare_crm(settings, http)
        deps = Deps.build(settings, http)
        yield Vendors(deps, hs, xe, admin)
        deps.engine.dispose()


@pytest.fixture
async def chaos_spine(
    spine_servers: tuple[Settings, ThreadedServer, ThreadedServer, ThreadedServer],
    temporal_dev: WorkflowEnvironment,
) -> AsyncIterator[Spine]:
    settings, hs, xe, api = spine_servers
    async with httpx.AsyncClient(timeout=CHAOS_HTTP_TIMEOUT_S) as http:
        await prepare_crm(settings, http)
        await connect_spine_xero(settings, http)
        deps = Deps.build(settings, http)
        async with build_worker(temporal_dev.client, deps, settings.task_queue):
            yield Spine(settings, temporal_dev.client, hs, xe, api)
        deps.engine.dispose()
