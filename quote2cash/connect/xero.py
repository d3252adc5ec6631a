"""``q2c connect xero``: grant quote2cash access to a Xero organisation and store it.

``connect_xero(settings, engine, http, consent=...)`` runs authorization code + PKCE
(``consent`` gets the authorize URL and returns where it redirected: a browser with a
loopback listener, a pasted URL, or the emulator's instant consent);
``connect_xero_custom(settings, engine, http)`` uses a custom connection's client
credentials. Both list the organisations from ``GET /connections``, pick one, and store
the connection (replacing an earlier one to the same organisation: a reconnect), and
return what was stored, never the tokens. ``check_xero_connection`` reports whether a
stored connection works, for ``q2c connect check``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel
from sqlalchemy import Engine

from quote2cash.connect import Requirement
from quote2cash.connect.consent import Consent, ConsentFailed
from quote2cash.connect.tokens import (
    TOKEN_PATH,
    AsyncOAuth2Client,
    StoredTokens,
    connection_sealer,
    token_set,
)
from quote2cash.connectors.errors import VendorError
from quote2cash.settings import Settings
from quote2cash.store import connections
from quote2cash.store.db import unit_of_work
from quote2cash.store.models import ConnectionStatus, VendorConnection

VENDOR = "xero"
AUTHORIZE_PATH = "/identity/connect/authorize"
CONNECTIONS_PATH = "/connections"

Choose = Callable[[list[dict[str, Any]]], str]
"""Given several organisations, the tenant id of one (a prompt)."""


class ConnectError(RuntimeError):
    """Connecting failed in a way a person can act on; the message says how."""


class XeroConnection(BaseModel):
    """What was stored: enough to recognise the organisation and the grant, no tokens."""

    tenant_id: str
    tenant_name: str
    grant_type: str
    client_id: str
    scopes: list[str]
    status: str
    access_expires_at: datetime | None
    refreshes: int


async def connect_xero(
    settings: Settings,
    engine: Engine,
    http: httpx.AsyncClient,
    *,
    consent: Consent,
    tenant: str = "",
    choose: Choose | None = None,
) -> XeroConnection:
    """Authorization code with PKCE (S256) and ``offline_access`` for refresh tokens."""
    scopes = list(dict.fromkeys([*settings.xero_scopes, "offline_access"]))
    async with AsyncOAuth2Client(
        client_id=settings.xero_client_id,
        client_secret=settings.xero_client_secret,
        redirect_uri=settings.xero_redirect_uri,
        scope=" ".join(scopes),
        code_challenge_method="S256",
    ) as client:
        verifier = _verifier()
        url, state = client.create_authorization_url(
            settings.xero_login + AUTHORIZE_PATH, code_verifier=verifier
        )
        redirected = await consent(url)
        now = time.time()
        try:
            answer = await client.fetch_token(
                _token_url(settings),
                authorization_response=redirected,
                state=state,
                code_verifier=verifier,
            )
        except Exception as exc:
            raise ConnectError(f"Xero refused the authorization: {_reason(exc)}") from exc
    grant = _Grant(dict(answer), now, "authorization_code", tenant, choose)
    return await _store(settings, engine, http, grant)


async def connect_xero_custom(
    settings: Settings,
    engine: Engine,
    http: httpx.AsyncClient,
    *,
    tenant: str = "",
    choose: Choose | None = None,
) -> XeroConnection:
    """A custom connection: client credentials, bound by Xero to one organisation."""
    now = time.time()
    async with AsyncOAuth2Client(
        client_id=settings.xero_client_id, client_secret=settings.xero_client_secret
    ) as client:
        try:
            answer = await client.fetch_token(_token_url(settings), grant_type="client_credentials")
        except Exception as exc:
            raise ConnectError(f"Xero refused the client credentials: {_reason(exc)}") from exc
    grant = _Grant(dict(answer), now, "client_credentials", tenant, choose)
    return await _store(settings, engine, http, grant)


async def check_xero_connection(
    settings: Settings, engine: Engine, http: httpx.AsyncClient
) -> list[Requirement]:
    """Credentials valid (a token can be had), our organisation still connected, scopes."""
    fix = "run q2c connect xero"
    try:
        with unit_of_work(engine) as session:
            row = connections.find(session, VENDOR, settings.xero_tenant_id)
    except connections.ConnectionMissing as exc:
        return [Requirement(vendor=VENDOR, name="connection", ok=False, detail=str(exc), fix=fix)]
    found = [Requirement(vendor=VENDOR, name="connection", ok=True, detail=row.tenant_name)]
    tokens = StoredTokens(engine, settings, tenant_id=row.tenant_id)
    try:
        access = await tokens.access_token()
        listed = await list_connections(settings, http, access)
    except (VendorError, ConnectError) as exc:
        found.append(Requirement(vendor=VENDOR, name="token", ok=False, detail=str(exc), fix=fix))
        return found
    found.append(Requirement(vendor=VENDOR, name="token", ok=True))
    tenants = {c["tenantId"].lower() for c in listed}
    found.append(
        Requirement(
            vendor=VENDOR,
            name="organisation connected",
            ok=row.tenant_id.lower() in tenants,
            detail=row.tenant_id,
            fix=fix,
        )
    )
    missing = set(settings.xero_scopes) - set(row.scopes.split()) - {"offline_access"}
    found.append(
        Requirement(
            vendor=VENDOR,
            name="scopes",
            ok=not missing,
            detail=" ".join(sorted(missing)) and f"missing: {' '.join(sorted(missing))}",
            fix="add the scopes to the Xero app, then " + fix,
        )
    )
    return found


async def list_connections(
    settings: Settings, http: httpx.AsyncClient, access_token: str
) -> list[dict[str, Any]]:
    """The organisations this grant may use (bearer only, no tenant header)."""
    url = settings.xero_base_url.rstrip("/") + CONNECTIONS_PATH
    answer = await http.get(url, headers={"Authorization": f"Bearer {access_token}"})
    if answer.status_code != 200:
        raise ConnectError(f"GET /connections answered {answer.status_code}")
    listed: list[dict[str, Any]] = answer.json()
    return [c for c in listed if c.get("tenantType") == "ORGANISATION"]


def pick_tenant(
    listed: list[dict[str, Any]], wanted: str, choose: Choose | None = None
) -> dict[str, Any]:
    """``wanted`` if given, else the only organisation, else ``choose`` (a prompt)."""
    if not wanted and len(listed) > 1 and choose is not None:
        wanted = choose(listed)
    if wanted:
        match = [c for c in listed if c["tenantId"].lower() == wanted.lower()]
        if not match:
            raise ConnectError(f"organisation {wanted} is not among this grant's connections")
        return match[0]
    if len(listed) != 1:
        names = ", ".join(f"{c['tenantName']} ({c['tenantId']})" for c in listed) or "none"
        raise ConnectError(f"choose one organisation with --tenant: {names}")
    return listed[0]


@dataclass(frozen=True)
class _Grant:
    answer: dict[str, Any]
    at: float
    grant_type: str
    wanted: str
    choose: Choose | None


async def _store(
    settings: Settings, engine: Engine, http: httpx.AsyncClient, grant: _Grant
) -> XeroConnection:
    tokens, answer = token_set(grant.answer, grant.at), grant.answer
    listed = await list_connections(settings, http, tokens.access_token)
    chosen = pick_tenant(listed, grant.wanted, grant.choose)
    tenant_id = str(chosen["tenantId"])
    row = VendorConnection(
        vendor=VENDOR,
        tenant_id=tenant_id,
        tenant_name=str(chosen.get("tenantName") or ""),
        vendor_connection_id=str(chosen.get("id") or ""),
        grant_type=grant.grant_type,
        client_id=settings.xero_client_id,
        scopes=str(answer.get("scope") or ""),
        sealed_tokens=connection_sealer(settings).seal(tokens, VENDOR, tenant_id),
        access_expires_at=datetime.fromtimestamp(tokens.expires_at, UTC),
        status=ConnectionStatus.CONNECTED,
    )
    with unit_of_work(engine) as session:
        stored = connections.replace(session, row)
        return _described(stored)


def _described(row: VendorConnection) -> XeroConnection:
    return XeroConnection(
        tenant_id=row.tenant_id,
        tenant_name=row.tenant_name,
        grant_type=row.grant_type,
        client_id=row.client_id,
        scopes=row.scopes.split(),
        status=row.status,
        access_expires_at=row.access_expires_at,
        refreshes=row.refreshes,
    )


def _token_url(settings: Settings) -> str:
    return settings.xero_identity + TOKEN_PATH


def _verifier() -> str:
    # RFC 7636: 43 to 128 characters from the unreserved set; token_urlsafe(48) gives 64.
    return secrets.token_urlsafe(48)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ConsentFailed):
        return str(exc)
    error = getattr(exc, "error", None)
    return str(error) if error else type(exc).__name__
