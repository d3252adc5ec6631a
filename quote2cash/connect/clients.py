"""How every process gets a vendor client of the stored connection: ``xero_client``.

Build one ``xero_tokens`` per process and share it (it holds the token cache); clients
are cheap.
"""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from quote2cash.connect.tokens import StoredTokens
from quote2cash.connectors.auth import AccessTokens, StaticToken
from quote2cash.connectors.ratelimit import RateLimiter
from quote2cash.connectors.xero import XeroClient
from quote2cash.settings import Settings
from quote2cash.store.db import make_engine


def xero_tokens(settings: Settings, engine: Engine) -> AccessTokens:
    """The stored Xero connection's tokens (one per process: it holds the cache), or in
    tests the fixed ``Q2C_XERO_TOKEN``."""
    if settings.xero_token:
        return StaticToken(settings.xero_token)
    return StoredTokens(engine, settings, vendor="xero", tenant_id=settings.xero_tenant_id)


def xero_client(
    settings: Settings,
    http: httpx.AsyncClient,
    engine: Engine | None,
    *,
    tokens: AccessTokens | None = None,
    limiter: RateLimiter | None = None,
) -> XeroClient:
    """A XeroClient of the stored connection (``q2c connect xero``), for any process."""
    return XeroClient(
        http,
        base_url=settings.xero_base_url,
        tenant_id=settings.xero_tenant_id,
        token=tokens or xero_tokens(settings, engine or make_engine(settings.db_url)),
        limiter=limiter,
    )
