"""StoredTokens against the emulator: refresh before expiry, 401 retry, another process's
refresh reused, a lost grant parked as needs_reconnect. Counted at the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from quote2cash.connect.consent import auto_consent
from quote2cash.connect.tokens import StoredTokens
from quote2cash.connect.xero import connect_xero
from quote2cash.connectors.errors import Unauthorized
from quote2cash.connectors.xero import XeroClient
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.settings import DEV_XERO_CLIENT_ID, Settings
from tests.connect.conftest import app_settings


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def settings(
    xero_server: ThreadedServer,
    engine: Engine,
    database_url: str,
    http: httpx.AsyncClient,
    tmp_path: Path,
) -> Settings:
    found = app_settings(database_url, xero_server.url, tmp_path)
    await connect_xero(found, engine, http, consent=auto_consent(http))
    return found


async def counters(http: httpx.AsyncClient, settings: Settings) -> dict[str, Any]:
    found: dict[str, Any] = (await http.get(f"{settings.xero_base_url}/_sandbox/oauth")).json()
    return found


def client(http: httpx.AsyncClient, settings: Settings, tokens: StoredTokens) -> XeroClient:
    return XeroClient(http, base_url=settings.xero_base_url, tenant_id="", token=tokens)


async def test_refreshes_a_margin_before_expiry_and_commits_first(
    settings: Settings, engine: Engine, http: httpx.AsyncClient
) -> None:
    clock = Clock()
    tokens = StoredTokens(engine, settings, clock=clock)
    first = await tokens.access_token()
    assert await tokens.access_token() == first  # cached
    clock.now += 1800 - 121  # two minutes (the margin of a 30-minute token) and a second
    assert await tokens.access_token() == first
    clock.now += 2
    second = await tokens.access_token()
    assert second != first
    assert (await counters(http, settings))["refreshes"] == 1
    with engine.connect() as conn:
        refreshes = conn.execute(sa.text("SELECT refreshes FROM vendor_connection")).scalar_one()
    assert refreshes == 1
    assert await client(http, settings, tokens).find_account(code="200") is not None


async def test_a_401_refreshes_once_and_retries(
    settings: Settings, engine: Engine, http: httpx.AsyncClient
) -> None:
    xero = client(http, settings, StoredTokens(engine, settings))
    assert await xero.find_account(code="200") is not None
    await http.post(f"{settings.xero_base_url}/_sandbox/oauth/expire")
    assert await xero.find_account(code="200") is not None
    seen = await counters(http, settings)
    assert (seen["refreshes"], seen["invalid_grant"]) == (1, 0)


async def test_another_process_refresh_is_used_not_repeated(
    settings: Settings, engine: Engine, http: httpx.AsyncClient
) -> None:
    ours, theirs = StoredTokens(engine, settings), StoredTokens(engine, settings)
    stale = await ours.access_token()
    await http.post(f"{settings.xero_base_url}/_sandbox/oauth/expire")
    await theirs.rejected(await theirs.access_token())
    fresh = await theirs.access_token()  # they refresh
    await ours.rejected(stale)
    assert await ours.access_token() == fresh  # we read theirs from the row
    assert (await counters(http, settings))["refreshes"] == 1


async def test_a_revoked_grant_needs_reconnect(
    settings: Settings, engine: Engine, http: httpx.AsyncClient
) -> None:
    xero = client(http, settings, StoredTokens(engine, settings))
    await http.post(
        f"{settings.xero_base_url}/_sandbox/oauth/revoke", params={"client_id": DEV_XERO_CLIENT_ID}
    )
    with pytest.raises(Unauthorized, match="q2c connect xero"):
        await xero.find_account(code="200")
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT status, status_reason FROM vendor_connection")).one()
    assert row.status == "needs_reconnect"
    assert "invalid_grant" in row.status_reason
    with pytest.raises(Unauthorized):  # and it stays parked, without asking Xero again
        await StoredTokens(engine, settings).access_token()
    assert (await counters(http, settings))["invalid_grant"] == 1
