"""Fault injection: what goes wrong with real vendors, on demand.

Request faults (``RouteFault``) apply to vendor paths whose path matches a glob
(``/crm/v3/objects/deals*``, ``/api.xro/2.0/Invoices*``) and, optionally, a method:

- ``latency_ms``: answer late (timeouts, slow vendors);
- ``rate_limit_burst``: the next N matching requests get 429 with ``Retry-After``;
- ``rate_limit_per_minute``: a vendor quota (Xero: 60 a minute per tenant), 429 beyond it
  with ``Retry-After`` until the oldest request leaves the window;
- ``error_rate`` / ``error_status``: that share of requests fail with that status;
- ``drop_rate``: that share of requests lose their connection mid-response.

Webhook faults (``WebhookFaults``) apply to outgoing deliveries: ``duplicate_rate``
(delivered twice), ``reorder`` (each delivery swapped with the next one), ``delay_ms``,
``bad_signature_rate`` (signature header corrupted), ``drop_rate`` (never sent).

Set them in the config at start, or at run time with ``PUT /_sandbox/faults``. A
``seed`` makes the random choices repeatable.
"""

from __future__ import annotations

import asyncio
import fnmatch
import math
import random
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Requests the emulator makes to itself (admin seeding) skip the faults.
INTERNAL_HEADER = b"x-q2c-sandbox-internal"


class RouteFault(BaseModel):
    path: str = Field("*", description="glob over the request path")
    methods: list[str] | None = None
    latency_ms: int = 0
    error_rate: float = Field(0.0, ge=0, le=1)
    error_status: int = 500
    rate_limit_burst: int = Field(0, ge=0, description="next N requests answer 429")
    retry_after_seconds: int = 1
    drop_rate: float = Field(0.0, ge=0, le=1)
    rate_limit_per_minute: int = Field(0, ge=0)
    _seen: deque[float] = PrivateAttr(default_factory=deque)

    def over_quota(self, now: float) -> float | None:
        """Seconds to wait when this request exceeds the per-minute quota, else None."""
        if not self.rate_limit_per_minute:
            return None
        while self._seen and now - self._seen[0] >= 60:
            self._seen.popleft()
        if len(self._seen) >= self.rate_limit_per_minute:
            return 60 - (now - self._seen[0])
        self._seen.append(now)
        return None

    def matches(self, method: str, path: str) -> bool:
        if self.methods and method.upper() not in {m.upper() for m in self.methods}:
            return False
        return fnmatch.fnmatchcase(path, self.path)


class WebhookFaults(BaseModel):
    duplicate_rate: float = Field(0.0, ge=0, le=1)
    reorder: bool = False
    delay_ms: int = 0
    bad_signature_rate: float = Field(0.0, ge=0, le=1)
    drop_rate: float = Field(0.0, ge=0, le=1)


class FaultConfig(BaseModel):
    routes: list[RouteFault] = Field(default_factory=list)
    webhooks: WebhookFaults = Field(default_factory=WebhookFaults)
    seed: int | None = None


class Faults:
    """The live fault settings of one app, and its random source."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self.random = random.Random(config.seed)

    def replace(self, config: FaultConfig) -> None:
        self.config = config
        self.random = random.Random(config.seed)

    def chance(self, rate: float) -> bool:
        return rate > 0 and self.random.random() < rate


ErrorRenderer = Callable[[int, dict[str, str]], tuple[bytes, str]]
"""(status, extra headers) -> (body, content type) in the vendor's error shape."""


class FaultMiddleware:
    """ASGI middleware applying the request faults to vendor paths (never ``/_sandbox``)."""

    def __init__(self, app: ASGIApp, *, faults: Faults, render_error: ErrorRenderer) -> None:
        self.app = app
        self.faults = faults
        self.render_error = render_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _skips_faults(scope):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        for fault in [f for f in self.faults.config.routes if f.matches(method, path)]:
            if fault.latency_ms:
                await asyncio.sleep(fault.latency_ms / 1000)
            if fault.rate_limit_burst > 0:
                fault.rate_limit_burst -= 1
                headers = {"Retry-After": str(fault.retry_after_seconds)}
                await self._error(send, 429, headers)
                return
            wait = fault.over_quota(time.monotonic())
            if wait is not None:
                await self._error(send, 429, {"Retry-After": str(max(1, math.ceil(wait)))})
                return
            if self.faults.chance(fault.error_rate):
                await self._error(send, fault.error_status, {})
                return
            if self.faults.chance(fault.drop_rate):
                await _drop(send)
        await self.app(scope, receive, send)

    async def _error(self, send: Send, status: int, headers: dict[str, str]) -> None:
        body, content_type = self.render_error(status, headers)
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        raw += [(b"content-type", content_type.encode()), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


def _skips_faults(scope: Scope) -> bool:
    if str(scope["path"]).startswith("/_sandbox"):
        return True
    return any(name == INTERNAL_HEADER for name, _ in scope.get("headers", []))


class ConnectionDropped(Exception):
    """Raised mid-response so that the server closes the connection (fault injection)."""


async def _drop(send: Send) -> None:
    # ASGI cannot reset a socket; announcing a body and failing halfway makes the server
    # close the connection, which the client sees as a broken response.
    start: Message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
    }
    await send(start)
    await send({"type": "http.response.body", "body": b'{"partial', "more_body": True})
    raise ConnectionDropped("fault injection: connection dropped")


def describe(config: FaultConfig) -> dict[str, Any]:
    return config.model_dump()
