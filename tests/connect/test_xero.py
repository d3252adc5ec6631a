"""q2c connect xero against the emulator: the stored connection, sealed, and its checks."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from quote2cash.connect.consent import auto_consent
from quote2cash.connect.tokens import StoredTokens
from quote2cash.connect.xero import (
    ConnectError,
    check_xero_connection,
    connect_xero,
    connect_xero_custom,
)
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.settings import Settings
from tests.connect.conftest import TENANT, app_settings


async def test_code_flow_stores_a_sealed_connection(
    xero_server: ThreadedServer,
    engine: Engine,
    database_url: str,
    http: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    settings = app_settings(database_url, xero_server.url, tmp_path)
    stored = await connect_xero(settings, engine, http, consent=auto_consent(http))
    assert stored.tenant_id == TENANT
    assert stored.grant_type == "authorization_code"
    assert "offline_access" in stored.scopes
    assert "access_token" not in stored.model_dump_json()
    counters = (await http.get(f"{xero_server.url}/_sandbox/oauth")).json()
    assert counters["tokens_issued"]["authorization_code"] == 1
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM vendor_connection")).mappings().one()
    assert row["status"] == "connected"
    sealed = bytes(row["sealed_tokens"])
    assert sealed.startswith(b"v1:")
    access = await StoredTokens(engine, settings).access_token()
    for value in row.values():
        assert access.encode() not in (value if isinstance(value, bytes) else str(value).encode())
    assert b"access_token" not in sealed


async def test_reconnect_replaces_the_row(
    xero_server: ThreadedServer,
    engine: Engine,
    database_url: str,
    http: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    settings = app_settings(database_url, xero_server.url, tmp_path)
    await connect_xero(settings, engine, http, consent=auto_consent(http))
    await connect_xero(settings, engine, http, consent=auto_consent(http))
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM vendor_connection")).scalar_one()
    assert count == 1


async def test_custom_connection_and_check(
    xero_server: ThreadedServer,
    engine: Engine,
    database_url: str,
    http: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    settings = app_settings(database_url, xero_server.url, tmp_path, custom=True)
    stored = await connect_xero_custom(settings, engine, http)
    assert stored.grant_type == "client_credentials"
    checks = await check_xero_connection(settings, engine, http)
    assert [(c.name, c.ok) for c in checks] == [
        ("connection", True),
        ("token", True),
        ("organisation connected", True),
        ("scopes", True),
    ]


async def test_unknown_tenant_is_refused(
    xero_server: ThreadedServer,
    engine: Engine,
    database_url: str,
    http: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    settings = app_settings(database_url, xero_server.url, tmp_path)
    with pytest.raises(ConnectError, match="not among"):
        await connect_xero(settings, engine, http, consent=auto_consent(http), tenant="other")


async def test_check_without_a_connection(
    engine: Engine, database_url: str, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    settings = app_settings(database_url, "http://127.0.0.1:9", tmp_path)
    checks = await check_xero_connection(settings, engine, http)
    assert [(c.name, c.ok) for c in checks] == [("connection", False)]
    assert "q2c connect xero" in checks[0].fix


def test_identity_hosts_follow_the_api_host() -> None:
    emulated = Settings(xero_base_url="http://127.0.0.1:9102")
    assert (emulated.xero_identity, emulated.xero_login) == ("http://127.0.0.1:9102",) * 2
    real = Settings(xero_base_url="https://api.xero.com")
    assert real.xero_identity == "https://identity.xero.com"
    assert real.xero_login == "https://login.xero.com"
