"""Wiring both emulators share: lifespan, error handlers, bearer check, admin, faults."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.types import ASGIApp

from quote2cash.sandbox.common.faults import INTERNAL_HEADER, ErrorRenderer, FaultMiddleware, Faults
from quote2cash.sandbox.common.store import DocStore
from quote2cash.sandbox.common.webhooks import WebhookDispatcher


def bearer_ok(authorization: str | None, token: str) -> bool:
    if not authorization or not authorization.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(authorization[7:].strip().encode(), token.encode())


def self_client(app: ASGIApp) -> httpx.AsyncClient:
    """An HTTP client into the app itself (admin seeding), exempt from faults."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://sandbox.internal",
        headers={INTERNAL_HEADER.decode(): "1"},
    )


def build_app(
    *,
    title: str,
    store: DocStore,
    dispatcher: WebhookDispatcher,
    faults: Faults,
    render_error: ErrorRenderer,
    on_start: Callable[[FastAPI], Awaitable[Any]] | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await dispatcher.start()
        if on_start is not None:
            await on_start(app)
        try:
            yield
        finally:
            await dispatcher.stop()
            store.close()

    app = FastAPI(
        title=title,
        lifespan=lifespan,
        docs_url="/_sandbox/docs",
        openapi_url="/_sandbox/openapi.json",
        redoc_url=None,
    )
    app.add_middleware(FaultMiddleware, faults=faults, render_error=render_error)
    return app
