"""``q2c connect check`` against a fresh, unconfigured emulator pair: it lists what is
missing and exits 1; after the connect commands a user runs (hubspot, xero, mapping
--create-missing) every line is met and it exits 0."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from quote2cash.api.app import create_app as api_app
from quote2cash.cli import app
from quote2cash.connect import all_met
from quote2cash.connect.check import check_everything
from quote2cash.connect.consent import auto_consent
from quote2cash.connect.hubspot import connect_hubspot
from quote2cash.connect.xero import connect_xero
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.hubspot import HubSpotSandboxConfig
from quote2cash.sandbox.hubspot import create_app as hubspot_app
from quote2cash.settings import Settings, get_settings
from tests.connect.conftest import CONNECTION_KEY, app_settings

HUBSPOT_TOKEN = "pat-check-token"


@pytest.fixture
def portal() -> Iterator[ThreadedServer]:
    with ThreadedServer(hubspot_app(HubSpotSandboxConfig(token=HUBSPOT_TOKEN))) as server:
        yield server


@pytest.fixture
def settings(
    database_url: str, xero_server: ThreadedServer, portal: ThreadedServer, tmp_path: Path
) -> Iterator[Settings]:
    base = app_settings(database_url, xero_server.url, tmp_path).model_copy(
        update={
            "hubspot_base_url": portal.url,
            "hubspot_token": HUBSPOT_TOKEN,
            "payload_key": base64.b64encode(b"\x01" * 32).decode(),
            "xero_webhook_key": "check-webhook-key",
        }
    )
    with ThreadedServer(api_app(base)) as api:
        yield base.model_copy(update={"public_api_url": api.url})


def _cli_check(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    env = {
        "Q2C_DATABASE_URL": settings.database_url,
        "Q2C_VAR_DIR": str(settings.var_dir),
        "Q2C_CONNECTION_KEY": CONNECTION_KEY,
        "Q2C_HUBSPOT_BASE_URL": settings.hubspot_base_url,
        "Q2C_HUBSPOT_TOKEN": settings.hubspot_token,
        "Q2C_XERO_BASE_URL": settings.xero_base_url,
        "Q2C_XERO_TENANT_ID": "",
        "Q2C_XERO_WEBHOOK_KEY": settings.xero_webhook_key,
        "Q2C_PUBLIC_API_URL": settings.public_api_url,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["connect", "check"], env={"COLUMNS": "200"})
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


async def _xero_health(settings: Settings, http: httpx.AsyncClient) -> tuple[str, str]:
    """The API's health answer for Xero's connection: its state and tenant."""
    health = (await http.get(f"{settings.public_api_url}/healthz")).json()
    [xero] = [c for c in health["connections"] if c["vendor"] == "xero"]
    return xero["status"], xero["tenant_id"]


async def test_check_names_what_is_missing_until_the_connect_commands_ran(
    settings: Settings, engine: Engine, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = await check_everything(settings, http, engine)
    missing = {(line.vendor, line.name) for line in fresh if not line.ok}
    assert ("xero", "connection") in missing
    assert ("xero", "account and tax mapping") in missing  # needs the connection first
    assert any(vendor == "hubspot" and "q2c_invoice_number" in name for vendor, name in missing)
    assert ("quote2cash", "API reachable at its public URL") not in missing
    assert await _xero_health(settings, http) == ("missing", "")
    code, output = await asyncio.to_thread(_cli_check, settings, monkeypatch)
    assert code == 1, output
    assert "MISSING" in output
    assert "run q2c connect xero" in output

    assert (await connect_hubspot(settings, http)).ok
    stored = await connect_xero(settings, engine, http, consent=auto_consent(http))
    assert await _xero_health(settings, http) == ("connected", stored.tenant_id)
    half = await check_everything(settings, http, engine)
    # A default chart has no bad-debts account: the one line left for the mapping step.
    assert [line.name for line in half if not line.ok] == ["account bad_debts = BADDEBT"]

    monkeypatch.setenv("Q2C_XERO_BASE_URL", settings.xero_base_url)
    monkeypatch.setenv("Q2C_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("Q2C_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("Q2C_CONNECTION_KEY", CONNECTION_KEY)
    monkeypatch.setenv("Q2C_XERO_TENANT_ID", "")
    get_settings.cache_clear()
    try:
        made = await asyncio.to_thread(
            CliRunner().invoke, app, ["connect", "mapping", "--create-missing"]
        )
    finally:
        get_settings.cache_clear()
    assert made.exit_code == 0, made.output

    done = await check_everything(settings, http, engine)
    assert all_met(done), [line for line in done if not line.ok]
    code, output = await asyncio.to_thread(_cli_check, settings, monkeypatch)
    assert code == 0, output
    assert f"{len(done)} of {len(done)} met" in output
