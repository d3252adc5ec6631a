"""Wiring both emulators share: lifespan, error handlers, bearer check, admin, faults."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.types import ASGIApp

from quote2cash.sandbox.common.admin import admin_router
from quote2cash.sandbox.common.faults import (
    INTERNAL_HEADER,
    ErrorRenderer,
    FaultConfig,
    FaultMiddleware,
    Faults,
    RateHeaders,
)
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


def plumbing(
    store: DocStore, config: FaultConfig, *, max_attempts: int, retry_base_seconds: float
) -> tuple[Faults, WebhookDispatcher]:
    """Live fault settings (a copy: admin changes never touch the config) and delivery."""
    faults = Faults(config.model_copy(deep=True))
    dispatcher = WebhookDispatcher(
        store=store,
        faults=faults,
        max_attempts=max_attempts,
        retry_base_seconds=retry_base_seconds,
    )
    return faults, dispatcher


def build_app(
    *,
    title: str,
    vendor: str,
    store: DocStore,
    faults: Faults,
    dispatcher: WebhookDispatcher,
    render_error: ErrorRenderer,
    rate_headers: RateHeaders,
    reset: Callable[[], None],
    seed: Callable[[FastAPI], Awaitable[dict[str, Any]]],
    seed_on_start: bool,
) -> FastAPI:
    """The app with its lifespan (webhook delivery, optional seeding), faults and admin."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await dispatcher.start()
        if seed_on_start:
            await seed(app)
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
    app.add_middleware(
        FaultMiddleware, faults=faults, render_error=render_error, rate_headers=rate_headers
    )
    app.include_router(
        admin_router(
            vendor=vendor,
            faults=faults,
            dispatcher=dispatcher,
            reset=reset,
            seed=lambda: seed(app),
        )
    )
    return app
