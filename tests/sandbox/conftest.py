"""Emulators served for real on loopback (port 0), one fresh instance per test.

``http`` and ``xero_http`` are httpx clients whose every Xero request and response is
checked against Xero's OpenAPI spec; a test fails if any exchange broke the contract.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.xero import XeroClient
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.hubspot import HubSpotSandboxConfig
from quote2cash.sandbox.hubspot import create_app as hubspot_app
from quote2cash.sandbox.xero import XeroSandboxConfig
from quote2cash.sandbox.xero import create_app as xero_app
from tests.sandbox.receiver import Receiver
from tests.sandbox.xero_contract import ContractChecker, xero_openapi

HUBSPOT_TOKEN = "hs-test-token"
HUBSPOT_SECRET = "hs-client-secret"
XERO_TOKEN = "xero-test-token"
XERO_TENANT = "7d4d7b4e-8b3a-4c55-9b4c-2f1f6d1e0a01"
XERO_WEBHOOK_KEY = "xero-webhook-key"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(hubspot_secret=HUBSPOT_SECRET, xero_key=XERO_WEBHOOK_KEY) as found:
        yield found


def hubspot_config(**overrides: Any) -> HubSpotSandboxConfig:
    values: dict[str, Any] = {
        "token": HUBSPOT_TOKEN,
        "client_secret": HUBSPOT_SECRET,
        "db": ":memory:",
        "webhook_retry_base_seconds": 0.02,
        **overrides,
    }
    return HubSpotSandboxConfig(**values)


def xero_config(**overrides: Any) -> XeroSandboxConfig:
    values: dict[str, Any] = {
        "static_token": XERO_TOKEN,
        "tenant_id": XERO_TENANT,
        "webhook_key": XERO_WEBHOOK_KEY,
        "db": ":memory:",
        "webhook_retry_base_seconds": 0.02,
        **overrides,
    }
    return XeroSandboxConfig(**values)


@pytest.fixture
def hubspot_server() -> Iterator[ThreadedServer]:
    with ThreadedServer(hubspot_app(hubspot_config())) as server:
        yield server


@pytest.fixture
def xero_server() -> Iterator[ThreadedServer]:
    with ThreadedServer(xero_app(xero_config())) as server:
        yield server


@pytest.fixture
async def http(contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    """Any test's HTTP client: its Xero traffic (``/api.xro/``) is contract-checked too."""
    async with httpx.AsyncClient(timeout=10, event_hooks=contract.hooks()) as client:
        yield client


@pytest.fixture
async def raw_http() -> AsyncIterator[httpx.AsyncClient]:
    """Unchecked: for tests that break Xero's contract on purpose (missing tenant...)."""
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def contract() -> Iterator[ContractChecker]:
    # Loaded before any request: loading it inside the first hook blocks the event loop
    # for seconds and turns concurrent requests into sequential ones.
    xero_openapi()
    checker = ContractChecker()
    yield checker
    assert not checker.failures, "\n".join(checker.failures)


@pytest.fixture
async def xero_http(contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10, event_hooks=contract.hooks()) as client:
        yield client


@pytest.fixture
def hubspot(hubspot_server: ThreadedServer, http: httpx.AsyncClient) -> HubSpotClient:
    return HubSpotClient(http, base_url=hubspot_server.url, token=HUBSPOT_TOKEN)


@pytest.fixture
def xero(xero_server: ThreadedServer, xero_http: httpx.AsyncClient) -> XeroClient:
    return XeroClient(xero_http, base_url=xero_server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
