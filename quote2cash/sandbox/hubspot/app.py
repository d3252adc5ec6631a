"""The HubSpot emulator: ``create_app(config)`` returns the FastAPI app.

Vendor paths need ``Authorization: Bearer <config.token>``; ``/_sandbox/*`` is the admin
surface (see ``quote2cash.sandbox.common.admin``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.sandbox.common.app import bearer_ok, build_app, plumbing, self_client
from quote2cash.sandbox.common.store import DocStore
from quote2cash.sandbox.hubspot import errors, routes_objects, routes_properties, routes_v4, scopes
from quote2cash.sandbox.hubspot.config import HubSpotSandboxConfig
from quote2cash.sandbox.hubspot.crm import Clock, Crm
from quote2cash.sandbox.hubspot.errors import HubSpotError
from quote2cash.sandbox.hubspot.seed import seed
from quote2cash.sandbox.hubspot.state import HubSpot

AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
    "you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


def create_app(
    config: HubSpotSandboxConfig | None = None, *, clock: Clock | None = None
) -> FastAPI:
    config = config or HubSpotSandboxConfig()
    store = DocStore(config.db)
    if config.reset_on_start:
        store.reset()
    faults, dispatcher = plumbing(
        store,
        config.faults,
        max_attempts=config.webhook_max_attempts,
        retry_base_seconds=config.webhook_retry_base_seconds,
    )
    crm = Crm(
        store,
        clock or (lambda: datetime.now(UTC)),
        strict=config.strict_properties,
        first_id=config.first_object_id,
    )

    async def seed_in_process(app: FastAPI) -> dict[str, Any]:
        async with self_client(app) as http:
            return await seed(HubSpotClient(http, base_url=str(http.base_url), token=config.token))

    app = build_app(
        title="HubSpot sandbox",
        vendor="hubspot",
        store=store,
        faults=faults,
        dispatcher=dispatcher,
        render_error=errors.render_fault,
        rate_headers=errors.rate_headers,
        reset=store.reset,
        seed=seed_in_process,
        seed_on_start=config.seed_on_start,
    )
    app.state.hubspot = HubSpot(config, crm, faults, dispatcher)

    async def require_token(request: Request) -> None:
        if not bearer_ok(request.headers.get("authorization"), config.token):
            raise HubSpotError(401, AUTH_MESSAGE)
        scopes.check(request, config.scopes)

    vendor = [Depends(require_token)]
    app.include_router(routes_objects.router, dependencies=vendor)
    app.include_router(routes_v4.router, dependencies=vendor)
    app.include_router(routes_properties.router, dependencies=vendor)
    app.include_router(routes_properties.token_router)
    _handlers(app)
    return app


def _handlers(app: FastAPI) -> None:
    app.add_exception_handler(HubSpotError, errors.handle)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse(errors.error_body(400, f"Invalid input: {exc.errors()}"), 400)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return JSONResponse(errors.error_body(exc.status_code, str(exc.detail)), exc.status_code)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
