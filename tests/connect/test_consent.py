"""The ways a person consents: a real loopback listener, a pasted URL or code."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from quote2cash.connect.consent import ConsentFailed, loopback_consent, paste_consent
from quote2cash.connect.xero import connect_xero
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.xero import XeroSandboxConfig
from quote2cash.sandbox.xero import create_app as xero_app
from quote2cash.sandbox.xero.config import OAuthClient
from quote2cash.settings import DEV_SECRET, DEV_XERO_CLIENT_ID
from tests.connect.conftest import TENANT, app_settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def browser_that_follows(url: str) -> bool:
    """A browser: loads the authorize page and follows its redirect to our listener."""

    def load() -> None:
        with httpx.Client(timeout=10, follow_redirects=True) as http:
            http.get(url)

    threading.Thread(target=load).start()
    return True


async def test_loopback_listener_receives_the_code(
    engine: Engine,
    database_url: str,
    http: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    client = OAuthClient(
        client_id=DEV_XERO_CLIENT_ID, client_secret=DEV_SECRET, redirect_uris=[redirect]
    )
    config = XeroSandboxConfig(tenant_id=TENANT, oauth_clients=[client])
    with ThreadedServer(xero_app(config)) as server:
        settings = app_settings(database_url, server.url, tmp_path).model_copy(
            update={"xero_redirect_uri": redirect}
        )
        monkeypatch.setattr("webbrowser.open", browser_that_follows)
        said: list[str] = []
        consent = loopback_consent(said.append, redirect, timeout=20)
        stored = await connect_xero(settings, engine, http, consent=consent)
    assert stored.tenant_id == TENANT
    assert "/identity/connect/authorize?" in said[0]


async def test_paste_takes_a_url_or_a_bare_code() -> None:
    redirect = "http://127.0.0.1:8765/callback"
    url = "http://x/identity/connect/authorize?client_id=c&state=s-1"
    pasted = paste_consent(lambda _: None, lambda: "the-code\n", redirect)
    assert await pasted(url) == f"{redirect}?code=the-code&state=s-1"
    full = f"{redirect}?code=c2&state=s-1"
    assert await paste_consent(lambda _: None, lambda: full, redirect)(url) == full
    with pytest.raises(ConsentFailed):
        await paste_consent(lambda _: None, lambda: "", redirect)(url)


def test_loopback_needs_a_loopback_redirect() -> None:
    with pytest.raises(ConsentFailed, match="--paste"):
        loopback_consent(lambda _: None, "https://example.com/callback")
