"""The proof: four worker processes share one Xero connection across many token expiries.

The emulator's access tokens live 3 seconds; the processes call Xero for 24 seconds.
Counted at the emulator, not by us: every renewal (a refresh, or for a custom connection
a new client-credentials token) came at least a token's usable life after the previous
one (one per expiry window, never two for one refresh token), no ``invalid_grant``, and
every call of every process succeeded.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from quote2cash.connect.consent import auto_consent
from quote2cash.connect.xero import connect_xero, connect_xero_custom
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.xero import create_app as xero_app
from tests.connect.conftest import app_settings, emulator_config

TTL = 3
SECONDS = 12.0  # about five token windows: enough to see one renewal per window
WORKERS = 4
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def short_lived() -> Iterator[ThreadedServer]:
    with ThreadedServer(xero_app(emulator_config(ttl=TTL))) as server:
        yield server


@pytest.mark.parametrize("grant", ["refresh_token", "client_credentials"])
async def test_four_processes_renew_once_per_window(
    grant: str,
    short_lived: ThreadedServer,
    engine: Engine,
    database_url: str,
    http: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    custom = grant == "client_credentials"
    settings = app_settings(database_url, short_lived.url, tmp_path, custom=custom)
    if custom:
        await connect_xero_custom(settings, engine, http)
    else:
        await connect_xero(settings, engine, http, consent=auto_consent(http))
    workers = [
        subprocess.Popen(  # noqa: ASYNC220 - the processes run while we wait for them
            [
                sys.executable,
                "-m",
                "tests.connect.refresh_worker",
                settings.model_dump_json(),
                str(SECONDS),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    results = [json.loads(w.communicate(timeout=SECONDS + 60)[0]) for w in workers]

    assert all(r["failures"] == [] for r in results), [r["failures"][:3] for r in results]
    assert all(r["calls"] > 20 for r in results), results
    seen = (await http.get(f"{short_lived.url}/_sandbox/oauth")).json()
    assert seen["invalid_grant"] == 0
    usable = TTL - min(120, TTL / 4)  # a token is handed out until its margin
    times = seen["client_credentials_times" if custom else "refresh_times"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= usable - 0.5, gaps  # never two refreshes in one window
    # Workers start staggered: the windows may straddle the run by one at each end.
    assert SECONDS / TTL - 2 <= len(times) <= SECONDS / usable + 2, seen
    assert seen["tokens_issued"]["authorization_code"] == (0 if custom else 1)
