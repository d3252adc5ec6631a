"""What activities need from the outside world, built once per worker process."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.xero import XeroClient
from quote2cash.settings import Settings
from quote2cash.store.db import make_engine


@dataclass(frozen=True)
class Deps:
    settings: Settings
    http: httpx.AsyncClient
    hubspot: HubSpotClient
    xero: XeroClient
    engine: Engine

    @classmethod
    def build(cls, settings: Settings, http: httpx.AsyncClient) -> Deps:
        """One shared HTTP client (connection pool) for every activity of the worker."""
        return cls(
            settings=settings,
            http=http,
            hubspot=HubSpotClient(
                http, base_url=settings.hubspot_base_url, token=settings.hubspot_token
            ),
            xero=XeroClient(
                http,
                base_url=settings.xero_base_url,
                tenant_id=settings.xero_tenant_id,
                token=settings.xero_token,
            ),
            engine=make_engine(settings.db_url),
        )
