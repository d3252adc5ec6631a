"""Fault injection: what goes wrong with real vendors, on demand.

Request faults (``RouteFault``) apply to vendor paths whose path matches a glob
(``/crm/v3/objects/deals*``, ``/api.xro/2.0/Invoices*``) and, optionally, a method:

- ``latency_ms``: answer late (timeouts, slow vendors), for ``latency_rate`` of them;
- ``rate_limit_burst``: the next N matching requests get 429 with ``Retry-After``, and
  again after every ``rate_limit_burst_every`` requests when that is set;
- ``rate_limit_per_minute``: a vendor quota (Xero: 60 a minute per tenant), 429 beyond it
  with ``Retry-After`` until the oldest request leaves the window; every answer then
  carries the vendor's rate-limit headers (``RateHeaders``, one per vendor);
- ``error_rate`` / ``error_status``: that share of requests fail with that status;
- ``drop_rate``: that share of requests lose their connection before the vendor acts;
- ``drop_after_rate``: that share lose it after the vendor acted (the write is
  committed, the client never hears so): what idempotency keys exist for;
- ``max_concurrent``: 429 for a request beyond that many in flight (Xero: 5 a tenant).

Webhook faults (``WebhookFaults``) apply to outgoing deliveries: ``duplicate_rate``
(delivered twice), ``reorder`` (each delivery swapped with the next one), ``delay_ms``,
``bad_signature_rate`` (signature header corrupted), ``drop_rate`` (never sent).

Set them in the config at start, or at run time with ``PUT /_sandbox/faults``. A
``seed`` makes the random choices repeatable. Every fault injected is counted
(``Faults.counts``, ``GET /_sandbox/faults/counts``).
"""

from __future__ import annotations

import asyncio
import fnmatch
import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from pydantic import BaseModel, Field, PrivateAttr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Requests the emulator makes to itself (admin seeding) skip the faults.
INTERNAL_HEADER = b"x-q2c-sandbox-internal"


class RouteFault(BaseModel):
    path: str = Field("*", description="glob over the request path")
    methods: list[str] | None = None
    latency_ms: int = 0
    latency_rate: float = Field(1.0, ge=0, le=1, description="share of requests made late")
    error_rate: float = Field(0.0, ge=0, le=1)
    error_status: int = 500
    rate_limit_burst: int = Field(0, ge=0, description="next N requests answer 429")
    rate_limit_burst_every: int = Field(0, ge=0, description="a new burst after N requests")
    retry_after_seconds: int = 1
    drop_rate: float = Field(0.0, ge=0, le=1)
    drop_after_rate: float = Field(0.0, ge=0, le=1)
    rate_limit_per_minute: int = Field(0, ge=0)
    max_concurrent: int = Field(0, ge=0, description="429 beyond N requests in flight")
    _seen: deque[float] = PrivateAttr(default_factory=deque)
    _in_flight: int = PrivateAttr(0)
    _burst_size: int = PrivateAttr(0)
    _since_burst: int = PrivateAttr(0)

    def model_post_init(self, context: Any, /) -> None:
        self._burst_size = self.rate_limit_burst

    def in_burst(self) -> bool:
        """True while a 429 burst lasts; bursts recur every ``rate_limit_burst_every``."""
        if self.rate_limit_burst > 0:
            self.rate_limit_burst -= 1
            return True
        if self.rate_limit_burst_every:
            self._since_burst += 1
            if self._since_burst >= self.rate_limit_burst_every:
                self._since_burst = 0
                self.rate_limit_burst = self._burst_size
        return False

    def over_quota(self, now: float) -> float | None:
        """Seconds to wait when this request exceeds the per-minute quota, else None."""
        if not self.rate_limit_per_minute:
            return None
        self._forget(now)
        if len(self._seen) >= self.rate_limit_per_minute:
            return 60 - (now - self._seen[0])
        self._seen.append(now)
        return None

    def quota(self, now: float) -> Quota | None:
        if not self.rate_limit_per_minute:
            return None
        self._forget(now)
        remaining = max(0, self.rate_limit_per_minute - len(self._seen))
        return Quota(limit=self.rate_limit_per_minute, remaining=remaining, window_seconds=60)

    def _forget(self, now: float) -> None:
        while self._seen and now - self._seen[0] >= 60:
            self._seen.popleft()

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


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    window_seconds: int


