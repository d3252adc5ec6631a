"""What activities need from the outside world, built once per worker process."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

from quote2cash.chart.mapping import mapping_for
from quote2cash.chart.presets import EntityMapping
from quote2cash.connect.clients import xero_client
from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.ratelimit import RateLimiter, hubspot_limiter, xero_limiter
from quote2cash.connectors.xero import XeroClient
from quote2cash.settings import Settings
from quote2cash.store.db import make_engine


@dataclass(frozen=True)
class Limiters:
    """One limiter per vendor account this worker calls: the HubSpot app, the Xero tenant."""

    hubspot: RateLimiter
    xero: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> Limiters:
        wait = settings.rate_limit_max_wait_seconds
        return cls(
            hubspot=hubspot_limiter(
                per_10s=settings.hubspot_requests_per_10s,
                search_per_second=settings.hubspot_search_per_second,
                max_wait=wait,
            ),
            xero=xero_limiter(
                per_minute=settings.xero_calls_per_minute,
                per_day=settings.xero_calls_per_day,
                concurrency=settings.xero_concurrency,
                max_wait=wait,
            ),
        )


@dataclass(frozen=True)
class Deps:
    settings: Settings
    http: httpx.AsyncClient
    hubspot: HubSpotClient
    xero: XeroClient
    engine: Engine
    limiters: Limiters
    mapping: EntityMapping
    """The billing entity's account codes and tax types (quote2cash.chart)."""

    @classmethod
    def build(cls, settings: Settings, http: httpx.AsyncClient) -> Deps:
        """One shared HTTP client (connection pool) and one limiter per vendor account for
        every activity of the worker: limits are the account's, not a call's."""
        limiters = Limiters.from_settings(settings)
        engine = make_engine(settings.db_url)
        return cls(
            settings=settings,
            http=http,
            hubspot=HubSpotClient(
                http,
                base_url=settings.hubspot_base_url,
                token=settings.hubspot_token,
                limiter=limiters.hubspot,
            ),
            xero=xero_client(settings, http, engine, limiter=limiters.xero),
            engine=engine,
            limiters=limiters,
            mapping=mapping_for(settings),
        )
