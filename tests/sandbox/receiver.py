"""A tiny webhook receiver on loopback that verifies signatures like ingress does."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from fastapi import FastAPI, Request, Response

from quote2cash.connectors import jsoncodec
from quote2cash.connectors.signatures import (
    HUBSPOT_SIGNATURE,
    HUBSPOT_TIMESTAMP,
    XERO_SIGNATURE,
    SignatureError,
    verify_hubspot_v3,
    verify_xero,
)
from quote2cash.sandbox.common.server import ThreadedServer


@dataclass
class Delivery:
    vendor: str
    body: Any
    verified: bool
    reason: str = ""


@dataclass
class Receiver:
    hubspot_secret: str
    xero_key: str
    deliveries: list[Delivery] = field(default_factory=list)
    fail_next: int = 0
    """Answer 500 to this many requests first (to exercise retries)."""

    def __post_init__(self) -> None:
        # Deliveries arrive on the server's thread; tests wait on their own event loop.
        self._changed = threading.Condition()
        app = FastAPI()
        app.post("/hubspot")(self._hubspot)
        app.post("/xero")(self._xero)
        self._server = ThreadedServer(app)

    @property
    def url(self) -> str:
        return self._server.url

    async def _hubspot(self, request: Request) -> Response:
        body = await request.body()
        try:
            verify_hubspot_v3(
                self.hubspot_secret,
                method="POST",
                uri=str(request.url),
                body=body,
                timestamp=request.headers.get(HUBSPOT_TIMESTAMP),
                signature=request.headers.get(HUBSPOT_SIGNATURE),
                now_ms=int(time.time() * 1000),
            )
        except SignatureError as exc:
            return self._record("hubspot", body, str(exc))
        return self._record("hubspot", body, "")

    async def _xero(self, request: Request) -> Response:
        body = await request.body()
        try:
            verify_xero(self.xero_key, body=body, signature=request.headers.get(XERO_SIGNATURE))
        except SignatureError as exc:
            return self._record("xero", body, str(exc))
        return self._record("xero", body, "")

    def _record(self, vendor: str, body: bytes, reason: str) -> Response:
        with self._changed:
            self.deliveries.append(Delivery(vendor, jsoncodec.loads(body), not reason, reason))
            self._changed.notify_all()
        if reason:
            return Response(status_code=401)
        if self.fail_next > 0:
            self.fail_next -= 1
            return Response(status_code=500)
        return Response(status_code=200)

    async def wait_for(self, count: int, *, seconds: float = 5.0) -> list[Delivery]:
        """The deliveries once there are ``count`` of them (TimeoutError otherwise)."""

        def wait() -> bool:
            with self._changed:
                return self._changed.wait_for(lambda: len(self.deliveries) >= count, seconds)

        if not await asyncio.to_thread(wait):
            raise TimeoutError(f"{len(self.deliveries)} deliveries, expected {count}")
        return list(self.deliveries)

    def __enter__(self) -> Receiver:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.stop()
