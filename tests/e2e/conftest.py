"""The whole spine for real: dev server, emulators and API over loopback HTTP, a worker.

Every piece is the product's own: the API app, the emulators' apps, the worker's
workflows and activities. Ports are chosen by the OS; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.deps import Deps
from quote2cash.api.app import create_app
from quote2cash.connect.accounts import ensure_bad_debts_account
from quote2cash.connect.consent import auto_consent
from quote2cash.connect.mapping import require_mapping
from quote2cash.connect.xero import connect_xero
from quote2cash.devstack.seed import prepare_crm
from quote2cash.sandbox.common.faults import FaultConfig
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.hubspot import HubSpotSandboxConfig
from quote2cash.sandbox.hubspot import create_app as hubspot_app
from quote2cash.sandbox.xero import XeroSandboxConfig
from quote2cash.sandbox.xero import create_app as xero_app
from quote2cash.sandbox.xero.reference_data import Region
from quote2cash.settings import SANDBOX_XERO_TENANT, Settings
from quote2cash.store.db import make_engine, migrate
from workers.main import build_worker

TEST_KEY = base64.b64encode(b"\x00" * 32).decode()
XERO_TEST_TOKEN = "e2e-xero-token"
"""What the tests use to look into Xero (the emulator's test-only ``static_token``); the
product itself connects by OAuth, as ``q2c connect xero`` does."""
TWICE_OUT_OF_ORDER: dict[str, Any] = {
    "webhooks": {"duplicate_rate": 1.0, "reorder": True},
    "seed": 7,
}


# The dev server (and so every ``deal:hubspot:<id>`` workflow id, which a closed deal
# never gives up) lives for the whole session, while each test, and each database it
# runs on, gets a fresh HubSpot emulator: each starts its records in an id range of its
# own, so no test's deals meet another's closed workflows.
CRM_IDS = itertools.count(1001, 100_000)


@dataclass
class Spine:
    settings: Settings
    client: Client
    hubspot: ThreadedServer
    xero: ThreadedServer
    api: ThreadedServer


@pytest.fixture
def organisation() -> Region:
    """The Xero organisation the spine's emulator is, and the preset the mapping names:
    UK unless a test parametrizes ``organisation`` (tests that run on every region)."""
    return "uk"


def _settings(
    database_url: str, env: WorkflowEnvironment, task_queue: str, organisation: Region
) -> Settings:
    return Settings(
        accounting_organisation=organisation,
        database_url=database_url,
        temporal_address=env.client.service_client.config.target_host,
        task_queue=task_queue,
        payload_key=TEST_KEY,
        hubspot_client_secret="e2e-hubspot-secret",
        xero_webhook_key="e2e-xero-key",
        ops_token="e2e-ops-token",
        hubspot_token="e2e-hubspot-token",
        connection_key=TEST_KEY,
        xero_tenant_id=SANDBOX_XERO_TENANT,
    )


@pytest.fixture
def spine_servers(
    database_url: str, temporal_dev: WorkflowEnvironment, task_queue: str, organisation: Region
) -> Iterator[tuple[Settings, ThreadedServer, ThreadedServer, ThreadedServer]]:
    migrate(database_url)
    settings = _settings(database_url, temporal_dev, task_queue, organisation)
    with ThreadedServer(create_app(settings)) as api:
        settings = settings.model_copy(update={"public_api_url": api.url})
        hubspot_cfg = HubSpotSandboxConfig(
            token=settings.hubspot_token,
            client_secret=settings.hubspot_client_secret,
            webhook_url=f"{api.url}/webhooks/hubspot",
            webhook_retry_base_seconds=0.05,
            faults=FaultConfig.model_validate(TWICE_OUT_OF_ORDER),
            first_object_id=next(CRM_IDS),
        )
        xero_cfg = XeroSandboxConfig(
            organisation=organisation,
            static_token=XERO_TEST_TOKEN,
            tenant_id=settings.xero_tenant_id,
            webhook_key=settings.xero_webhook_key,
            webhook_url=f"{api.url}/webhooks/xero",
            webhook_retry_base_seconds=0.05,
            faults=FaultConfig.model_validate(TWICE_OUT_OF_ORDER),
        )
        with (
            ThreadedServer(hubspot_app(hubspot_cfg)) as hs,
            ThreadedServer(xero_app(xero_cfg)) as xe,
        ):
            settings = settings.model_copy(
                update={"hubspot_base_url": hs.url, "xero_base_url": xe.url}
            )
            yield settings, hs, xe, api


async def connect_spine_xero(settings: Settings, http: httpx.AsyncClient) -> None:
    """Connect the emulated Xero as a person would (``q2c connect xero``, code + PKCE)."""
    engine = make_engine(settings.db_url)
    try:
        await connect_xero(settings, engine, http, consent=auto_consent(http))
    finally:
        engine.dispose()


@pytest.fixture
async def spine(
    spine_servers: tuple[Settings, ThreadedServer, ThreadedServer, ThreadedServer],
    temporal_dev: WorkflowEnvironment,
) -> AsyncIterator[Spine]:
    settings, hs, xe, api = spine_servers
    async with httpx.AsyncClient(timeout=20) as http:
        await prepare_crm(settings, http)
        await connect_spine_xero(settings, http)
        deps = Deps.build(settings, http)
        # As the worker's start does: the emulator's organisation must match the mapping.
        await ensure_bad_debts_account(deps.xero, deps.mapping)
        await require_mapping(settings, deps.xero)
        async with build_worker(temporal_dev.client, deps, settings.task_queue):
            yield Spine(settings, temporal_dev.client, hs, xe, api)
        deps.engine.dispose()
