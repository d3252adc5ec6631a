"""Outgoing webhooks: delivered in the background, retried with backoff, logged.

The request that caused an event never waits for its delivery, as with the real
vendors. Each delivery is rebuilt and re-signed per attempt (HubSpot puts
``attemptNumber`` in the body). Every attempt lands in the delivery log, which the admin
endpoint ``GET /_sandbox/webhooks`` shows, with the outcome and the body sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from quote2cash.sandbox.common.faults import Faults
from quote2cash.sandbox.common.store import DocStore

log = logging.getLogger(__name__)

BuildRequest = Callable[[int], tuple[bytes, dict[str, str]]]
"""attempt (0-based) -> (body, headers), signed for that attempt."""

LOG_KIND = "_webhook_attempt"
REORDER_WINDOW_SECONDS = 0.5


@dataclass
class Delivery:
    id: str
    url: str
    label: str
    build: BuildRequest
    signature_header: str


class WebhookDispatcher:
    def __init__(
        self,
        *,
        store: DocStore,
        faults: Faults,
        max_attempts: int = 5,
        retry_base_seconds: float = 1.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        self._store = store
        self._faults = faults
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._timeout = timeout_seconds
        self._queue: asyncio.Queue[Delivery] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._http = httpx.AsyncClient(timeout=self._timeout)
        self._worker = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        tasks = [t for t in [self._worker, *self._inflight] if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.aclose()

    def submit(self, url: str, build: BuildRequest, *, label: str, signature_header: str) -> None:
        """Queue a delivery; no URL configured means webhooks are off."""
        if not url:
            return
        if self._queue is None:
            raise RuntimeError("webhook dispatcher not started (app lifespan did not run)")
        delivery = Delivery(uuid.uuid4().hex, url, label, build, signature_header)
        self._pending += 1
        self._idle.clear()
        self._queue.put_nowait(delivery)

    async def idle(self) -> None:
        """Wait until every queued delivery has finished (tests, admin ``flush``)."""
        await self._idle.wait()

    def attempts(self) -> list[dict[str, Any]]:
        return self._store.all(LOG_KIND)

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            delivery = await self._queue.get()
            if self._faults.config.webhooks.reorder:
                try:
                    following = await asyncio.wait_for(self._queue.get(), REORDER_WINDOW_SECONDS)
                except TimeoutError:
                    self._spawn(delivery)
                    continue
                self._faults.count("webhook_reordered")
                self._spawn(following)
                await asyncio.sleep(0.05)  # so that the later event really goes first
            self._spawn(delivery)

    def _spawn(self, delivery: Delivery) -> None:
        task = asyncio.create_task(self._deliver(delivery), name=f"webhook-{delivery.id}")
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            await self._deliver_with_retries(delivery)
        finally:
            self._pending -= 1
            if self._pending == 0:
                self._idle.set()

    async def _deliver_with_retries(self, delivery: Delivery) -> None:
        faults = self._faults.config.webhooks
        if faults.delay_ms:
            self._faults.count("webhook_delayed")
            await asyncio.sleep(faults.delay_ms / 1000)
        if self._faults.chance(faults.drop_rate):
            self._faults.count("webhook_dropped")
            self._record(delivery, 0, None, "dropped (fault injection)", b"", {})
            return
        for attempt in range(self._max_attempts):
            if attempt:
                await asyncio.sleep(self._retry_base * 2 ** (attempt - 1))
            if await self._attempt(delivery, attempt):
                if self._faults.chance(faults.duplicate_rate):
                    self._faults.count("webhook_duplicate")
                    await self._attempt(delivery, attempt, duplicate=True)
                return

    async def _attempt(self, delivery: Delivery, attempt: int, *, duplicate: bool = False) -> bool:
        assert self._http is not None
        body, headers = delivery.build(attempt)
        if self._faults.chance(self._faults.config.webhooks.bad_signature_rate):
            self._faults.count("webhook_bad_signature")
            headers = {**headers, delivery.signature_header: "c2lnbmF0dXJlIGNvcnJ1cHRlZA=="}
        try:
            response = await self._http.post(delivery.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            self._record(delivery, attempt, None, f"error: {type(exc).__name__}", body, headers)
            return False
        ok = response.is_success
        outcome = "delivered" if ok else "rejected"
        if duplicate:
            outcome += " (duplicate)"
        self._record(delivery, attempt, response.status_code, outcome, body, headers)
        return ok

    def _record(
        self,
        delivery: Delivery,
        attempt: int,
        status: int | None,
        outcome: str,
        body: bytes,
        headers: dict[str, str],
    ) -> None:
        entry = {
            "delivery_id": delivery.id,
            "label": delivery.label,
            "url": delivery.url,
            "attempt": attempt,
            "status": status,
            "outcome": outcome,
            "at": datetime.now(UTC).isoformat(),
            "headers": headers,
            "body": body.decode(errors="replace"),
        }
        self._store.put(LOG_KIND, uuid.uuid4().hex, entry)
        log.info("webhook %s attempt %d to %s: %s", delivery.label, attempt, delivery.url, outcome)
