"""The Xero emulator: ``create_app(config)`` returns the FastAPI app.

Vendor paths are under ``/api.xro/2.0`` and need ``Authorization: Bearer <access token>``
from the emulator's identity server (``routes_identity``; expired, revoked or unknown: 401
with ``WWW-Authenticate``), a scope that covers the route (else 403) and
``xero-tenant-id`` of an organisation the grant is connected to (missing or other: 403).
``/_sandbox/*`` is the admin surface (``quote2cash.sandbox.common.admin``).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException

from quote2cash.sandbox.common.app import bearer_ok, build_app, plumbing, self_client
from quote2cash.sandbox.common.store import DocStore
from quote2cash.sandbox.xero import envelope, intent, routes_identity, routes_ledger, routes_sales
from quote2cash.sandbox.xero.books import Books
from quote2cash.sandbox.xero.clock import Clock, system_clock
from quote2cash.sandbox.xero.config import XeroSandboxConfig
from quote2cash.sandbox.xero.envelope import XeroAuthFailed, XeroNotFound, XeroValidation
from quote2cash.sandbox.xero.oauth import ApiRefused, Identity, scope_for
from quote2cash.sandbox.xero.seed import seed
from quote2cash.sandbox.xero.state import Xero


def create_app(config: XeroSandboxConfig | None = None, *, clock: Clock | None = None) -> FastAPI:
    config = config or XeroSandboxConfig()
    store = DocStore(config.db)
    books = Books(store, config, clock or system_clock)
    # Seeding in process calls the API as the organisation itself, with a token nobody
    # outside this process ever sees.
    internal = secrets.token_urlsafe(32)
    if config.reset_on_start:
        store.reset()
    if not store.all("accounts"):
        books.install_defaults()
    faults, dispatcher = plumbing(
        store,
        config.faults,
        max_attempts=config.webhook_max_attempts,
        retry_base_seconds=config.webhook_retry_base_seconds,
    )

    async def seed_in_process(app: FastAPI) -> dict[str, Any]:
        async with self_client(app) as http:
            return await seed(
                http, base_url=str(http.base_url), tenant_id=config.tenant_id, token=internal
            )

    app = build_app(
        title="Xero sandbox",
        vendor="xero",
        store=store,
        faults=faults,
        dispatcher=dispatcher,
        render_error=envelope.render_fault,
        rate_headers=envelope.rate_headers,
        reset=books.reset,
        seed=seed_in_process,
        seed_on_start=config.seed_on_start,
    )
    app.state.xero = Xero(config, books, faults, dispatcher)
    app.state.identity = Identity(config, books.clock)
    vendor = [Depends(_auth(config, app.state.identity, internal))]
    app.include_router(routes_sales.router, dependencies=vendor)
    app.include_router(routes_ledger.router, dependencies=vendor)
    app.include_router(intent.router)
    app.include_router(routes_identity.router)
    app.include_router(routes_identity.admin)
    _handlers(app)
    return app


def _auth(
    config: XeroSandboxConfig, identity: Identity, internal: str
) -> Callable[[Request], Awaitable[None]]:
    fixed = [t for t in (config.static_token, internal) if t]

    async def require_auth(request: Request) -> None:
        header = request.headers.get("authorization")
        tenant = request.headers.get("xero-tenant-id", "")
        if any(bearer_ok(header, t) for t in fixed):
            if tenant.lower() != config.tenant_id.lower():
                raise XeroAuthFailed(403)
            return
        grant = routes_identity.bearer_grant(request, identity)
        if not identity.connected(grant, tenant):
            raise XeroAuthFailed(403)
        if not grant.scopes & scope_for(request.method, request.url.path):
            raise ApiRefused(403, "AuthorizationUnsuccessful")

    return require_auth


def _handlers(app: FastAPI) -> None:
    app.add_exception_handler(XeroValidation, envelope.handle_validation)
    app.add_exception_handler(XeroNotFound, envelope.handle_not_found)
    app.add_exception_handler(XeroAuthFailed, envelope.handle_auth)
    app.add_exception_handler(ApiRefused, envelope.handle_refused)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return await envelope.handle_validation(request, XeroValidation([str(exc.errors())]))

    async def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return PlainTextResponse(envelope.NOT_FOUND_TEXT, status_code=404)
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
