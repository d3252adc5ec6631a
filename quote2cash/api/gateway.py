"""A lazy Temporal client: the API starts, and takes webhooks, while Temporal is down.

The first caller that needs Temporal connects; a failed connect is not cached, so the
next caller tries again. Interceptors (tracing) are passed in, never built here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from temporalio.client import Client, Interceptor

from quote2cash.api.errors import TemporalUnavailable
from quote2cash.settings import Settings
from quote2cash.temporal import connect

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 5.0


class TemporalGateway:
    def __init__(self, settings: Settings, interceptors: Sequence[Interceptor] = ()) -> None:
        self._settings = settings
        self._interceptors = list(interceptors)
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        """The connected client, connecting now if needed; ``TemporalUnavailable`` if not."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                address = self._settings.temporal_address
                try:
                    self._client = await asyncio.wait_for(
                        connect(self._settings, self._interceptors), CONNECT_TIMEOUT
                    )
                except (RuntimeError, TimeoutError, OSError) as exc:
                    raise TemporalUnavailable(f"cannot reach Temporal at {address}: {exc}") from exc
                log.info("connected to Temporal at %s", address)
            return self._client

    async def reachable(self) -> bool:
        try:
            client = await self.client()
            return await client.service_client.check_health(timeout=timedelta(seconds=2))
        except Exception:  # any failure means "no" to a health probe
            return False
