"""The ``/_sandbox`` admin surface: not a vendor path, never faulted, never in a spec.

- ``GET  /_sandbox/health``            liveness
- ``POST /_sandbox/reset``             wipe all state, re-create the vendor's defaults
- ``POST /_sandbox/seed``              load the sample data (through the vendor API)
- ``GET  /_sandbox/webhooks``          every delivery attempt: url, status, outcome, body
- ``POST /_sandbox/webhooks/flush``    wait until queued deliveries are done
- ``GET|PUT|DELETE /_sandbox/faults``  read, replace or clear the fault settings
- ``GET  /_sandbox/faults/counts``     how many faults of each kind were injected

Xero adds ``POST /_sandbox/webhooks/intent-to-receive`` (``quote2cash.sandbox.xero.intent``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter

from quote2cash.sandbox.common.faults import FaultConfig, Faults
from quote2cash.sandbox.common.webhooks import WebhookDispatcher


def admin_router(
    *,
    vendor: str,
    faults: Faults,
    dispatcher: WebhookDispatcher,
    reset: Callable[[], None],
    seed: Callable[[], Awaitable[dict[str, Any]]],
) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", tags=["sandbox admin"])

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "vendor": vendor}

    @router.post("/reset")
    async def reset_state() -> dict[str, str]:
        reset()
        return {"status": "reset"}

    @router.post("/seed")
    async def seed_data() -> dict[str, Any]:
        return await seed()

    @router.get("/webhooks")
    async def webhook_log() -> dict[str, Any]:
        return {"attempts": dispatcher.attempts()}

    @router.post("/webhooks/flush")
    async def flush(seconds: float = 10.0) -> dict[str, str]:
        async with asyncio.timeout(seconds):
            await dispatcher.idle()
        return {"status": "idle"}

    @router.get("/faults")
    async def get_faults() -> FaultConfig:
        return faults.config

    @router.get("/faults/counts")
    async def fault_counts() -> dict[str, int]:
        return dict(sorted(faults.counts.items()))

    @router.put("/faults")
    async def put_faults(config: FaultConfig) -> FaultConfig:
        faults.replace(config)
        return faults.config

    @router.delete("/faults")
    async def clear_faults() -> FaultConfig:
        faults.replace(FaultConfig())
        return faults.config

    return router
