"""One worker process of the refresh proof: its own engine, StoredTokens and XeroClient
from the stored connection, calling Xero continuously until ``seconds`` have passed.

``python -m tests.connect.refresh_worker SETTINGS_JSON SECONDS``; prints one JSON line:
``{"calls": n, "failures": [...]}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx

from quote2cash.connect.clients import xero_client
from quote2cash.connectors.errors import VendorError
from quote2cash.settings import Settings
from quote2cash.store.db import make_engine


async def run(settings: Settings, seconds: float) -> dict[str, object]:
    engine = make_engine(settings.db_url)
    calls, failures = 0, []
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=30) as http:
        xero = xero_client(settings, http, engine)
        while time.monotonic() < deadline:
            try:
                found = await xero.find_account(code="200")
                if found is None:
                    failures.append("account 200 not found")
            except VendorError as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            calls += 1
            await asyncio.sleep(0.02)
    engine.dispose()
    return {"calls": calls, "failures": failures}


if __name__ == "__main__":
    given = Settings.model_validate_json(sys.argv[1])
    sys.stdout.write(json.dumps(asyncio.run(run(given, float(sys.argv[2])))) + "\n")
