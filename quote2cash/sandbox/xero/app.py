"""The Xero emulator: ``create_app(config)`` returns the FastAPI app.

Vendor paths are under ``/api.xro/2.0`` and need ``Authorization: Bearer <config.token>``
(else 401) and ``xero-tenant-id: <config.tenant_id>`` (missing or unknown: 403);
``/_sandbox/*`` is the admin surface (``quote2cash.sandbox.common.admin``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException

from quote2cash.sandbox.common.app import bearer_ok, build_app, plumbing, self_client
from quote2cash.sandbox.common.store import DocStore
from quote2cash.sandbox.xero import envelope, intent, routes_ledger, routes_sales
from quote2cash.sandbox.xero.books import Books
from quote2cash.sandbox.xero.clock import Clock, system_clock
from quote2cash.sandbox.xero.config import XeroSandboxConfig
from quote2cash.sandbox.xero.envelope import XeroAuthFailed, XeroNotFound, XeroValidation
from quote2cash.sandbox.xero.seed import seed
from quote2cash.sandbox.xero.state import Xero


def create_app(config: XeroSandboxConfig | None = None, *, clock: Clock | None = None) -> FastAPI:
    config = config or XeroSandboxConfig()
    store = DocStore(config.db)
    books = Books(store, config, clock or system_clock)
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
                http, base_url=str(http.base_url), tenant_id=config.tenant_id, token=config.token
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
    vendor = [Depends(_auth(config))]
    app.include_router(routes_sales.router, dependencies=vendor)
    app.include_router(routes_ledger.router, dependencies=vendor)
    app.include_router(intent.router)
    _handlers(app)
    return app


def _auth(config: XeroSandboxConfig) -> Callable[[Request], Awaitable[None]]:
    async def require_auth(request: Request) -> None:
        if not bearer_ok(request.headers.get("authorization"), config.token):
            raise XeroAuthFailed(401)
        tenant = request.headers.get("xero-tenant-id", "")
        if tenant.lower() != config.tenant_id.lower():
            raise XeroAuthFailed(403)

    return require_auth


def _handlers(app: FastAPI) -> None:
    app.add_exception_handler(XeroValidation, envelope.handle_validation)
    app.add_exception_handler(XeroNotFound, envelope.handle_not_found)
    app.add_exception_handler(XeroAuthFailed, envelope.handle_auth)

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
