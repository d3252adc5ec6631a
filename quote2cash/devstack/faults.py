"""``q2c demo --faults <profile>``: the demo against misbehaving vendors, and what it cost.

A profile sets both emulators' faults through their admin endpoint once the stack is up,
and sets the worker's client-side limits to the emulators' quotas (the emulators are not
Xero or HubSpot: without a quota they enforce none, so the worker's limits are lifted,
unless a ``Q2C_*`` variable sets them). ``chaos``: about one vendor call in five fails
(5xx, connections lost before or after the vendor acted, timeouts), 429 bursts recur,
quotas are enforced, and every webhook comes twice and out of order.

The demo's own stand-ins for people (the sales rep closing deals, ops confirming, the
customer's bank paying) are exempt: they are not the system under test.

The report counts what happened, from the outside: activity attempts beyond the first in
the deals' Temporal histories, the emulators' fault counters, and the journals Xero holds.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from quote2cash.connect.clients import xero_client
from quote2cash.sandbox.common.faults import INTERNAL_HEADER, FaultConfig
from quote2cash.settings import Settings

EXEMPT_HEADERS = {INTERNAL_HEADER.decode(): "1"}
"""Headers of the demo driver's requests: the emulators' faults skip them."""

NO_LIMIT = 1_000_000_000
XERO_PATHS = "/api.xro/2.0/*"
HUBSPOT_PATHS = "/crm/*"
LIMIT_FIELDS = (
    "xero_calls_per_minute",
    "xero_calls_per_day",
    "xero_concurrency",
    "hubspot_requests_per_10s",
    "hubspot_search_per_second",
)


@dataclass(frozen=True)
class FaultProfile:
    name: str
    hubspot: FaultConfig = field(default_factory=FaultConfig)
    xero: FaultConfig = field(default_factory=FaultConfig)
    limits: dict[str, int] = field(default_factory=dict)
    """The worker's client-side limits for this profile (the emulators' quotas)."""
    extra_seconds: float = 0.0
    """Longer wait before the demo gives up: an unlucky deal waits out retry backoffs
    of up to a minute each (the workflows' retry policy)."""


def _vendor_faults(
    path: str, *, per_minute: int, seed: int, timeout_s: float, max_concurrent: int = 0
) -> FaultConfig:
    """About 20% of calls fail: 12% 5xx, 3% dropped before, 3% after the vendor acted,
    2% answered later than the client's HTTP timeout; plus a 429 burst every 80 calls,
    a per-minute quota and, for Xero, 5 calls in flight."""
    late_ms = int((timeout_s + 5) * 1000)
    return FaultConfig.model_validate(
        {
            "routes": [
                {"path": path, "error_rate": 0.07, "error_status": 503},
                {"path": path, "error_rate": 0.05, "error_status": 500},
                {"path": path, "drop_rate": 0.03, "drop_after_rate": 0.03},
                {"path": path, "latency_ms": late_ms, "latency_rate": 0.02},
                {
                    "path": path,
                    "rate_limit_burst": 3,
                    "rate_limit_burst_every": 80,
                    "retry_after_seconds": 2,
                    "rate_limit_per_minute": per_minute,
                    "max_concurrent": max_concurrent,
                },
            ],
            "webhooks": {"duplicate_rate": 1.0, "reorder": True},
            "seed": seed,
        }
    )


CHAOS_XERO_PER_MINUTE = 900
CHAOS_HUBSPOT_PER_MINUTE = 1200
XERO_CONCURRENCY = 5
WORKER_HTTP_TIMEOUT_S = 20.0
"""The worker's vendor HTTP timeout (``workers.main.http_client``)."""


def chaos(*, http_timeout_s: float = WORKER_HTTP_TIMEOUT_S) -> FaultProfile:
    """The chaos profile for a worker whose vendor calls time out after ``http_timeout_s``
    (a test worker with a shorter timeout gets the same timeouts, sooner)."""
    return FaultProfile(
        "chaos",
        hubspot=_vendor_faults(
            HUBSPOT_PATHS, per_minute=CHAOS_HUBSPOT_PER_MINUTE, seed=11, timeout_s=http_timeout_s
        ),
        xero=_vendor_faults(
            XERO_PATHS,
            per_minute=CHAOS_XERO_PER_MINUTE,
            seed=13,
            timeout_s=http_timeout_s,
            max_concurrent=XERO_CONCURRENCY,
        ),
        limits={
            "xero_calls_per_minute": CHAOS_XERO_PER_MINUTE,
            "xero_calls_per_day": NO_LIMIT,
            "xero_concurrency": XERO_CONCURRENCY,
            "hubspot_requests_per_10s": CHAOS_HUBSPOT_PER_MINUTE // 6,
            "hubspot_search_per_second": 4,
        },
        extra_seconds=300,
    )


PROFILES = {
    "none": FaultProfile(
        "none",
        limits={name: NO_LIMIT for name in LIMIT_FIELDS} | {"xero_concurrency": 100},
    ),
    "chaos": chaos(),
}


def profile(name: str) -> FaultProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown fault profile {name!r}; one of {', '.join(PROFILES)}") from None


def with_limits(settings: Settings, chosen: FaultProfile) -> Settings:
    """The profile's client-side limits, except those the environment sets explicitly."""
    update = {k: v for k, v in chosen.limits.items() if k not in settings.model_fields_set}
    return settings.model_copy(update=update)


async def apply(http: httpx.AsyncClient, settings: Settings, chosen: FaultProfile) -> None:
    """Set both emulators' faults (an admin call: never faulted itself)."""
    for base, config in (
        (settings.hubspot_base_url, chosen.hubspot),
        (settings.xero_base_url, chosen.xero),
    ):
        response = await http.put(f"{base}/_sandbox/faults", json=config.model_dump())
        response.raise_for_status()


async def fault_counts(http: httpx.AsyncClient, settings: Settings) -> dict[str, dict[str, int]]:
    found = {}
    for vendor, base in (("hubspot", settings.hubspot_base_url), ("xero", settings.xero_base_url)):
        response = await http.get(f"{base}/_sandbox/faults/counts")
        response.raise_for_status()
        found[vendor] = dict(response.json())
    return found


async def activity_retries(client: Client, workflow_ids: Sequence[str]) -> dict[str, int]:
    """Attempts beyond the first, per activity type, from the workflows' histories."""
    gate = asyncio.Semaphore(16)

    async def one(workflow_id: str) -> Counter[str]:
        async with gate:
            history = await client.get_workflow_handle(workflow_id).fetch_history()
        names: dict[int, str] = {}
        retries: Counter[str] = Counter()
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attrs = event.activity_task_scheduled_event_attributes
                names[event.event_id] = attrs.activity_type.name
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                started = event.activity_task_started_event_attributes
                name = names.get(started.scheduled_event_id, "?")
                retries[name] += max(0, started.attempt - 1)
        return retries

    total: Counter[str] = Counter()
    for found in await asyncio.gather(*(one(w) for w in workflow_ids)):
        total.update(found)
    return dict(sorted((k, v) for k, v in total.items() if v))


async def xero_journals(http: httpx.AsyncClient, settings: Settings) -> dict[str, int]:
    """Journals Xero posted, by source type, and sources posted more than once."""
    xero = xero_client(settings, http, engine=None)
    per_source: Counter[tuple[str, str]] = Counter()
    offset = 0
    while page := await xero.list_journals(offset=offset):
        per_source.update((j.source_type or "", j.source_id or "") for j in page)
        offset = max(j.journal_number for j in page)
    kinds = Counter(kind for kind, _ in per_source.elements())
    duplicated = sum(1 for n in per_source.values() if n > 1)
    return dict(sorted(kinds.items())) | {"sources_posted_twice": duplicated}


async def report(
    client: Client, http: httpx.AsyncClient, settings: Settings, workflow_ids: Sequence[str]
) -> dict[str, Any]:
    retries = await activity_retries(client, workflow_ids)
    return {
        "activity_retries": sum(retries.values()),
        "retries_by_activity": retries,
        "injected": await fault_counts(http, settings),
        "xero_journals": await xero_journals(http, settings),
    }