RateHeaders = Callable[[Quota | None, str | None], dict[str, str]]
"""(quota state, why this answer is a 429 or None) -> the vendor's rate-limit headers.
The reasons: ``minute`` (quota or burst), ``concurrent``."""


def no_rate_headers(quota: Quota | None, problem: str | None) -> dict[str, str]:
    return {}


class Faults:
    """The live fault settings of one app, its random source, and what it injected."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self.random = random.Random(config.seed)
        self.counts: Counter[str] = Counter()

    def count(self, kind: str) -> None:
        self.counts[kind] += 1

    def replace(self, config: FaultConfig) -> None:
        self.config = config
        self.random = random.Random(config.seed)

    def chance(self, rate: float) -> bool:
        return rate > 0 and self.random.random() < rate


ErrorRenderer = Callable[[int, dict[str, str]], tuple[bytes, str]]
"""(status, extra headers) -> (body, content type) in the vendor's error shape."""


class FaultMiddleware:
    """ASGI middleware applying the request faults to vendor paths (never ``/_sandbox``)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: Faults,
        render_error: ErrorRenderer,
        rate_headers: RateHeaders = no_rate_headers,
    ) -> None:
        self.app = app
        self.faults = faults
        self.render_error = render_error
        self.rate_headers = rate_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _skips_faults(scope):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        matched = [f for f in self.faults.config.routes if f.matches(method, path)]
        # A request holds its place from arrival to answer, slow ones included.
        held = [f for f in matched if f.max_concurrent]
        if any(f._in_flight >= f.max_concurrent for f in held):
            self.faults.count("rate_limit_concurrent")
            headers = {"Retry-After": "1", **self.rate_headers(None, "concurrent")}
            await self._error(send, 429, headers)
            return
        for fault in held:
            fault._in_flight += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                for fault in held:
                    fault._in_flight -= 1

        async def answering(message: Message) -> None:
            # The place frees as the answer leaves, before the client can read it and
            # send its next call: a client that waits for answers never trips the limit.
            if message["type"] == "http.response.body" and not message.get("more_body"):
                release()
            await send(message)

        try:
            await self._faulted(scope, receive, answering if held else send, matched)
        finally:
            release()

    async def _faulted(
        self, scope: Scope, receive: Receive, send: Send, matched: list[RouteFault]
    ) -> None:
        extra: dict[str, str] = {}
        drop_after = False
        for fault in matched:
            if fault.latency_ms and self.faults.chance(fault.latency_rate):
                self.faults.count("latency")
                await asyncio.sleep(fault.latency_ms / 1000)
            refusal = self._refusal(fault, extra)
            if refusal is not None:
                self.faults.count(refusal[0])
                await self._error(send, refusal[1], refusal[2])
                return
            if self.faults.chance(fault.drop_rate):
                self.faults.count("drop")
                await _drop(send)
            drop_after = drop_after or self.faults.chance(fault.drop_after_rate)
        await self._answer(scope, receive, _with_headers(send, extra), drop_after)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, drop_after: bool) -> None:
        if drop_after:
            self.faults.count("drop_after")
            await self.app(scope, receive, _swallow)
            await _drop(send)
        await self.app(scope, receive, send)

    def _refusal(
        self, fault: RouteFault, extra: dict[str, str]
    ) -> tuple[str, int, dict[str, str]] | None:
        """(counter, status, headers) of an error answer instead of the vendor's, or None.

        Fills ``extra`` with the rate-limit headers every answer of a quota carries."""
        if fault.in_burst():
            retry = {"Retry-After": str(fault.retry_after_seconds)}
            return "rate_limit_burst", 429, {**retry, **self.rate_headers(None, "minute")}
        now = time.monotonic()
        wait = fault.over_quota(now)
        extra.update(self.rate_headers(fault.quota(now), None if wait is None else "minute"))
        if wait is not None:
            return "rate_limit_quota", 429, {"Retry-After": str(max(1, math.ceil(wait))), **extra}
        if self.faults.chance(fault.error_rate):
            return f"error_{fault.error_status}", fault.error_status, {}
        return None

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


async def _drop(send: Send) -> NoReturn:
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


async def _swallow(message: Message) -> None:
    """The vendor's answer to a request whose connection is dropped after it acted."""


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    if not extra:
        return send
    raw = [(k.lower().encode(), v.encode()) for k, v in extra.items()]

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *raw]}
        await send(message)

    return sending


def describe(config: FaultConfig) -> dict[str, Any]:
    return config.model_dump()
