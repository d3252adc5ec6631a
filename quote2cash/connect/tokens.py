"""Access tokens of a stored connection, refreshed by one process at a time.

``StoredTokens`` is the ``AccessTokens`` of one connection row, one instance per process
(every client and activity of the process shares its cache). A token is handed out until
``min(2 minutes, a quarter of its lifetime)`` before it expires; then, or after a 401:

1. the row is locked (PostgreSQL ``SELECT ... FOR UPDATE``; SQLite ``BEGIN IMMEDIATE``),
   so across every worker and the API one process at a time goes on;
2. the row is read again: if another process already refreshed, its token is used;
3. otherwise the token endpoint is called (a refresh token, or client credentials for a
   custom connection), and the new token set, with the rotated refresh token, is
   committed before the new access token is used.

``invalid_grant`` (revoked, expired, or a refresh token already used) marks the row
``needs_reconnect`` and raises ``Unauthorized``, which parks a deal as
``Xero.Unauthorized`` (runbooks/Xero.Unauthorized.md).

The locked section runs in a thread with authlib's synchronous httpx client: a database
transaction held across an ``await`` would let another coroutine of the same event loop
wait on the database lock that this one holds.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import authlib.deprecate  # noqa: F401 - first: it installs an "always" warning filter
import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from quote2cash.connectors.errors import Unauthorized, Unavailable
from quote2cash.keys import aes_key
from quote2cash.settings import Settings
from quote2cash.store import connections
from quote2cash.store.connections import ConnectionMissing, SealBroken, Sealer, TokenSet
from quote2cash.store.db import unit_of_work
from quote2cash.store.models import ConnectionStatus, VendorConnection

with warnings.catch_warnings():
    # authlib warns that it prefers the httpx2 package; httpx is what we have.
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Client, OAuthError

MAX_MARGIN_SECONDS = 120.0
TOKEN_PATH = "/connect/token"  # noqa: S105 - a path, not a secret
# The token endpoint says the grant is gone for good: only a person can fix that.
GRANT_LOST = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})

__all__ = ["AsyncOAuth2Client", "StoredTokens", "connection_sealer", "token_set"]


def connection_sealer(settings: Settings) -> Sealer:
    return Sealer(aes_key(settings.connection_key, settings.var_dir, "connection.key"))


def token_set(answer: dict[str, Any], now: float) -> TokenSet:
    """A token endpoint's answer as the set we store."""
    lifetime = float(answer["expires_in"])
    return TokenSet(
        access_token=str(answer["access_token"]),
        expires_at=now + lifetime,
        lifetime=lifetime,
        refresh_token=answer.get("refresh_token"),
    )


def margin(tokens: TokenSet) -> float:
    return min(MAX_MARGIN_SECONDS, tokens.lifetime / 4)


@dataclass(frozen=True)
class _Lost:
    reason: str


class StoredTokens:
    """``AccessTokens`` for the ``vendor`` connection to ``tenant_id`` (empty: the only one)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        vendor: str = "xero",
        tenant_id: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._vendor = vendor
        self._wanted = tenant_id
        self._clock = clock
        self._sealer = connection_sealer(settings)
        self._cached: TokenSet | None = None
        self._stale: str | None = None
        self._lock = asyncio.Lock()
        self._row_id: int | None = None
        self.tenant_id = tenant_id

    async def access_token(self) -> str:
        cached = self._cached
        if cached is not None and self._usable(cached):
            return cached.access_token
        async with self._lock:
            cached = self._cached
            if cached is None or not self._usable(cached):
                cached = await asyncio.to_thread(self._fresh)
                self._cached = cached
            return cached.access_token

    async def rejected(self, token: str) -> None:
        self._stale = token
        if self._cached is not None and self._cached.access_token == token:
            self._cached = None

    def _usable(self, tokens: TokenSet) -> bool:
        fresh = tokens.expires_at - margin(tokens) > self._clock()
        return fresh and tokens.access_token != self._stale

    def _fresh(self) -> TokenSet:
        try:
            outcome = self._under_lock()
        except ConnectionMissing as exc:
            raise Unauthorized(self._vendor, f"{exc}: run q2c connect {self._vendor}") from exc
        except SealBroken as exc:
            raise Unauthorized(self._vendor, f"{exc}: check Q2C_CONNECTION_KEY") from exc
        if isinstance(outcome, _Lost):
            raise Unauthorized(self._vendor, f"{outcome.reason}: run q2c connect {self._vendor}")
        return outcome

    def _under_lock(self) -> TokenSet | _Lost:
        with unit_of_work(self._engine) as session:
            row = connections.lock(session, self._resolve(session))
            if row.status != ConnectionStatus.CONNECTED:
                return _Lost(f"connection needs reconnecting ({row.status_reason})")
            current = self._sealer.open(row.sealed_tokens, row.vendor, row.tenant_id)
            if self._usable(current):
                return current  # another process refreshed while we waited for the lock
            try:
                renewed = self._request(row, current)
            except OAuthError as exc:
                if exc.error not in GRANT_LOST:
                    raise Unavailable(self._vendor, f"token endpoint: {exc.error}") from exc
                reason = f"token endpoint answered {exc.error}"
                _mark_lost(row, reason)
                session.add(row)
                return _Lost(reason)
            _store(row, self._sealer.seal(renewed, row.vendor, row.tenant_id), renewed)
            session.add(row)
        return renewed  # committed: the rotated refresh token is safe before use

    def _resolve(self, session: Session) -> int:
        """The row's id, found once: which tenant an empty setting meant stays fixed."""
        if self._row_id is None:
            found = connections.find(session, self._vendor, self._wanted)
            if found.id is None:
                raise ConnectionMissing("connection row without an id")
            self._row_id, self.tenant_id = found.id, found.tenant_id
        return self._row_id

    def _request(self, row: VendorConnection, current: TokenSet) -> TokenSet:
        url = self._settings.xero_identity + TOKEN_PATH
        now = self._clock()
        try:
            with OAuth2Client(
                client_id=row.client_id, client_secret=self._settings.xero_client_secret
            ) as client:
                if current.refresh_token:
                    answer = client.refresh_token(url, refresh_token=current.refresh_token)
                else:
                    answer = client.fetch_token(
                        url, grant_type="client_credentials", scope=row.scopes or None
                    )
        except (httpx.TransportError, httpx.HTTPStatusError) as exc:
            raise Unavailable(self._vendor, f"token endpoint: {type(exc).__name__}") from exc
        return token_set(dict(answer), now)


def _mark_lost(row: VendorConnection, reason: str) -> None:
    row.status = ConnectionStatus.NEEDS_RECONNECT
    row.status_reason = reason
    row.updated_at = datetime.now(UTC)


def _store(row: VendorConnection, sealed: bytes, tokens: TokenSet) -> None:
    now = datetime.now(UTC)
    row.sealed_tokens = sealed
    row.access_expires_at = datetime.fromtimestamp(tokens.expires_at, UTC)
    row.refreshes += 1
    row.refreshed_at = now
    row.updated_at = now
