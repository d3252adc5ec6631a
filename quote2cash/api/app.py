"""The API application: webhook ingress, ops endpoints, the Temporal UI's codec server.

``create_app`` builds it; ``serve`` runs it with uvicorn on the configured host and port.
At start-up the database is migrated and the relay loop starts; Temporal is connected
to lazily, so the API starts and stores webhooks while Temporal is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

import uvicorn
from fastapi import FastAPI
from temporalio.client import Interceptor

from quote2cash.api import (
    codec,
    dashboard,
    deals,
    errors,
    metrics,
    ops,
    payments,
    preview,
    reconciliations,
    refunds,
    subscriptions,
    webhooks,
)
from quote2cash.api.deps import AppState
from quote2cash.api.gateway import TemporalGateway
from quote2cash.api.limits import BodyLimit
from quote2cash.api.relay import Relay, RelayPolicy
from quote2cash.chart.mapping import mapping_for
from quote2cash.settings import Settings, get_settings
from quote2cash.store import make_engine, migrate
from quote2cash.store.columns import utcnow

log = logging.getLogger(__name__)


def default_policy(settings: Settings) -> RelayPolicy:
    # Read defensively: the won stages become a setting (Q2C_HUBSPOT_WON_STAGES) later.
    stages = getattr(settings, "hubspot_won_stages", None) or ["closedwon"]
    return RelayPolicy(won_stages=frozenset(stages))


def create_app(
    settings: Settings | None = None,
    *,
    interceptors: Sequence[Interceptor] = (),
    policy: RelayPolicy | None = None,
    clock: Callable[[], datetime] = utcnow,
    relay_loop: bool = True,
) -> FastAPI:
    """``interceptors`` go to the Temporal client (the tracing seam); ``relay_loop=False``
    leaves relaying to request background tasks and explicit ``drain()`` calls (tests)."""
    settings = settings or get_settings()
    policy = policy or default_policy(settings)
    mapping_for(settings)  # a bad mapping file refuses to start, one line per problem

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(migrate, settings.db_url)
        engine = make_engine(settings.db_url)
        gateway = TemporalGateway(settings, interceptors)
        relay = Relay(engine=engine, gateway=gateway, settings=settings, policy=policy, clock=clock)
        app.state.q2c = AppState(settings, engine, gateway, relay, clock)
        loop = asyncio.create_task(relay.run(), name="q2c-relay") if relay_loop else None
        try:
            yield
        finally:
            if loop is not None:
                loop.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
            engine.dispose()

    app = FastAPI(
        title="quote2cash",
        summary="Webhook ingress and ops endpoints of the quote-to-cash orchestrator",
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(webhooks.router)
    app.include_router(ops.router)
    app.include_router(deals.router)
    app.include_router(subscriptions.router)
    app.include_router(refunds.router)
    app.include_router(preview.router)
    app.include_router(dashboard.router)
    app.include_router(metrics.router)
    app.include_router(payments.router)
    app.include_router(reconciliations.router)
    codec.install(app, settings)
    # Outermost but for Starlette's own error middleware: nothing reads a body first.
    app.add_middleware(BodyLimit, default=settings.max_body_bytes)
    return app


def serve(settings: Settings, *, interceptors: Sequence[Interceptor] = ()) -> None:
    """Run the API in the foreground (``q2c api``) until interrupted."""
    app = create_app(settings, interceptors=interceptors)
    uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_level="info")
