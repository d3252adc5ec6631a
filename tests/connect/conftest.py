"""A strict Xero emulator (OAuth only, short-lived tokens) and a migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.xero import XeroSandboxConfig
from quote2cash.sandbox.xero import create_app as xero_app
from quote2cash.settings import DEV_XERO_CUSTOM_CLIENT_ID, Settings

TENANT = "7d4d7b4e-8b3a-4c55-9b4c-2f1f6d1e0a02"
CONNECTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # base64 of 32 test bytes


def emulator_config(ttl: int = 1800) -> XeroSandboxConfig:
    return XeroSandboxConfig(
        tenant_id=TENANT, db=":memory:", access_token_ttl_seconds=ttl, static_token=""
    )


def app_settings(
    database_url: str, xero_url: str, tmp_path: Path, *, custom: bool = False
) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "var_dir": tmp_path,
        "xero_base_url": xero_url,
        "xero_tenant_id": "",
        "connection_key": CONNECTION_KEY,
    }
    if custom:
        values["xero_client_id"] = DEV_XERO_CUSTOM_CLIENT_ID
    return Settings.model_validate(values)


@pytest.fixture
def xero_server() -> Iterator[ThreadedServer]:
    with ThreadedServer(xero_app(emulator_config())) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client
